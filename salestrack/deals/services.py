from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.bulk import audit_bulk_update, bulk_rows, check_assignable
from salestrack.access.models import FieldLevel
from salestrack.access.policy import permissions_for
from salestrack.access.scope import can_write
from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_diff, audit_record, audit_snapshot
from salestrack.core.exceptions import ApplicationError
from salestrack.core.money import quantize_cny
from salestrack.customers.models import Customer
from salestrack.deals.errors import StageGateError, deal_conflict
from salestrack.deals.gates import GATE_FIELDS, LOST_REASON, missing_facts
from salestrack.deals.models import Deal, DealLine, Product, StageChange
from salestrack.deals.signals import deal_stage_moved
from salestrack.deals.stalls import stalls_at_for
from salestrack.pipeline.models import Pipeline, Stage

EDITABLE_FIELDS = [
    "title",
    "customer",
    "amount",
    "expected_close_date",
    "probability",
    "source",
    "competitor",
    "next_step",
    "owner",
    *GATE_FIELDS,
]
STATUS_BY_KIND = {
    Stage.Kind.OPEN: Deal.Status.OPEN,
    Stage.Kind.WON: Deal.Status.WON,
    Stage.Kind.LOST: Deal.Status.LOST,
}


def _check_customer_writable(customer: Customer, actor: User) -> None:
    """A deal is a write under its customer: one shared read-only (or out of scope) refuses."""
    if not can_write(actor, customer):
        raise ApplicationError(
            _("You may not add deals to the customer “%(name)s”.") % {"name": customer.name}
        )


def _require_field(actor: User, name: str) -> None:
    """The actor's role must be allowed to edit this field of deals (access.policy)."""
    if permissions_for(actor).field_level("deal", name) != FieldLevel.EDIT:
        raise PermissionDenied(_("Your role may not change this field."))


def _pipeline_stages(pipeline_id: int) -> list[Stage]:
    return list(Stage.objects.filter(pipeline_id=pipeline_id).prefetch_related("requirements"))


def _validate(deal: Deal, fields: list[str]) -> None:
    exclude = [f.name for f in Deal._meta.fields if f.name not in fields]
    try:
        deal.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ApplicationError(
            "; ".join(
                f"{Deal._meta.get_field(k).verbose_name}: {' '.join(v)}"
                for k, v in exc.message_dict.items()
            ),
            extra={"errors": exc.message_dict},
        ) from exc


def _cas_update(deal: Deal, expected_version: int, values: dict[str, Any]) -> Deal:
    """Compare-and-set on `version`: zero rows updated means someone else saved first."""
    now = timezone.now()
    updated = Deal.objects.filter(pk=deal.pk, version=expected_version).update(
        **values, version=F("version") + 1, updated_at=now
    )
    if updated == 0:
        raise deal_conflict()
    deal.refresh_from_db()
    return deal


def reached_stage_after(*, reached: Stage | None, stage: Stage) -> Stage | None:
    """Deal.reached_stage once the deal has entered `stage`: `stage` when it is further along
    (position, then id) than the stage reached so far; lost stages never count, and a move
    backwards keeps what was reached. Every writer of Deal.stage sets it through this."""
    if stage.kind == Stage.Kind.LOST:
        return reached
    if reached is None or (stage.position, stage.pk) > (reached.position, reached.pk):
        return stage
    return reached


def _record_stage_entry(
    *, deal: Deal, from_stage: Stage | None, to_stage: Stage, actor: User | None, at: datetime
) -> None:
    open_row = (
        StageChange.objects.filter(deal=deal, left_at__isnull=True).order_by("-entered_at").first()
    )
    if open_row is not None:
        open_row.left_at = at
        open_row.duration_seconds = int((at - open_row.entered_at).total_seconds())
        open_row.save(update_fields=["left_at", "duration_seconds"])
    StageChange.objects.create(
        deal=deal,
        from_stage=from_stage,
        to_stage=to_stage,
        from_kind=from_stage.kind if from_stage else "",
        to_kind=to_stage.kind,
        entered_at=at,
        actor=actor,
    )


@transaction.atomic
def deal_create(
    *,
    actor: User,
    customer: Customer,
    title: str,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    owner: User | None = None,
    collaborators: list[User] | tuple = (),
    **fields: Any,
) -> Deal:
    permissions_for(actor).require("deal", "create")
    pipeline = pipeline or (stage.pipeline if stage else Pipeline.objects.get(is_default=True))
    stages = _pipeline_stages(pipeline.pk)
    open_stages = [s for s in stages if s.is_open]
    if not open_stages:
        raise ApplicationError(_("This pipeline has no open stage to start a deal in."))
    stage = stage or open_stages[0]
    if stage.pipeline_id != pipeline.pk or not stage.is_open:
        raise ApplicationError(_("A new deal must start in an open stage of its pipeline."))
    owner = owner or actor
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown deal fields: {sorted(unknown)}")
    _check_customer_writable(customer, actor)
    now = timezone.now()
    deal = Deal(
        title=title,
        customer=customer,
        pipeline=pipeline,
        stage=open_stages[0],
        owner=owner,
        team_id=owner.team_id,
        stage_entered_at=now,
        **fields,
    )
    _validate(deal, ["title", "amount", *fields.keys()])
    missing = missing_facts(deal, stage, stages) if stage != open_stages[0] else []
    if missing:
        raise StageGateError(missing)
    deal.stage = stage
    deal.reached_stage = reached_stage_after(reached=None, stage=stage)
    deal.stalls_at = stalls_at_for(stage=stage, entered_at=now)
    deal.save()
    if collaborators:
        deal.collaborators.set(collaborators)
    _record_stage_entry(deal=deal, from_stage=None, to_stage=stage, actor=actor, at=now)
    created = ["title", "customer", "pipeline", "stage", "owner", "amount", *fields]
    if collaborators:
        created.append("collaborators")
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=deal,
        changes=audit_diff({}, audit_snapshot(deal, list(dict.fromkeys(created)))),
    )
    return deal


@transaction.atomic
def deal_update(*, deal: Deal, actor: User, expected_version: int, data: dict[str, Any]) -> Deal:
    unknown = set(data) - set(EDITABLE_FIELDS) - {"collaborators"}
    if unknown:
        raise ApplicationError(f"Unknown deal fields: {sorted(unknown)}")
    for name in data:
        _require_field(actor, name)
    if "customer" in data and data["customer"].pk != deal.customer_id:
        _check_customer_writable(data["customer"], actor)
    audited = list(data)
    # The stored values: a ModelForm has already copied the new ones onto `deal`.
    before = audit_snapshot(Deal.all_objects.get(pk=deal.pk), audited)
    collaborators = data.pop("collaborators", None)
    if "amount" in data and deal.lines.exists() and data["amount"] != deal.amount:
        raise ApplicationError(
            _("This deal has product lines: its amount is their total. Edit the lines instead.")
        )
    for name, value in data.items():
        setattr(deal, name, value)
    _validate(deal, list(data))
    values = {name: getattr(deal, name) for name in data}
    if "owner" in data:
        values["team_id"] = deal.owner.team_id
    deal = _cas_update(deal, expected_version, values)
    if collaborators is not None:
        deal.collaborators.set(collaborators)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=deal,
        changes=audit_diff(before, audit_snapshot(deal, audited)),
    )
    return deal


@transaction.atomic
def deal_move_stage(
    *,
    deal: Deal,
    to_stage: Stage,
    actor: User,
    expected_version: int,
    facts: dict[str, Any] | None = None,
) -> Deal:
    """Move a deal (forward, backward, won or lost), recording any facts the move requires."""
    _require_field(actor, "stage")
    for name in facts or {}:
        _require_field(actor, name)
    if to_stage.pipeline_id != deal.pipeline_id:
        raise ApplicationError(_("That stage belongs to another pipeline."))
    if deal.version != expected_version:
        raise deal_conflict()
    if to_stage.pk == deal.stage_id:
        return deal
    facts = dict(facts or {})
    unknown = set(facts) - set(GATE_FIELDS) - {LOST_REASON}
    if unknown:
        raise ApplicationError(f"Unknown facts: {sorted(unknown)}")
    before = audit_snapshot(deal, ["stage", "status", *facts])
    for name, value in facts.items():
        setattr(deal, name, value)
    _validate(deal, list(facts))
    missing = missing_facts(deal, to_stage, _pipeline_stages(deal.pipeline_id))
    if missing:
        raise StageGateError(missing)
    from_stage = deal.stage
    now = timezone.now()
    values = {name: getattr(deal, name) for name in facts}
    deal = _cas_update(
        deal,
        expected_version,
        {
            **values,
            "stage": to_stage,
            "reached_stage": reached_stage_after(reached=deal.reached_stage, stage=to_stage),
            "status": STATUS_BY_KIND[to_stage.kind],
            "stage_entered_at": now,
            "stalls_at": stalls_at_for(stage=to_stage, entered_at=now),
            "closed_at": None if to_stage.is_open else now,
        },
    )
    _record_stage_entry(deal=deal, from_stage=from_stage, to_stage=to_stage, actor=actor, at=now)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=deal,
        changes=audit_diff(before, audit_snapshot(deal, ["stage", "status", *facts])),
        extra={
            "event": "move_stage",
            "from_stage": {"id": from_stage.pk, "name": str(from_stage), "kind": from_stage.kind},
            "to_stage": {"id": to_stage.pk, "name": str(to_stage), "kind": to_stage.kind},
            "facts": facts,
        },
    )
    # Inside the transaction: receivers write outbox rows that commit with the move.
    deal_stage_moved.send(
        sender=Deal,
        deal_id=deal.pk,
        from_stage_id=from_stage.pk,
        to_stage_id=to_stage.pk,
        actor_id=actor.pk if actor else None,
    )
    return deal


def _line_total(quantity: Decimal, unit_price: Decimal, discount: Decimal) -> Decimal:
    return quantize_cny(quantity * unit_price * (Decimal(100) - discount) / Decimal(100))


def _deal_recalculate_amount(deal: Deal) -> Deal:
    total = deal.lines.aggregate(total=Sum("total"))["total"] or Decimal("0.00")
    Deal.objects.filter(pk=deal.pk).update(
        amount=total, version=F("version") + 1, updated_at=timezone.now()
    )
    deal.refresh_from_db()
    return deal


@transaction.atomic
def deal_line_add(
    *,
    deal: Deal,
    actor: User,
    product: Product,
    quantity: Decimal,
    unit_price: Decimal | None = None,
    discount: Decimal = Decimal("0"),
) -> DealLine:
    _require_field(actor, "amount")
    unit_price = product.list_price if unit_price is None else unit_price
    line = DealLine(
        deal=deal,
        product=product,
        quantity=quantity,
        unit_price=unit_price,
        discount=discount,
        total=Decimal("0"),
    )
    try:
        line.full_clean(exclude=["total", "deal"])
    except ValidationError as exc:
        raise ApplicationError(
            "; ".join(" ".join(v) for v in exc.message_dict.values()),
            extra={"errors": exc.message_dict},
        ) from exc
    line.total = _line_total(quantity, unit_price, discount)
    line.save()
    before = audit_snapshot(deal, ["amount"])
    _deal_recalculate_amount(deal)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=deal,
        changes=audit_diff(before, audit_snapshot(deal, ["amount"])),
        extra={"event": "line_add", "line": _line_facts(line)},
    )
    return line


def _line_facts(line: DealLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "product": str(line.product),
        **audit_snapshot(line, ["product", "quantity", "unit_price", "discount", "total"]),
    }


@transaction.atomic
def deal_line_remove(*, line: DealLine, actor: User) -> Deal:
    _require_field(actor, "amount")
    deal = line.deal
    facts = _line_facts(line)
    before = audit_snapshot(deal, ["amount"])
    line.delete()
    deal = _deal_recalculate_amount(deal)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=deal,
        changes=audit_diff(before, audit_snapshot(deal, ["amount"])),
        extra={"event": "line_remove", "line": facts},
    )
    return deal


@transaction.atomic
def deal_delete(*, deal: Deal, actor: User) -> Deal:
    """Move the deal to the trash; it leaves the board, lists and follow-ups until restored."""
    permissions_for(actor).require("deal", "delete")
    deal.deleted_at = timezone.now()
    deal.deleted_by = actor
    deal.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=deal,
        changes=audit_diff({}, audit_snapshot(deal, ["deleted_at"])),
        extra={"customer_id": deal.customer_id},
    )
    return deal


@transaction.atomic
def deal_bulk_assign(*, actor: User, ids: list[int], owner: User) -> int:
    """Give many deals a new owner at once; all or nothing, audited per row."""
    check_assignable(actor=actor, owner=owner)
    rows = bulk_rows(
        actor=actor,
        qs=Deal.objects.all(),
        object_type="deal",
        ids=ids,
        fields=["owner"],
        read=("team", "title"),
    )
    Deal.objects.filter(pk__in=[r["pk"] for r in rows]).update(
        owner_id=owner.pk,
        team_id=owner.team_id,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    after = {"owner": owner.pk, "team": owner.team_id}
    audit_bulk_update(actor=actor, object_type="deals.deal", rows=rows, after=after, label="title")
    return len(rows)
