from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils.translation import gettext as _

from salestrack.core.exceptions import ApplicationError
from salestrack.pipeline.models import Pipeline, Stage, StageRequirement


@transaction.atomic
def pipeline_create(*, name: str, name_en: str = "") -> Pipeline:
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
    return pipeline


@transaction.atomic
def pipeline_update(*, pipeline: Pipeline, data: dict) -> Pipeline:
    for name in ("name", "name_en", "is_active"):
        if name in data:
            setattr(pipeline, name, data[name])
    if data.get("is_default"):
        Pipeline.objects.exclude(pk=pipeline.pk).update(is_default=False)
        pipeline.is_default = True
    pipeline.save()
    return pipeline


def _set_requirements(stage: Stage, fields: list[str]) -> None:
    StageRequirement.objects.filter(stage=stage).exclude(field__in=fields).delete()
    existing = set(stage.requirements.values_list("field", flat=True))
    StageRequirement.objects.bulk_create(
        [StageRequirement(stage=stage, field=f) for f in fields if f not in existing]
    )


@transaction.atomic
def stage_save(
    *, pipeline: Pipeline, data: dict, requirements: list[str], stage: Stage | None = None
) -> Stage:
    """Create or update a stage; open stages are placed before the closing ones."""
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
    return stage


def _check_kinds(pipeline: Pipeline) -> None:
    kinds = set(pipeline.stages.values_list("kind", flat=True))
    if kinds != {Stage.Kind.OPEN, Stage.Kind.WON, Stage.Kind.LOST}:
        raise ApplicationError(_("A pipeline needs at least one open, one won and one lost stage."))


def _make_room(pipeline: Pipeline, position: int) -> None:
    for later in pipeline.stages.filter(position__gte=position).order_by("-position"):
        later.position += 1
        later.save(update_fields=["position"])


@transaction.atomic
def stage_move(*, stage: Stage, offset: int) -> None:
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
    stage.position, other.position = other.position, stage.position
    stage.save(update_fields=["position"])
    other.save(update_fields=["position"])


@transaction.atomic
def stage_delete(*, stage: Stage) -> None:
    if stage.deals.exists():
        raise ApplicationError(_("Deals are in this stage: move them before deleting it."))
    kinds = stage.pipeline.stages.filter(kind=stage.kind).count()
    if kinds <= 1:
        raise ApplicationError(_("A pipeline needs at least one open, one won and one lost stage."))
    try:
        stage.delete()
    except ProtectedError as exc:
        raise ApplicationError(
            _("Deals have passed through this stage and its history refers to it: keep it.")
        ) from exc
