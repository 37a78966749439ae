"""Report periods: a local day, an ISO week (Monday to Sunday) or a calendar month, and the
period before it. Pure date maths on top of goals.periods and analytics.filters.Period."""

from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from salestrack.analytics.filters import Period
from salestrack.goals.periods import MONTH, WEEK, period_bounds, period_label

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
KINDS = {DAILY: _("Daily"), WEEKLY: _("Weekly"), MONTHLY: _("Monthly")}
KIND_TITLES = {
    DAILY: _("Daily report"),
    WEEKLY: _("Weekly report"),
    MONTHLY: _("Monthly report"),
}
_GOAL_KIND = {WEEKLY: WEEK, MONTHLY: MONTH}


def report_period(kind: str, day: date) -> Period:
    """The period of `kind` that contains `day`."""
    if kind == DAILY:
        return Period(day, day)
    if kind not in _GOAL_KIND:
        raise ValueError(kind)
    return Period(*period_bounds(_GOAL_KIND[kind], day))


def previous_period(kind: str, period: Period) -> Period:
    """The period of the same kind right before (yesterday, last week, last month)."""
    return report_period(kind, period.start - timedelta(days=1))


def last_complete(kind: str, today: date) -> Period:
    """The latest period of `kind` that has ended before `today`."""
    return previous_period(kind, report_period(kind, today))


def report_period_label(kind: str, period: Period) -> str:
    """2026-11-23 · 2026 week 47 · 2026-11 (in the active language)."""
    if kind == DAILY:
        return f"{period.start:%Y-%m-%d}"
    return period_label(_GOAL_KIND[kind], period.start, period.end)
