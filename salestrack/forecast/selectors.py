"""Reads of the forecast app: the weighted pipeline, the statistical forecast and its backtest.

Every deal query starts at deals.selectors.deal_queryset (the user's record scope) and
aggregates in the database; Python only combines a few dozen grouped rows. Money is returned
as None when the user's role hides the deal amount.

Definitions, each in one place:
- categories of the weighted pipeline: `category_case` (commit / best case / pipeline);
- P(win) and time to win of an open deal: `StatBook.estimate`;
- the range of the statistical forecast: `Outlook.low` / `Outlook.high`;
- the backtest error: `mape` and `bias`.
"""

import math
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from salestrack.access.models import Scope
from salestrack.access.policy import permissions_for
from salestrack.accounts.models import Team, User
from salestrack.deals.models import Deal, StageChange
from salestrack.deals.selectors import deal_queryset
from salestrack.forecast.history import add_months, day_start, quarter_start, stay_at
from salestrack.forecast.models import StageStat, StatSnapshot
from salestrack.forecast.services import forecast_stats_refresh
from salestrack.pipeline.models import Pipeline, Stage, StageRequirement

COMMIT, BEST_CASE, PIPELINE = "commit", "best_case", "pipeline"
CATEGORIES = (COMMIT, BEST_CASE, PIPELINE)
# 10th and 90th percentile of a normal distribution: mean -/+ 1.2816 standard deviations.
Z_80 = 1.2816
# Exit criteria that mark the contract stage (commit from there on, whatever the probability).
CONTRACT_FACTS = (
    StageRequirement.Field.CONTRACT_NUMBER,
    StageRequirement.Field.CONTRACT_SIGNED_ON,
)


def commit_probability() -> int:
    return settings.SALESTRACK_FORECAST_COMMIT_PROBABILITY


def best_case_probability() -> int:
    return settings.SALESTRACK_FORECAST_BEST_CASE_PROBABILITY


def min_sample() -> int:
    return settings.SALESTRACK_FORECAST_MIN_SAMPLE


# Access and filters --------------------------------------------------------------------------


def can_view_forecast(user: User) -> bool:
    """The forecast is for roles that see analytics or more than their own deals."""
    perms = permissions_for(user)
    return perms.has("view_analytics") or perms.scope("deal") in (
        Scope.TEAM,
        Scope.SUBTREE,
        Scope.ALL,
    )


def amount_visible(user: User | None) -> bool:
    return user is None or permissions_for(user).visible("deal", "amount")


def forecast_teams(user: User) -> QuerySet[Team]:
    """Teams the user may filter by: all, or their own team's subtree."""
    teams = Team.objects.order_by("path")
    if permissions_for(user).scope("deal") == Scope.ALL:
        return teams
    if user.team_id is None:
        return teams.none()
    return teams.filter(path__startswith=user.team.path)


@dataclass
class ForecastFilters:
    pipeline: Pipeline | None = None
    team: Team | None = None
    owner: User | None = None

    def deals(self, user: User | None) -> QuerySet[Deal]:
        """The deals the user may read, narrowed by the filters. `user` None: every live deal
        (operator commands only, never a request)."""
        qs = Deal.objects.all() if user is None else deal_queryset(user=user)
        if self.pipeline is not None:
            qs = qs.filter(pipeline=self.pipeline)
        if self.team is not None:
            qs = qs.filter(team__path__startswith=self.team.path)
        if self.owner is not None:
            qs = qs.filter(owner=self.owner)
        return qs

    def as_dict(self) -> dict:
        return {
            "pipeline": self.pipeline.pk if self.pipeline else None,
            "team": self.team.pk if self.team else None,
            "rep": self.owner.pk if self.owner else None,
        }


def stage_index() -> dict[int, Stage]:
    """Every stage by id, with `is_contract` (it requires a contract fact to leave) and
    `commits` (it is the contract stage or an open stage after it). One query."""
    contract = StageRequirement.objects.filter(stage=OuterRef("pk"), field__in=CONTRACT_FACTS)
    stages = list(
        Stage.objects.annotate(is_contract=Exists(contract)).order_by("pipeline_id", "position")
    )
    first_contract: dict[int, int] = {}
    for stage in stages:
        if stage.is_contract and stage.is_open:
            first_contract.setdefault(stage.pipeline_id, stage.position)
    for stage in stages:
        start = first_contract.get(stage.pipeline_id)
        stage.commits = stage.is_open and start is not None and stage.position >= start
    return {stage.pk: stage for stage in stages}


# Periods ------------------------------------------------------------------------------------


def month_label(start: date | None) -> str:
    return "—" if start is None else f"{start:%Y-%m}"


def quarter_label(start: date | None) -> str:
    return "—" if start is None else f"{start.year} Q{(start.month - 1) // 3 + 1}"


def _money(value) -> float | None:
    return None if value is None else round(float(value), 2)


# Weighted pipeline ---------------------------------------------------------------------------


def category_case(stages: dict[int, Stage]) -> tuple[Case, Coalesce]:
    """The category of an open deal, and its effective probability (its own, else its
    stage's) as an expression. commit: p >= SALESTRACK_FORECAST_COMMIT_
    PROBABILITY (80) or in the contract stage (the first open stage that requires a contract
    number or signing date to leave) or after it; best case: p >= SALESTRACK_FORECAST_BEST_
    CASE_PROBABILITY (50); pipeline: the rest."""
    probability = Coalesce("probability", "stage__probability")
    commit_stages = [pk for pk, stage in stages.items() if stage.commits]
    return Case(
        When(Q(stage_id__in=commit_stages), then=Value(COMMIT)),
        When(GreaterThanOrEqual(probability, commit_probability()), then=Value(COMMIT)),
        When(GreaterThanOrEqual(probability, best_case_probability()), then=Value(BEST_CASE)),
        default=Value(PIPELINE),
    ), probability


@dataclass
class WeightedRow:
    start: date | None
    label: str
    deals: int = 0
    amount: Decimal | None = Decimal("0")
    weighted: dict[str, Decimal | None] = field(
        default_factory=lambda: {name: Decimal("0") for name in CATEGORIES}
    )
    counts: dict[str, int] = field(default_factory=lambda: {name: 0 for name in CATEGORIES})

    @property
    def total(self) -> Decimal | None:
        if self.amount is None:
            return None
        return sum(self.weighted.values(), Decimal("0"))

    def add(self, other: "WeightedRow") -> None:
        self.deals += other.deals
        self.amount += other.amount
        for name in CATEGORIES:
            self.weighted[name] += other.weighted[name]
            self.counts[name] += other.counts[name]

    def hide_money(self) -> None:
        self.amount = None
        self.weighted = dict.fromkeys(CATEGORIES)

    def as_dict(self) -> dict:
        return {
            "period": self.start.isoformat() if self.start else None,
            "label": self.label,
            "deals": self.deals,
            "amount": _money(self.amount),
            "weighted": _money(self.total),
            **{name: _money(self.weighted[name]) for name in CATEGORIES},
            "counts": dict(self.counts),
        }


@dataclass
class WeightedPipeline:
    months: list[WeightedRow]
    quarters: list[WeightedRow]
    total: WeightedRow
    money_visible: bool

    def as_dict(self) -> dict:
        return {
            "definitions": {
                "weighted": "amount x effective probability (the deal's, else its stage's)",
                COMMIT: f"probability >= {commit_probability()} % or in the contract stage",
                BEST_CASE: f"probability >= {best_case_probability()} %",
                PIPELINE: "the other open deals",
            },
            "amounts_visible": self.money_visible,
            "months": [row.as_dict() for row in self.months],
            "quarters": [row.as_dict() for row in self.quarters],
            "total": self.total.as_dict(),
        }


def weighted_pipeline(
    *, user: User, filters: ForecastFilters, stages: dict[int, Stage] | None = None
) -> WeightedPipeline:
    """Open deals by month of expected close date and category, amount and amount x
    probability, in one GROUP BY; quarters are the sums of their months. Deals without an
    expected close date are the row without a period."""
    stages = stage_index() if stages is None else stages
    case, probability = category_case(stages)
    weighted = ExpressionWrapper(
        F("amount") * probability, output_field=DecimalField(max_digits=24, decimal_places=2)
    )
    rows = (
        filters.deals(user)
        .filter(status=Deal.Status.OPEN)
        .annotate(month=TruncMonth("expected_close_date"), category=case)
        .values("month", "category")
        .annotate(n=Count("id"), amount_total=Sum("amount"), weighted_total=Sum(weighted))
        .order_by()
    )
    months: dict[date | None, WeightedRow] = {}
    for row in rows:
        start = row["month"]
        month = months.setdefault(start, WeightedRow(start=start, label=month_label(start)))
        month.deals += row["n"]
        month.amount += row["amount_total"] or Decimal("0")
        month.weighted[row["category"]] += (row["weighted_total"] or Decimal("0")) / 100
        month.counts[row["category"]] += row["n"]
    quarters: dict[date | None, WeightedRow] = {}
    total = WeightedRow(start=None, label="")
    for start, month in months.items():
        q = quarter_start(start) if start else None
        quarters.setdefault(q, WeightedRow(start=q, label=quarter_label(q))).add(month)
        total.add(month)
    result = WeightedPipeline(
        months=_sorted(months.values()),
        quarters=_sorted(quarters.values()),
        total=total,
        money_visible=amount_visible(user),
    )
    if not result.money_visible:
        for row in [*result.months, *result.quarters, result.total]:
            row.hide_money()
    return result


def _sorted(rows):
    """Periods in order, the row without a period last."""
    return sorted(rows, key=lambda r: (r.start is None, r.start or date.min))


# Statistics ----------------------------------------------------------------------------------


@dataclass
class Estimate:
    probability: float
    median_seconds: int
    basis: str  # "segment" (pipeline + industry), "pipeline", or "default" (stage's default)
    closed: int  # closed deals behind the probability


@dataclass
class StatBook:
    """One snapshot's statistics: per (stage, industry) and per (stage, None)."""

    as_of: date
    rows: dict[tuple[int | None, str | None], StageStat]
    totals: dict[int, StageStat]  # per pipeline: its closed and won deals
    stages: dict[int, Stage]

    def estimate(self, stage_id: int, industry: str | None) -> Estimate:
        """P(win) = won / closed of the deals that were in this stage, in the deal's customer
        industry when that segment has SALESTRACK_FORECAST_MIN_SAMPLE closed deals, else in
        the whole pipeline, else the stage's default probability. Time to win = the median of
        the same rows; without a won deal there, the pipeline's; else 0 (closes at once)."""
        own = self.rows.get((stage_id, industry)) if industry else None
        whole = self.rows.get((stage_id, None))
        base, basis = None, "default"
        if own is not None and own.closed >= min_sample():
            base, basis = own, "segment"
        elif whole is not None and whole.closed >= min_sample():
            base, basis = whole, "pipeline"
        if base is not None:
            probability = base.won / base.closed
        else:
            probability = self.stages[stage_id].probability / 100
        median = next(
            (r.median_seconds for r in (base, whole) if r and r.median_seconds is not None), 0
        )
        return Estimate(probability, median, basis, base.closed if base else 0)

    def history(self, pipeline_id: int | None) -> int:
        """Closed deals known at the snapshot in the pipeline (all pipelines for None)."""
        if pipeline_id is None:
            return sum(t.closed for t in self.totals.values())
        total = self.totals.get(pipeline_id)
        return total.closed if total else 0

    def stage_rows(self, pipeline_id: int | None) -> list[StageStat]:
        rows = [
            r
            for (stage_id, industry), r in self.rows.items()
            if industry is None and (pipeline_id is None or r.pipeline_id == pipeline_id)
        ]
        return sorted(rows, key=lambda r: (r.pipeline_id, self.stages[r.stage_id].position))


def live_stats_date(today: date) -> date:
    """The snapshot the live forecast uses: the newest of today and yesterday (the nightly job
    builds today's); without one, today's is built now."""
    recent = (
        StatSnapshot.objects.filter(as_of__lte=today, as_of__gte=today - timedelta(days=1))
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )
    return recent or today


def stat_books(*, dates: list[date], stages: dict[int, Stage]) -> dict[date, StatBook]:
    """The snapshots of `dates`, built first where missing (forecast.services). Two queries
    when all exist."""
    forecast_stats_refresh(dates=dates)
    books = {day: StatBook(day, {}, {}, stages) for day in dates}
    for stat in StageStat.objects.filter(snapshot__as_of__in=dates).annotate(
        as_of=F("snapshot__as_of")
    ):
        book = books[stat.as_of]
        if stat.stage_id is not None:
            stat.stage = stages[stat.stage_id]
        if stat.stage_id is None:
            book.totals[stat.pipeline_id] = stat
        else:
            book.rows[(stat.stage_id, stat.industry)] = stat
    return books


def stats_computed_at(as_of: date):
    return StatSnapshot.objects.filter(as_of=as_of).values_list("computed_at", flat=True).first()


# Statistical forecast ------------------------------------------------------------------------


@dataclass
class Outlook:
    """Expected won amount of a period: the sum over its deals of amount x P(win), each deal
    an independent win/lose draw. The range is the normal approximation of that sum: the
    variance is the sum of amount² x P x (1 - P); low / high are the 10th / 90th percentile
    (expected -/+ 1.2816 standard deviations, low not below 0)."""

    start: date | None
    label: str
    deals: int = 0
    expected: float | None = 0.0
    variance: float = 0.0

    @property
    def low(self) -> float | None:
        if self.expected is None:
            return None
        return max(0.0, self.expected - Z_80 * math.sqrt(self.variance))

    @property
    def high(self) -> float | None:
        if self.expected is None:
            return None
        return self.expected + Z_80 * math.sqrt(self.variance)

    def add(self, other: "Outlook") -> None:
        self.deals += other.deals
        self.expected += other.expected
        self.variance += other.variance

    def as_dict(self) -> dict:
        return {
            "period": self.start.isoformat() if self.start else None,
            "label": self.label,
            "deals": self.deals,
            "expected": _money(self.expected),
            "low": _money(self.low),
            "high": _money(self.high),
        }


@dataclass
class Group:
    """Deals of one stage and customer industry: count, sum of amounts and of their squares."""

    stage_id: int
    industry: str | None
    deals: int
    amount: float
    amount_sq: float


def group_fields() -> dict:
    as_float = Cast("amount", FloatField())
    return {
        "n": Count("id"),
        "amount_sum": Sum(as_float),
        "amount_sq": Sum(as_float * as_float),
    }


def outlook_months(*, groups: list[Group], book: StatBook, as_of: date) -> dict[date, Outlook]:
    """Expected won amount per month of expected close: as_of + the median time to win of the
    deals' stage (see StatBook.estimate)."""
    months: dict[date, Outlook] = {}
    for group in groups:
        estimate = book.estimate(group.stage_id, group.industry)
        closes = as_of + timedelta(seconds=estimate.median_seconds)
        start = closes.replace(day=1)
        month = months.setdefault(start, Outlook(start=start, label=month_label(start)))
        p = estimate.probability
        month.deals += group.deals
        month.expected += group.amount * p
        month.variance += group.amount_sq * p * (1 - p)
    return months


def outlook_quarters(months: dict[date, Outlook]) -> list[Outlook]:
    quarters: dict[date, Outlook] = {}
    for start, month in sorted(months.items()):
        q = quarter_start(start)
        quarters.setdefault(q, Outlook(start=q, label=quarter_label(q))).add(month)
    return list(quarters.values())


@dataclass
class StatisticalForecast:
    as_of: date
    months: list[Outlook]
    quarters: list[Outlook]
    stats: list[tuple[StageStat, Estimate]]
    history: int
    enough_history: bool
    money_visible: bool
    stats_as_of: date | None = None
    computed_at: object = None

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "statistics_as_of": self.stats_as_of.isoformat() if self.stats_as_of else None,
            "statistics_computed_at": self.computed_at.isoformat() if self.computed_at else None,
            "method": (
                "P(win) = won / closed of past deals that were in the deal's stage (industry "
                "segment, else pipeline, else stage default); close = as_of + median time from "
                "that stage to won; range = 10th-90th percentile, normal approximation of a "
                "sum of independent Bernoulli deals"
            ),
            "closed_deals_in_history": self.history,
            "enough_history": self.enough_history,
            "min_sample": min_sample(),
            "amounts_visible": self.money_visible,
            "months": [row.as_dict() for row in self.months],
            "quarters": [row.as_dict() for row in self.quarters],
            "stages": [
                {
                    "stage": stat.stage_id,
                    "closed": stat.closed,
                    "won": stat.won,
                    "win_rate": None if stat.win_rate is None else round(stat.win_rate, 4),
                    "median_days_to_won": stat.median_days,
                    "basis": estimate.basis,
                }
                for stat, estimate in self.stats
            ],
        }


def _live_groups(qs: QuerySet[Deal]) -> list[Group]:
    rows = (
        qs.filter(status=Deal.Status.OPEN, stage__kind=Stage.Kind.OPEN)
        .values("stage_id", industry=F("customer__industry"))
        .annotate(**group_fields())
        .order_by()
    )
    return [
        Group(
            r["stage_id"], r["industry"] or None, r["n"], r["amount_sum"] or 0, r["amount_sq"] or 0
        )
        for r in rows
    ]


def statistical_forecast(
    *,
    user: User,
    filters: ForecastFilters,
    today: date | None = None,
    stages: dict[int, Stage] | None = None,
) -> StatisticalForecast:
    today = today or timezone.localdate()
    stages = stage_index() if stages is None else stages
    stats_date = live_stats_date(today)
    book = stat_books(dates=[stats_date], stages=stages)[stats_date]
    months = outlook_months(groups=_live_groups(filters.deals(user)), book=book, as_of=today)
    pipeline_id = filters.pipeline.pk if filters.pipeline else None
    history = book.history(pipeline_id)
    result = StatisticalForecast(
        as_of=today,
        months=[months[k] for k in sorted(months)],
        quarters=outlook_quarters(months),
        stats=[(stat, book.estimate(stat.stage_id, None)) for stat in book.stage_rows(pipeline_id)],
        history=history,
        enough_history=history >= min_sample(),
        money_visible=amount_visible(user),
        stats_as_of=stats_date,
        computed_at=stats_computed_at(stats_date),
    )
    if not result.money_visible:
        for row in [*result.months, *result.quarters]:
            row.expected = None
    return result


# Backtest ------------------------------------------------------------------------------------


def mape(pairs: list[tuple[float, float]]) -> float | None:
    """Mean absolute percentage error of (forecast, actual) pairs, in %; pairs with an actual
    of 0 have no percentage error and are left out. None without any pair left."""
    errors = [abs(f - a) / a * 100 for f, a in pairs if a]
    return sum(errors) / len(errors) if errors else None


def bias(pairs: list[tuple[float, float]]) -> float | None:
    """Total forecast against total actual, in % (positive: the forecast was too high)."""
    actual = sum(a for _f, a in pairs)
    return (sum(f for f, _a in pairs) - actual) / actual * 100 if actual else None


def backtest_dates(today: date) -> tuple[list[date], list[date]]:
    """First days of the last SALESTRACK_FORECAST_BACKTEST_QUARTERS quarters and
    SALESTRACK_FORECAST_BACKTEST_MONTHS months that have ended."""
    this_quarter, this_month = quarter_start(today), today.replace(day=1)
    quarters = [
        add_months(this_quarter, -3 * k)
        for k in range(settings.SALESTRACK_FORECAST_BACKTEST_QUARTERS, 0, -1)
    ]
    months = [
        add_months(this_month, -k)
        for k in range(settings.SALESTRACK_FORECAST_BACKTEST_MONTHS, 0, -1)
    ]
    return quarters, months


def forecast_snapshot_dates(today: date) -> list[date]:
    """Every date a snapshot is kept for: today and the backtest dates."""
    quarters, months = backtest_dates(today)
    return sorted({today, *quarters, *months})


@dataclass
class BacktestRow:
    as_of: date
    end: date  # first day after the period
    label: str
    history: int  # closed deals known at as_of (the learning sample)
    enough_history: bool
    deals: int = 0  # deals open at as_of
    forecast: Outlook | None = None
    actual: float | None = 0.0  # won in the period by deals open at as_of
    actual_all: float | None = 0.0  # all deals won in the period (new ones included)
    error_pct: float | None = None  # (forecast - actual) / actual, in %; set by `score`

    def score(self) -> None:
        if self.actual:
            self.error_pct = (self.forecast.expected - self.actual) / self.actual * 100

    @property
    def error_pct_abs(self) -> float | None:
        error = self.error_pct
        return None if error is None else abs(error)

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "period": self.label,
            "closed_deals_in_history": self.history,
            "enough_history": self.enough_history,
            "open_deals": self.deals,
            "forecast": _money(self.forecast.expected),
            "low": _money(self.forecast.low),
            "high": _money(self.forecast.high),
            "actual": _money(self.actual),
            "actual_all_won": _money(self.actual_all),
            "error_pct": None if self.error_pct is None else round(self.error_pct, 1),
        }


@dataclass
class BacktestSeries:
    """Rows of one granularity and their error, scored when built (before money is hidden):
    MAPE and bias over the periods with enough history and a non-zero actual."""

    rows: list[BacktestRow]
    mape: float | None = None
    bias: float | None = None
    used: int = 0

    def __post_init__(self) -> None:
        for row in self.rows:
            row.score()
        pairs = [
            (row.forecast.expected, row.actual)
            for row in self.rows
            if row.enough_history and row.actual
        ]
        self.mape, self.bias, self.used = mape(pairs), bias(pairs), len(pairs)

    @property
    def enough_history(self) -> bool:
        return self.used >= 2

    def as_dict(self) -> dict:
        return {
            "mape_pct": None if self.mape is None else round(self.mape, 1),
            "bias_pct": None if self.bias is None else round(self.bias, 1),
            "periods_scored": self.used,
            "enough_history": self.enough_history,
            "rows": [row.as_dict() for row in self.rows],
        }


@dataclass
class Backtest:
    quarters: BacktestSeries
    months: BacktestSeries
    money_visible: bool

    def as_dict(self) -> dict:
        return {
            "method": (
                "the statistical forecast re-run as of the first day of each past period with "
                "the stage each deal was in then (stage history) and statistics of deals closed "
                "before then; actual = won in the period by the deals open at its start; MAPE "
                "and bias over periods with enough history and a non-zero actual"
            ),
            "min_sample": min_sample(),
            "amounts_visible": self.money_visible,
            "quarters": self.quarters.as_dict(),
            "months": self.months.as_dict(),
        }


def _as_of_groups(
    *, deals: QuerySet[Deal], windows: dict[date, dict[str, date]]
) -> dict[date, tuple[list[Group], dict[str, float]]]:
    """Per past date: the deals open then, grouped by the stage they were in then (stage
    history) and customer industry, and what those deals went on to win in each window
    [date, end). One pass over the stays for all dates: a conditional aggregate per date."""
    dates = sorted(windows)
    amount = Cast("deal__amount", FloatField())
    aggregates = {}
    for index, day in enumerate(dates):
        start = day_start(day)
        open_then = stay_at(start)
        aggregates |= {
            f"n{index}": Count("id", filter=open_then),
            f"s{index}": Sum(amount, filter=open_then),
            f"q{index}": Sum(amount * amount, filter=open_then),
        }
        for name, end in windows[day].items():
            aggregates[f"w{index}{name}"] = Sum(
                amount,
                filter=open_then
                & Q(
                    deal__status=Deal.Status.WON,
                    deal__closed_at__gte=start,
                    deal__closed_at__lt=day_start(end),
                ),
            )
    open_at_some_date = reduce(operator.or_, (stay_at(day_start(day)) for day in dates))
    rows = (
        StageChange.objects.filter(open_at_some_date, to_kind=Stage.Kind.OPEN)
        .filter(deal__in=deals.values("pk"))
        .values("to_stage_id", industry=F("deal__customer__industry"))
        .annotate(**aggregates)
        .order_by()
    )
    result = {day: ([], dict.fromkeys(windows[day], 0.0)) for day in dates}
    for r in rows:
        for index, day in enumerate(dates):
            groups, actual = result[day]
            if r[f"n{index}"]:
                groups.append(
                    Group(
                        r["to_stage_id"],
                        r["industry"] or None,
                        r[f"n{index}"],
                        r[f"s{index}"] or 0,
                        r[f"q{index}"] or 0,
                    )
                )
            for name in windows[day]:
                actual[name] += r[f"w{index}{name}"] or 0
    return result


def _won_by_month(deals: QuerySet[Deal], since: date, until: date) -> dict[date, float]:
    """Won amount per month from `since` to `until` (first days), one conditional sum per
    month in one query (closing-time ranges, so no per-row date truncation)."""
    months = []
    while since < until:
        months.append(since)
        since = add_months(since, 1)
    if not months:
        return {}
    amount = Cast("amount", FloatField())
    totals = deals.filter(
        status=Deal.Status.WON,
        closed_at__gte=day_start(months[0]),
        closed_at__lt=day_start(until),
    ).aggregate(
        **{
            f"m{index}": Sum(
                amount,
                filter=Q(
                    closed_at__gte=day_start(month),
                    closed_at__lt=day_start(add_months(month, 1)),
                ),
            )
            for index, month in enumerate(months)
        }
    )
    return {month: totals[f"m{index}"] or 0.0 for index, month in enumerate(months)}


def backtest(
    *,
    user: User | None,
    filters: ForecastFilters,
    today: date | None = None,
    stages: dict[int, Stage] | None = None,
) -> Backtest:
    """The statistical forecast re-run as of past first days of quarters and months, each with
    only what was known then: the stage each deal was in (history.stay_at) and the
    statistics of deals closed before (the snapshot of that date). One grouped query for all
    dates."""
    today = today or timezone.localdate()
    stages = stage_index() if stages is None else stages
    quarters, months = backtest_dates(today)
    dates = sorted({*quarters, *months})
    books = stat_books(dates=dates, stages=stages)
    deals = filters.deals(user)
    pipeline_id = filters.pipeline.pk if filters.pipeline else None
    won_months = _won_by_month(deals, dates[0], today.replace(day=1)) if dates else {}
    windows = {
        day: {
            **({"quarter": add_months(day, 3)} if day in quarters else {}),
            **({"month": add_months(day, 1)} if day in months else {}),
        }
        for day in dates
    }
    as_of_groups = _as_of_groups(deals=deals, windows=windows) if dates else {}
    series: dict[str, list[BacktestRow]] = defaultdict(list)
    for as_of in dates:
        book = books[as_of]
        groups, actual = as_of_groups[as_of]
        outlook = outlook_months(groups=groups, book=book, as_of=as_of)
        history = book.history(pipeline_id)
        for name, end in windows[as_of].items():
            forecast = Outlook(start=as_of, label="")
            for start, month in outlook.items():
                if start < end:
                    forecast.add(month)
            span = 3 if name == "quarter" else 1
            series[name].append(
                BacktestRow(
                    as_of=as_of,
                    end=end,
                    label=quarter_label(as_of) if name == "quarter" else month_label(as_of),
                    history=history,
                    enough_history=history >= min_sample(),
                    deals=sum(g.deals for g in groups),
                    forecast=forecast,
                    actual=actual[name],
                    actual_all=sum(won_months.get(add_months(as_of, k), 0.0) for k in range(span)),
                )
            )
    result = Backtest(
        quarters=BacktestSeries(series["quarter"]),
        months=BacktestSeries(series["month"]),
        money_visible=amount_visible(user),
    )
    if not result.money_visible:
        for row in [*result.quarters.rows, *result.months.rows]:
            row.actual = row.actual_all = None
            row.forecast.expected = None
    return result
