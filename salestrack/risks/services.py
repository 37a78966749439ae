"""Writes of the risks app: the cycle-median cache, risk flags and weekly review decisions."""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_diff, audit_record, audit_snapshot
from salestrack.core.exceptions import ApplicationError
from salestrack.deals.models import Deal
from salestrack.pipeline.models import Pipeline
from salestrack.risks.models import CycleMedian, ReviewDecision, RiskFlag, week_start
from salestrack.risks.signals import risk_flag_raised

MEDIANS_MAX_AGE = timedelta(hours=24)


def _middle_rows(partition: list[str]) -> dict[tuple, tuple[list[timedelta], int]]:
    """The one (odd count) or two (even count) middle durations of each partition of won deals.

    The database ranks every won deal's time to win (closed_at - created_at) within its
    partition (ROW_NUMBER and COUNT over a window, on SQLite >= 3.25 and PostgreSQL alike) and
    returns only rows ranked (n+1)/2 .. (n+2)/2 in integer division: 3..3 of 5, 2..3 of 4.
    """
    duration = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    keys = [F(name) for name in partition]
    ranked = (
        Deal.objects.filter(status=Deal.Status.WON, closed_at__isnull=False)
        .annotate(
            segment_industry=F("customer__industry"),
            duration=duration,
            rank=Window(RowNumber(), partition_by=keys, order_by=[duration.asc(), F("id").asc()]),
            size=Window(Count("id"), partition_by=keys),
        )
        .filter(rank__gte=(F("size") + 1) / 2, rank__lte=(F("size") + 2) / 2)
        .values_list(*partition, "duration", "size")
    )
    middles: dict[tuple, tuple[list[timedelta], int]] = {}
    for *key, duration_value, size in ranked:
        middles.setdefault(tuple(key), ([], size))[0].append(duration_value)
    return middles


def _median_seconds(durations: list[timedelta]) -> int:
    return round(sum(d.total_seconds() for d in durations) / len(durations))


@transaction.atomic
def cycle_medians_refresh(*, now: datetime | None = None) -> list[CycleMedian]:
    """Rebuild the median time to win per segment (pipeline + customer industry) and per
    pipeline. Every pipeline gets its row, with sample size 0 when it has no won deal yet.

    Called when the cache is older than a day (risks.selectors.cycle_median_book); a nightly
    task can call it too. A derived cache, so no audit entry."""
    now = now or timezone.now()
    rows = []
    for (pipeline_id, industry), (durations, size) in _middle_rows(
        ["pipeline_id", "segment_industry"]
    ).items():
        rows.append(
            CycleMedian(
                pipeline_id=pipeline_id,
                industry=industry,
                median_seconds=_median_seconds(durations),
                sample_size=size,
                computed_at=now,
            )
        )
    whole = _middle_rows(["pipeline_id"])
    for pipeline_id in Pipeline.objects.values_list("pk", flat=True):
        durations, size = whole.get((pipeline_id,), ([], 0))
        rows.append(
            CycleMedian(
                pipeline_id=pipeline_id,
                industry=None,
                median_seconds=_median_seconds(durations) if durations else None,
                sample_size=size,
                computed_at=now,
            )
        )
    CycleMedian.objects.all().delete()
    return CycleMedian.objects.bulk_create(rows)


@transaction.atomic
def risk_flag_raise(*, deal: Deal, actor: User | None, kind: str, reason: str = "") -> RiskFlag:
    """Raise a risk on a deal. An open flag of the same kind is kept, its reason updated."""
    if kind not in RiskFlag.Kind.values:
        raise ApplicationError(_("Unknown kind of risk."))
    reason = reason.strip()
    existing = RiskFlag.objects.filter(deal=deal, kind=kind, resolved_at__isnull=True).first()
    if existing is not None:
        if reason and reason != existing.reason:
            before = audit_snapshot(existing, ["reason"])
            existing.reason = reason
            existing.save(update_fields=["reason"])
            audit_record(
                actor=actor,
                action=AuditEntry.Action.UPDATE,
                obj=existing,
                changes=audit_diff(before, audit_snapshot(existing, ["reason"])),
                extra={"deal_id": deal.pk},
            )
        return existing
    flag = RiskFlag.objects.create(
        deal=deal, kind=kind, reason=reason, raised_at=timezone.now(), raised_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=flag,
        changes=audit_diff({}, audit_snapshot(flag, ["deal", "kind", "reason", "raised_at"])),
        extra={"deal_id": deal.pk},
    )
    # Inside the transaction: receivers write outbox rows that commit with the flag.
    risk_flag_raised.send(
        sender=RiskFlag,
        flag_id=flag.pk,
        deal_id=deal.pk,
        kind=kind,
        actor_id=actor.pk if actor else None,
    )
    return flag


@transaction.atomic
def risk_flag_resolve(*, flag: RiskFlag, actor: User | None) -> RiskFlag:
    """Resolve an open flag; resolving one already resolved changes nothing."""
    updated = RiskFlag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor
    )
    flag.refresh_from_db()
    if updated:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=flag,
            changes=audit_diff({}, audit_snapshot(flag, ["resolved_at", "resolved_by"])),
            extra={"deal_id": flag.deal_id},
        )
    return flag


@transaction.atomic
def review_decision_save(
    *,
    deal: Deal,
    actor: User,
    decision: str,
    note: str = "",
    week: date | None = None,
) -> ReviewDecision:
    """Mark a deal discussed in the weekly review of `week` (default: this ISO week).

    Deciding again in the same week replaces the decision; both are audited."""
    if decision not in ReviewDecision.Decision.values:
        raise ApplicationError(_("Choose continue, change approach or drop."))
    week = week_start(week or timezone.localdate())
    fields = ["decision", "note", "decided_by"]
    decided = ReviewDecision.objects.filter(deal=deal, week=week).first()
    before = {} if decided is None else audit_snapshot(decided, fields)
    if decided is None:
        decided = ReviewDecision(deal=deal, week=week)
    decided.decision = decision
    decided.note = note.strip()
    decided.decided_by = actor
    decided.decided_at = timezone.now()
    decided.save()
    changes = audit_diff(before, audit_snapshot(decided, fields))
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if not before else AuditEntry.Action.UPDATE,
        obj=decided,
        changes=changes,
        extra={"deal_id": deal.pk, "week": decided.iso_week},
    )
    return decided
