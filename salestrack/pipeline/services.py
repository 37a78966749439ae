from datetime import timedelta

from django.db import transaction
from django.db.models import F, Max, ProtectedError
from django.utils.translation import gettext as _

from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_diff, audit_record, audit_snapshot
from salestrack.core.exceptions import ApplicationError
from salestrack.pipeline.models import Pipeline, Stage, StageRequirement
from salestrack.pipeline.signals import stage_order_changed


@transaction.atomic
def pipeline_create(*, name: str, name_en: str = "", actor: User | None = None) -> Pipeline:
    """A new pipeline starts with a first open stage and the two closing stages."""
    pipeline = Pipeline.objects.create(name=name, name_en=name_en)
    Stage.objects.create(pipeline=pipeline, name="线索", name_en="Lead", position=0, probability=10)
    Stage.objects.create(
        pipeline=pipeline,
        name="赢单",
        name_en="Won",
        kind=Stage.Kind.WON,
        position=100,
        probability=100,
        color="#16a34a",
    )
    Stage.objects.create(
        pipeline=pipeline,
        name="输单",
        name_en="Lost",
        kind=Stage.Kind.LOST,
        position=101,
        probability=0,
        color="#ef4444",
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=pipeline,
        changes=audit_diff({}, audit_snapshot(pipeline, ["name", "name_en"])),
        extra={"stages": [str(s) for s in pipeline.stages.order_by("position")]},
    )
    return pipeline


@transaction.atomic
def pipeline_update(*, pipeline: Pipeline, data: dict, actor: User | None = None) -> Pipeline:
    audited = ["name", "name_en", "is_active", "is_default"]
    before = audit_snapshot(Pipeline.objects.get(pk=pipeline.pk), audited)
    for name in ("name", "name_en", "is_active"):
        if name in data:
            setattr(pipeline, name, data[name])
    if data.get("is_default"):
        Pipeline.objects.exclude(pk=pipeline.pk).update(is_default=False)
        pipeline.is_default = True
    pipeline.save()
    changes = audit_diff(before, audit_snapshot(pipeline, audited))
    if changes:
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=pipeline, changes=changes)
    return pipeline


def _set_requirements(stage: Stage, fields: list[str]) -> None:
    StageRequirement.objects.filter(stage=stage).exclude(field__in=fields).delete()
    existing = set(stage.requirements.values_list("field", flat=True))
    StageRequirement.objects.bulk_create(
        [StageRequirement(stage=stage, field=f) for f in fields if f not in existing]
    )


@transaction.atomic
def stage_save(
    *,
    pipeline: Pipeline,
    data: dict,
    requirements: list[str],
    stage: Stage | None = None,
    actor: User | None = None,
) -> Stage:
    """Create or update a stage; open stages are placed before the closing ones."""
    created = stage is None
    before = {} if created else _stage_snapshot(Stage.objects.get(pk=stage.pk), list(data))
    if stage is None:
        last_open = pipeline.stages.filter(kind=Stage.Kind.OPEN).aggregate(p=Max("position"))["p"]
        stage = Stage(pipeline=pipeline, position=(last_open or 0) + 1)
        _make_room(pipeline, stage.position)
    else:
        saved_kind = Stage.objects.values_list("kind", flat=True).get(pk=stage.pk)
        if saved_kind != data.get("kind", saved_kind) and stage.deals.exists():
            raise ApplicationError(_("Deals are in this stage: its kind cannot change."))
    for name, value in data.items():
        setattr(stage, name, value)
    stage.save()
    _check_kinds(pipeline)
    _set_requirements(stage, requirements if stage.is_open else [])
    changes = audit_diff(before, _stage_snapshot(stage, list(data)))
    extra = {"pipeline_id": pipeline.pk}
    if "rot_days" in changes and stage.is_open:
        extra["deals_restamped"] = _restamp_stalls_at(stage)
    if created or changes:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            obj=stage,
            changes=changes,
            extra=extra,
        )
    return stage


def _restamp_stalls_at(stage: Stage) -> int:
    """Deals in the stage (trashed ones too) stall rot_days after entering it: one UPDATE.

    Keeps deals.Deal.stalls_at (see deals.stalls) in step with the stage's new rot_days."""
    return stage.deals(manager="all_objects").update(
        stalls_at=F("stage_entered_at") + timedelta(days=stage.rot_days)
    )


def _stage_snapshot(stage: Stage, fields: list[str]) -> dict:
    snapshot = audit_snapshot(stage, fields)
    snapshot["requirements"] = sorted(stage.requirements.values_list("field", flat=True))
    return snapshot


def _check_kinds(pipeline: Pipeline) -> None:
    kinds = set(pipeline.stages.values_list("kind", flat=True))
    if kinds != {Stage.Kind.OPEN, Stage.Kind.WON, Stage.Kind.LOST}:
        raise ApplicationError(_("A pipeline needs at least one open, one won and one lost stage."))


def _make_room(pipeline: Pipeline, position: int) -> None:
    for later in pipeline.stages.filter(position__gte=position).order_by("-position"):
        later.position += 1
        later.save(update_fields=["position"])


@transaction.atomic
def stage_move(*, stage: Stage, offset: int, actor: User | None = None) -> None:
    """Swap the stage with its neighbour (offset -1 = earlier, +1 = later)."""
    siblings = list(stage.pipeline.stages.order_by("position", "id"))
    index = siblings.index(stage)
    target = index + offset
    if not 0 <= target < len(siblings):
        return
    other = siblings[target]
    positions = [s.position for s in siblings]
    if len(set(positions)) != len(positions):
        for i, s in enumerate(siblings):
            s.position = i
            s.save(update_fields=["position"])
    before = stage.position
    stage.position, other.position = other.position, stage.position
    stage.save(update_fields=["position"])
    other.save(update_fields=["position"])
    stage_order_changed.send(sender=Stage, pipeline_id=stage.pipeline_id)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=stage,
        changes={"position": [before, stage.position]},
        extra={"pipeline_id": stage.pipeline_id, "swapped_with": other.pk},
    )


@transaction.atomic
def stage_delete(*, stage: Stage, actor: User | None = None) -> None:
    if stage.deals.exists():
        raise ApplicationError(_("Deals are in this stage: move them before deleting it."))
    kinds = stage.pipeline.stages.filter(kind=stage.kind).count()
    if kinds <= 1:
        raise ApplicationError(_("A pipeline needs at least one open, one won and one lost stage."))
    before = _stage_snapshot(stage, ["name", "name_en", "kind", "position", "probability"])
    stage_id, label, pipeline_id = stage.pk, str(stage), stage.pipeline_id
    try:
        stage.delete()
    except ProtectedError as exc:
        raise ApplicationError(
            _("Deals have passed through this stage and its history refers to it: keep it.")
        ) from exc
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        object_type=Stage._meta.label_lower,
        object_id=stage_id,
        object_label=label,
        changes=audit_diff(before, {}),
        extra={"pipeline_id": pipeline_id},
    )
