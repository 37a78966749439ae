"""Definitions shared by the figures and their drill-downs: which deals each figure counts.

A figure and its drill-down list are built from the same conditions below, so the list behind
a number always holds exactly the deals that number counts.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import (
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salestrack.access.models import FieldLevel
from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.analytics.filters import AnalyticsFilters, Period
from salestrack.customers.models import Customer
from salestrack.deals.models import Deal, StageChange

WON, LOST = Deal.Status.WON, Deal.Status.LOST
NOT_SET = _("(not set)")
BLANK_KEY = "-"  # the drill-down key of "not set" (no team, no source, no industry ...)

# Figures a drill-down can list (the `figure` parameter).
FIGURES = {
    "created": _("Deals created in the period"),
    "won": _("Deals won in the period"),
    "lost": _("Deals lost in the period"),
    "closed": _("Deals closed (won or lost) in the period"),
    "cohort_won": _("Deals created in the period and won"),
    "reached": _("Deals created in the period that reached the stage"),
    "stage_time": _("Deals that left the stage in the period"),
    "goal": _("Deals won towards the goal"),
}
STAGE_FIGURES = ("reached", "stage_time")

# Breakdown dimensions: the deal column grouped by, and the governed field it reveals.
GROUPS: dict[str, str] = {
    "rep": "owner_id",
    "team": "team_id",
    "source": "source",
    "industry": "customer__industry",
    "region": "customer__region",
}
GROUP_LABELS = {
    "rep": _("Rep"),
    "team": _("Team"),
    "source": _("Lead source"),
    "industry": _("Industry"),
    "region": _("Region"),
}
GROUP_FIELDS: dict[str, tuple[str, str]] = {
    "rep": ("deal", "owner"),
    "team": ("deal", "owner"),
    "source": ("deal", "source"),
    "industry": ("customer", "industry"),
    "region": ("customer", "region"),
}


def group_readable(user: User, by: str) -> bool:
    """A breakdown by a field the role may not read in clear would reveal it: not offered."""
    kind, name = GROUP_FIELDS[by]
    return permissions_for(user).field_level(kind, name) in (FieldLevel.READ, FieldLevel.EDIT)


def figure_condition(figure: str, period: Period) -> Q:
    """The deals a period figure counts (stage and goal figures add their own condition)."""
    created = period.contains("created_at")
    closed_in = period.contains("closed_at")
    if figure in ("created", "reached"):
        return created
    if figure == "won":
        return Q(status=WON) & closed_in
    if figure == "lost":
        return Q(status=LOST) & closed_in
    if figure == "closed":
        return Q(status__in=[WON, LOST]) & closed_in
    if figure == "cohort_won":
        return created & Q(status=WON)
    if figure == "stage_time":
        return Q()
    raise ValueError(figure)


def group_condition(by: str, key: str) -> Q:
    field = GROUPS[by]
    if key == BLANK_KEY:
        return Q(**{f"{field}__isnull": True}) if by == "team" else Q(**{field: ""})
    return Q(**{field: int(key) if by in ("rep", "team") else key})


def group_key(by: str, value) -> str:
    return BLANK_KEY if value in (None, "") else str(value)


def cycle_duration() -> ExpressionWrapper:
    """Sales-cycle length of a closed deal: created to closed."""
    return ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())


def rate(part, whole) -> float | None:
    """part / whole in per cent, one decimal; None when there is no whole."""
    return round(float(part) * 100 / float(whole), 1) if whole else None


def days(value) -> float | None:
    """Seconds (number) or a timedelta as days, one decimal."""
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return round(seconds / 86400, 1)


def with_reach(qs: QuerySet[Deal]) -> QuerySet[Deal]:
    """Annotate `reach`: the furthest position the deal has been at in its pipeline (-1: none).

    The deal reached a (non-lost) stage when it has been in it or beyond it: the position of
    Deal.reached_stage, the furthest won / open stage of its history and current stage, kept
    by the deal services (a lost deal counts the stages it was in before it was lost). A deal
    moved backwards keeps what it reached; a stage skipped on the way up counts as reached.
    """
    return qs.annotate(reach=Coalesce(F("reached_stage__position"), Value(-1)))


def left_stage_condition(stage_id: int, period: Period) -> Q:
    """Deals with a completed stay in the stage that ended within the period."""
    stays = StageChange.objects.filter(
        to_stage_id=stage_id,
        left_at__gte=period.since,
        left_at__lt=period.until,
        duration_seconds__isnull=False,
    ).values("deal_id")
    return Q(pk__in=stays)


def source_label(value: str) -> str:
    if not value:
        return str(NOT_SET)
    try:
        return str(Customer.Source(value).label)
    except ValueError:
        return value


class DrillLinks:
    """Builds drill-down URLs for one set of filters (reverse() once)."""

    def __init__(self, filters: AnalyticsFilters) -> None:
        self.base = reverse("analytics:deals")
        self.params = filters.query()

    def url(self, figure: str, *, previous: bool = False, **extra) -> str:
        params = {**self.params, "figure": figure}
        if previous:
            params["compare"] = "previous"
        params |= {k: str(v) for k, v in extra.items() if v is not None}
        return f"{self.base}?{urlencode(params)}"
