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
from datetime import date, datetime, timedelta
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
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth, TruncWeek
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from salestrack.access.models import Scope
from salestrack.access.policy import permissions_for
from salestrack.accounts.models import Team, User
from salestrack.deals.models import Deal, StageChange
from salestrack.deals.selectors import deal_queryset
from salestrack.forecast.history import add_months, day_start, quarter_start, stay_at
from salestrack.forecast.lifetable import LifeTable
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
    tables: dict[tuple, LifeTable | None] = field(default_factory=dict)  # parsed, by use

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

    def lifetable(self, stage_id: int, industry: str | None) -> LifeTable | None:
        """The life table of the row `estimate` would use (segment, else pipeline); None when
        the stage has too few closed deals."""
        key = (stage_id, industry)
        if key not in self.tables:
            own = self.rows.get(key) if industry else None
            whole = self.rows.get((stage_id, None))
            base = next(
                (r for r in (own, whole) if r is not None and r.closed >= min_sample()), None
            )
            self.tables[key] = None if base is None else LifeTable.from_json(base.lifetable)
        return self.tables[key]

    def win_share(self, group: "Group", start_days: float, end_days: float) -> float:
        """P(a deal of `group` wins between `start_days` and `end_days` after the as-of date):
        from the life table of the past deals that stayed in the stage at least as long as the
        deal has (LifeTable.given_stay), given its age there; without one, the
        stage's estimate, all of it at the median time to win (0: at once)."""
        table = self.lifetable(group.stage_id, group.industry)
        if table is None:
            estimate = self.estimate(group.stage_id, group.industry)
            at = estimate.median_seconds / 86400
            return estimate.probability if start_days <= at < end_days else 0.0
        age = group.age_days
        table = table.given_stay(days=age, min_closed=min_sample())
        return table.win_between(age=age, start=age + start_days, end=age + end_days)

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
    """Expected won amount of a period: from the deals open at the as-of date (the sum over
    them of amount x P(win within the period), each deal an independent win/lose draw) plus
    from deals not created yet (the run rate, `RunRate`). The range is the normal
    approximation of that sum: the variance is the sum of amount² x P x (1 - P) over the open
    deals plus the variance of the past run rates; low / high are the 10th / 90th percentile
    (expected -/+ 1.2816 standard deviations, low not below 0)."""

    start: date | None
    label: str
    deals: int = 0
    expected: float | None = 0.0
    variance: float = 0.0
    from_open: float | None = 0.0
    from_new: float | None = 0.0

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

    def hide_money(self) -> None:
        self.expected = self.from_open = self.from_new = None

    def as_dict(self) -> dict:
        return {
            "period": self.start.isoformat() if self.start else None,
            "label": self.label,
            "deals": self.deals,
            "expected": _money(self.expected),
            "from_open_deals": _money(self.from_open),
            "from_new_deals": _money(self.from_new),
            "low": _money(self.low),
            "high": _money(self.high),
        }


@dataclass
class Group:
    """Deals of one stage and customer industry that entered the stage in the same week:
    count, sum of amounts and of their squares, and their age in the stage at the as-of date
    (days, the week's middle)."""

    stage_id: int
    industry: str | None
    deals: int
    amount: float
    amount_sq: float
    age_days: float = 0.0


def group_fields() -> dict:
    as_float = Cast("amount", FloatField())
    return {
        "n": Count("id"),
        "amount_sum": Sum(as_float),
        "amount_sq": Sum(as_float * as_float),
    }


def week_age(cutoff, week_start) -> float:
    """Age in days at `cutoff` of deals that entered a stage in the week from `week_start`:
    the middle of the part of the week before the cut-off."""
    if week_start is None:
        return 0.0
    if not isinstance(week_start, datetime):  # a date (no time zone support)
        week_start = day_start(week_start)
    elapsed = (cutoff - week_start).total_seconds() / 86400
    return max(0.0, min(elapsed - 3.5, elapsed / 2))


@dataclass
class RunRate:
    """Won amount from deals created after the as-of date, learned from history: for past
    month starts M, R(M, k) = won in month M+k by deals created from M on. The expected
    amount of a period is the mean over the last RUN_RATE_MONTHS such M (whose months were
    over by the as-of date) of the sum of R(M, k) over the period's months k (months counted
    from the as-of month; the as-of month itself weighted by the share of it still ahead),
    its variance the sample variance of those sums."""

    won: dict[tuple[date, date], float]  # (created month, won month) -> won amount
    first_month: date | None  # the month of the first deal won (or created, if later)
    by_won_month: dict[date, list[tuple[date, float]]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_won_month = defaultdict(list)
        for (created, won), amount in self.won.items():
            self.by_won_month[won].append((created, amount))

    def sample(self, *, as_of: date, offsets: list[int]) -> list[float]:
        this_month = as_of.replace(day=1)
        if self.first_month is None or not offsets:
            return []
        days = (add_months(this_month, 1) - this_month).days
        ahead = (days - (as_of - this_month).days) / days
        samples = []
        month = add_months(this_month, -(max(offsets) + 1))
        while month >= self.first_month and len(samples) < RUN_RATE_MONTHS:
            total = 0.0
            for k in offsets:
                won_month = add_months(month, k)
                r = sum(
                    amount
                    for created, amount in self.by_won_month.get(won_month, ())
                    if month <= created
                )
                total += r * (ahead if k == 0 else 1.0)
            samples.append(total)
            month = add_months(month, -1)
        return samples

    def estimate(self, *, as_of: date, offsets: list[int]) -> tuple[float, float, int]:
        """(expected, variance, number of past months behind it)."""
        samples = self.sample(as_of=as_of, offsets=offsets)
        if not samples:
            return 0.0, 0.0, 0
        mean = sum(samples) / len(samples)
        if len(samples) < 2:
            return mean, mean**2, 1  # one past month: as uncertain as it is large
        variance = sum((x - mean) ** 2 for x in samples) / (len(samples) - 1)
        return mean, variance, len(samples)


# Months of history the run rate of new deals averages over.
RUN_RATE_MONTHS = 12


def run_rate(deals: QuerySet[Deal], *, before: date) -> RunRate:
    """Won amount by (month created, month won) of the deals won before the month of
    `before`, in one GROUP BY, and the month history starts (see below)."""
    first = deals.aggregate(
        created=Min("created_at"), won=Min("closed_at", filter=Q(status=Deal.Status.WON))
    )
    rows = (
        deals.filter(status=Deal.Status.WON, closed_at__lt=day_start(before.replace(day=1)))
        .values(created=TruncMonth("created_at"), won_month=TruncMonth("closed_at"))
        .annotate(total=Sum(Cast("amount", FloatField())))
        .order_by()
    )
    won = {}
    for r in rows:
        key = (_as_date(r["created"]), _as_date(r["won_month"]))
        won[key] = won.get(key, 0.0) + (r["total"] or 0.0)
    if first["created"] is None or first["won"] is None:
        return RunRate(won, None)
    # history starts with the first deal created and won: months before deals were first
    # won are a system being filled in, not a run rate of zero
    start = max(first["created"], first["won"])
    return RunRate(won, timezone.localtime(start).date().replace(day=1))


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def outlook(
    *,
    groups: list[Group],
    book: StatBook,
    rate: RunRate | None,
    as_of: date,
    start: date,
    end: date,
    label: str,
) -> Outlook:
    """Expected won amount in [start, end) (start not before as_of): each group of open deals
    wins there with its stage's life table (StatBook.win_share), plus the run rate of new
    deals over the period's months."""
    result = Outlook(start=start, label=label)
    start = max(start, as_of)
    lo, hi = (start - as_of).days, (end - as_of).days
    for group in groups:
        p = book.win_share(group, lo, hi)
        if p <= 0:
            continue
        result.deals += group.deals
        result.from_open += group.amount * p
        result.variance += group.amount_sq * p * (1 - p)
    if rate is not None:
        this_month = as_of.replace(day=1)
        offsets = []
        month = start.replace(day=1)
        while month < end:
            offsets.append((month.year - this_month.year) * 12 + month.month - this_month.month)
            month = add_months(month, 1)
        new, variance, _used = rate.estimate(as_of=as_of, offsets=offsets)
        result.from_new = new
        result.variance += variance
    result.expected = result.from_open + result.from_new
    return result


# How far ahead the live forecast looks.
FORECAST_MONTHS = 12
FORECAST_QUARTERS = 4


def outlook_periods(
    *, groups: list[Group], book: StatBook, rate: RunRate | None, as_of: date
) -> tuple[list[Outlook], list[Outlook]]:
    """The months and quarters from the as-of date on, each computed on its own (a quarter's
    range is that of its own sum, not of its months added up)."""
    months = []
    for k in range(FORECAST_MONTHS):
        month = add_months(as_of, k)
        months.append(
            outlook(
                groups=groups,
                book=book,
                rate=rate,
                as_of=as_of,
                start=month,
                end=add_months(month, 1),
                label=month_label(month),
            )
        )
    quarters = []
    for k in range(FORECAST_QUARTERS):
        quarter = add_months(quarter_start(as_of), 3 * k)
        quarters.append(
            outlook(
                groups=groups,
                book=book,
                rate=rate,
                as_of=as_of,
                start=quarter,
                end=add_months(quarter, 3),
                label=quarter_label(quarter),
            )
        )
    return months, quarters


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
                "open deals: P(win within the period) from the life table of past deals that "
                "entered the deal's stage (industry segment, else pipeline, else stage default "
                "at once): won / lost / still open per week since entering, given the deal's "
                "age in the stage; new deals: mean won amount in the same months after a "
                "month start by deals created from then on, over the last 12 such months; "
                "range = 10th-90th percentile, normal approximation (independent Bernoulli "
                "deals + the variance of the past run rates)"
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


def _live_groups(qs: QuerySet[Deal], *, as_of: date) -> list[Group]:
    """Today's open deals by stage, customer industry and week they entered their stage."""
    cutoff = day_start(as_of)
    rows = (
        qs.filter(status=Deal.Status.OPEN, stage__kind=Stage.Kind.OPEN)
        .values("stage_id", industry=F("customer__industry"), week=TruncWeek("stage_entered_at"))
        .annotate(**group_fields())
        .order_by()
    )
    return [
        Group(
            r["stage_id"],
            r["industry"] or None,
            r["n"],
            r["amount_sum"] or 0,
            r["amount_sq"] or 0,
            week_age(cutoff, r["week"]),
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
    """Expected won amount per month and quarter from `today` on. `today` before the real
    today (an as-of date): the deals open then, in the stage they were in then (stage history),
    with the statistics of that date."""
    real_today = timezone.localdate()
    today = today or real_today
    stages = stage_index() if stages is None else stages
    deals = filters.deals(user)
    if today < real_today:
        stats_date = today
        groups = _as_of_groups(deals=deals, windows={today: {}})[today][0]
    else:
        stats_date = live_stats_date(today)
        groups = _live_groups(deals, as_of=today)
    book = stat_books(dates=[stats_date], stages=stages)[stats_date]
    months, quarters = outlook_periods(
        groups=groups, book=book, rate=run_rate(deals, before=today), as_of=today
    )
    pipeline_id = filters.pipeline.pk if filters.pipeline else None
    history = book.history(pipeline_id)
    result = StatisticalForecast(
        as_of=today,
        months=months,
        quarters=quarters,
        stats=[(stat, book.estimate(stat.stage_id, None)) for stat in book.stage_rows(pipeline_id)],
        history=history,
        enough_history=history >= min_sample(),
        money_visible=amount_visible(user),
        stats_as_of=stats_date,
        computed_at=stats_computed_at(stats_date),
    )
    if not result.money_visible:
        for row in [*result.months, *result.quarters]:
            row.hide_money()
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
    actual: float | None = 0.0  # all deals won in the period (new ones included)
    actual_open: float | None = 0.0  # won in the period by the deals open at as_of
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
            "forecast_open_deals": _money(self.forecast.from_open),
            "forecast_new_deals": _money(self.forecast.from_new),
            "low": _money(self.forecast.low),
            "high": _money(self.forecast.high),
            "actual": _money(self.actual),
            "actual_open_deals": _money(self.actual_open),
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
                "the stage each deal was in then (stage history), statistics of deals closed "
                "before then and the run rate of new deals won before then; actual = every "
                "deal won in the period (the deals open at its start and the deals created "
                "during it); MAPE and bias over periods with enough history and a non-zero "
                "actual"
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
    history), customer industry and week they entered it, and what those deals went on to win
    in each window [date, end). One pass over the stays for all dates: a conditional
    aggregate per date."""
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
        .values("to_stage_id", industry=F("deal__customer__industry"), week=TruncWeek("entered_at"))
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
                        week_age(day_start(day), r["week"]),
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
    rate = run_rate(deals, before=today)
    series: dict[str, list[BacktestRow]] = defaultdict(list)
    for as_of in dates:
        book = books[as_of]
        groups, actual = as_of_groups[as_of]
        history = book.history(pipeline_id)
        for name, end in windows[as_of].items():
            span = 3 if name == "quarter" else 1
            label = quarter_label(as_of) if name == "quarter" else month_label(as_of)
            forecast = outlook(
                groups=groups, book=book, rate=rate, as_of=as_of, start=as_of, end=end, label=label
            )
            series[name].append(
                BacktestRow(
                    as_of=as_of,
                    end=end,
                    label=label,
                    history=history,
                    enough_history=history >= min_sample(),
                    deals=sum(g.deals for g in groups),
                    forecast=forecast,
                    actual=sum(won_months.get(add_months(as_of, k), 0.0) for k in range(span)),
                    actual_open=actual[name],
                )
            )
    result = Backtest(
        quarters=BacktestSeries(series["quarter"]),
        months=BacktestSeries(series["month"]),
        money_visible=amount_visible(user),
    )
    if not result.money_visible:
        for row in [*result.quarters.rows, *result.months.rows]:
            row.actual = row.actual_open = None
            row.forecast.hide_money()
    return result
