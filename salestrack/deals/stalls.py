"""When a deal counts as stalled (停滞): the one definition the board, lists and risks use.

An open deal is stalled when
- it has stayed in its stage longer than the stage's "stalled after N days" (Stage.rot_days), or
- it has had no follow-up for SALESTRACK_STALL_NO_FOLLOWUP_DAYS days: its last follow-up is
  older than that, or it never had one and was created longer ago than that.

Why a stored `Deal.stalls_at` (= stage_entered_at + rot_days, NULL once the deal is closed)
rather than an expression: "stage_entered_at + rot_days days" joins the stage and needs date
arithmetic that differs between SQLite (a Python function, per row) and PostgreSQL (interval
maths); neither can use an index for it. A plain column is filtered, counted and indexed the
same way on both. It changes only when the deal moves (deal_create, deal_move_stage) or an admin
changes a stage's rot_days (pipeline.services.stage_save, one bulk UPDATE per stage).
The follow-up rule depends on a setting, so it stays a condition on last_activity_at and
created_at (both stored) against a cutoff computed once per query.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salestrack.deals.models import Deal
from salestrack.pipeline.models import Stage

REASON_STAGE = "stage"
REASON_NO_FOLLOWUP = "no_followup"
REASON_LABELS = {
    REASON_STAGE: _("In this stage longer than its limit"),
    REASON_NO_FOLLOWUP: _("No follow-up for too long"),
}


def stalls_at_for(*, stage: Stage, entered_at: datetime) -> datetime | None:
    """When a deal entering `stage` at `entered_at` becomes stalled there (never if closed)."""
    return entered_at + timedelta(days=stage.rot_days) if stage.is_open else None


def no_followup_days() -> int:
    return settings.SALESTRACK_STALL_NO_FOLLOWUP_DAYS


def no_followup_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=no_followup_days())


def stalled_in_stage_condition(*, now: datetime) -> Q:
    return Q(stalls_at__lt=now)


def no_followup_condition(*, now: datetime) -> Q:
    cutoff = no_followup_cutoff(now)
    return Q(status=Deal.Status.OPEN) & (
        Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True, created_at__lt=cutoff)
    )


def stalled_condition(*, now: datetime | None = None) -> Q:
    """Deals stalled at `now`, for .filter() (either reason)."""
    now = now or timezone.now()
    return stalled_in_stage_condition(now=now) | no_followup_condition(now=now)


def stall_reasons(deal, *, now: datetime | None = None) -> list[str]:
    """The reasons (REASON_*) a loaded deal is stalled at `now`; empty when it is not.

    Needs status, stalls_at, last_activity_at and created_at on the instance."""
    if deal.status != Deal.Status.OPEN:
        return []
    now = now or timezone.now()
    reasons = []
    if deal.stalls_at is not None and deal.stalls_at < now:
        reasons.append(REASON_STAGE)
    cutoff = no_followup_cutoff(now)
    last = deal.last_activity_at
    if (last is not None and last < cutoff) or (last is None and deal.created_at < cutoff):
        reasons.append(REASON_NO_FOLLOWUP)
    return reasons
