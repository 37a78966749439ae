"""What every figure is computed over: a period (and the period before it), a pipeline, a team
subtree, a rep, and the records the user may read.

Periods are local days (TIME_ZONE). A preset (this / last month, quarter, year) compares with
the calendar period before it; a custom range with the range of equal length right before it.
The bottleneck history is the `history_periods` periods before the current one, counted the
same way.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from salestrack.access.models import FieldLevel
from salestrack.access.policy import permissions_for
from salestrack.accounts.models import Team, User
from salestrack.deals.models import Deal
from salestrack.deals.selectors import deal_queryset
from salestrack.goals.periods import MONTH, QUARTER, YEAR, period_bounds
from salestrack.pipeline.models import Pipeline

# preset -> (period kind, how many periods back from the one containing today)
PRESETS: dict[str, tuple[str, int]] = {
    "this_month": (MONTH, 0),
    "last_month": (MONTH, 1),
    "this_quarter": (QUARTER, 0),
    "last_quarter": (QUARTER, 1),
    "this_year": (YEAR, 0),
    "last_year": (YEAR, 1),
}
CUSTOM = "custom"
DEFAULT_PERIOD = "this_quarter"


@dataclass(frozen=True)
class Period:
    start: date  # first day, included
    end: date  # last day, included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def since(self) -> datetime:
        return _day_start(self.start)

    @property
    def until(self) -> datetime:
        """The first instant after the period."""
        return _day_start(self.end + timedelta(days=1))

    def contains(self, field: str) -> Q:
        """`field` (a datetime) falls within the period."""
        return Q(**{f"{field}__gte": self.since, f"{field}__lt": self.until})

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _step_back(kind: str, period: Period) -> Period:
    start, end = period_bounds(kind, period.start - timedelta(days=1))
    return Period(start, end)


def periods_before(period: Period, kind: str, count: int) -> list[Period]:
    """The `count` periods before `period`, nearest first: calendar periods of `kind`, or
    (kind == CUSTOM) ranges of the same length."""
    out, current = [], period
    for _ in range(count):
        if kind == CUSTOM:
            end = current.start - timedelta(days=1)
            current = Period(end - timedelta(days=period.days - 1), end)
        else:
            current = _step_back(kind, current)
        out.append(current)
    return out


def resolve_period(
    preset: str, *, start: date | None = None, end: date | None = None, today: date | None = None
) -> tuple[str, Period]:
    """(kind, period) for a preset name or a custom start/end."""
    if preset == CUSTOM:
        return CUSTOM, Period(start, end)
    kind, back = PRESETS[preset]
    current = Period(*period_bounds(kind, today or timezone.localdate()))
    if back:
        current = periods_before(current, kind, back)[-1]
    return kind, current


@dataclass(frozen=True)
class AnalyticsFilters:
    """The validated filters (analytics.forms.AnalyticsFilterForm builds them)."""

    period: Period
    previous: Period
    history: Period  # the periods before `period` the bottleneck compares with, as one range
    history_count: int
    pipeline: Pipeline
    preset: str = DEFAULT_PERIOD
    team: Team | None = None
    rep: User | None = None

    def pick(self, previous: bool) -> Period:
        return self.previous if previous else self.period

    def as_dict(self) -> dict:
        return {
            "period": self.preset,
            **self.period.as_dict(),
            "previous": self.previous.as_dict(),
            "history": {**self.history.as_dict(), "periods": self.history_count},
            "pipeline": self.pipeline.pk,
            "team": self.team.pk if self.team else None,
            "rep": self.rep.pk if self.rep else None,
        }

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (drill-down links keep them)."""
        params = {"period": self.preset, "pipeline": str(self.pipeline.pk)}
        if self.preset == CUSTOM:
            params |= {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()}
        if self.team:
            params["team"] = str(self.team.pk)
        if self.rep:
            params["rep"] = str(self.rep.pk)
        return params


def build_filters(
    *,
    preset: str = DEFAULT_PERIOD,
    start: date | None = None,
    end: date | None = None,
    pipeline: Pipeline | None = None,
    team: Team | None = None,
    rep: User | None = None,
    history_count: int = 4,
    today: date | None = None,
) -> AnalyticsFilters:
    kind, period = resolve_period(preset, start=start, end=end, today=today)
    before = periods_before(period, kind, max(history_count, 1))
    return AnalyticsFilters(
        period=period,
        previous=before[0],
        history=Period(before[-1].start, before[0].end),
        history_count=len(before),
        pipeline=pipeline or Pipeline.objects.get(is_default=True),
        preset=preset,
        team=team,
        rep=rep,
    )


def analytics_deals(*, user: User, filters: AnalyticsFilters) -> QuerySet[Deal]:
    """Live deals the user may read, in the pipeline, team subtree and rep chosen.

    Every figure and every drill-down starts here, so both count the same records."""
    qs = deal_queryset(user=user).filter(pipeline=filters.pipeline)
    if filters.team is not None:
        qs = qs.filter(team__path__startswith=filters.team.path)
    if filters.rep is not None:
        qs = qs.filter(owner=filters.rep)
    return qs


def amounts_visible(user: User) -> bool:
    """Whether the user's role may read deal amounts (no money figure otherwise)."""
    return permissions_for(user).field_level("deal", "amount") != FieldLevel.HIDDEN


def change_pct(current, previous) -> float | None:
    """Per cent change from `previous` to `current`; None when there is nothing to compare."""
    if current is None or previous in (None, 0):
        return None
    return round(float((current - previous) * 100 / previous), 1)


def compared(current, previous) -> dict:
    """A figure with its previous-period value and the change in per cent."""
    return {"value": current, "previous": previous, "change_pct": change_pct(current, previous)}
