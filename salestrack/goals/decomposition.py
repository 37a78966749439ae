"""The decomposition tool's arithmetic (目标分解): pure, no database.

From a period target and assumptions it proposes the months and ISO weeks of the period, each
split over reps, and derives the won deals and effective contacts each row needs:

- planned = target × (1 + margin %). The period row keeps the official target; every row below
  it (months, weeks, rep shares) is planned with the margin on top.
- months and weeks each share out the planned amount: equally, or in proportion to their
  working days. A week belongs to the month (and period) in which its Monday falls.
- rep shares: equally over the chosen reps or in proportion to their weights.
- won deals = planned ÷ average deal size, rounded up; per week = that ÷ weeks, rounded up;
  effective contacts = won deals ÷ conversion rate, rounded up.
Amounts are rounded to the fen; the cents left over go to the first rows so shares add up.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from salestrack.goals.periods import MONTH, WEEK, months_in, period_label, weeks_in, working_days

CENT = Decimal("0.01")
EQUAL, WORKING_DAYS, WEIGHT = "equal", "working_days", "weight"


@dataclass(frozen=True)
class PlanRep:
    user_id: int
    label: str
    weight: Decimal = Decimal(1)


@dataclass
class PlanRow:
    key: str
    parent_key: str | None
    period_kind: str
    start: date
    end: date
    target: Decimal
    working_days: int
    won_deals: int = 0
    contacts: int = 0
    rep: PlanRep | None = None
    posted: str | None = None  # the value a manager typed, shown again when saving failed

    @property
    def period_label(self) -> str:
        return period_label(self.period_kind, self.start, self.end)

    @property
    def depth(self) -> int:
        return self.key.count(".")


@dataclass
class Plan:
    period_kind: str
    start: date
    end: date
    target: Decimal
    planned: Decimal
    avg_deal_size: Decimal
    conversion_pct: Decimal
    margin_pct: Decimal
    weeks: int
    working_days: int
    won_deals: int
    weekly_won_deals: int
    weekly_contacts: int
    contacts: int
    rows: list[PlanRow] = field(default_factory=list)


def ceil_int(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def won_deals_for(amount: Decimal, avg_deal_size: Decimal) -> int:
    return ceil_int(amount / avg_deal_size) if avg_deal_size > 0 else 0


def contacts_for(won_deals: int, conversion_pct: Decimal) -> int:
    return ceil_int(Decimal(won_deals) * 100 / conversion_pct) if conversion_pct > 0 else 0


def split_amount(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`total` shared in proportion to `weights`, to the fen, adding up exactly to `total`."""
    weight_sum = sum(weights, Decimal(0))
    if not weights:
        return []
    if weight_sum <= 0:
        weights, weight_sum = [Decimal(1)] * len(weights), Decimal(len(weights))
    shares = [(total * w / weight_sum).quantize(CENT, rounding=ROUND_DOWN) for w in weights]
    leftover = int((total - sum(shares, Decimal(0))) / CENT)
    for i in range(leftover):
        shares[i % len(shares)] += CENT
    return shares


def plan_decompose(
    *,
    period_kind: str,
    start: date,
    end: date,
    target: Decimal,
    avg_deal_size: Decimal,
    conversion_pct: Decimal,
    margin_pct: Decimal = Decimal(0),
    time_split: str = EQUAL,
    rep_split: str = EQUAL,
    reps: Sequence[PlanRep] = (),
    overrides: Mapping[date, bool] | None = None,
) -> Plan:
    overrides = overrides or {}
    target = target.quantize(CENT)
    planned = (target * (1 + margin_pct / 100)).quantize(CENT)
    weeks = weeks_in(start, end)
    months = months_in(start, end) if period_kind not in (MONTH, WEEK) else []
    won_deals = won_deals_for(planned, avg_deal_size)
    weekly_won = ceil_int(Decimal(won_deals) / len(weeks)) if weeks else won_deals
    plan = Plan(
        period_kind=period_kind,
        start=start,
        end=end,
        target=target,
        planned=planned,
        avg_deal_size=avg_deal_size,
        conversion_pct=conversion_pct,
        margin_pct=margin_pct,
        weeks=len(weeks),
        working_days=working_days(start, end, overrides),
        won_deals=won_deals,
        weekly_won_deals=weekly_won,
        weekly_contacts=contacts_for(weekly_won, conversion_pct),
        contacts=contacts_for(won_deals, conversion_pct),
    )
    rep_weights = [r.weight if rep_split == WEIGHT else Decimal(1) for r in reps]

    def add(row: PlanRow) -> None:
        row.won_deals = won_deals_for(row.target, avg_deal_size)
        row.contacts = contacts_for(row.won_deals, conversion_pct)
        plan.rows.append(row)
        if row.rep is None and reps and row.key != "p":
            for rep, share in zip(reps, split_amount(row.target, rep_weights), strict=True):
                add(_rep_row(row, rep, share))

    def periods(spans: list[tuple[date, date]]) -> list[Decimal]:
        days = [working_days(s, e, overrides) for s, e in spans]
        weights = days if time_split == WORKING_DAYS else [Decimal(1)] * len(spans)
        return split_amount(planned, [Decimal(w) for w in weights])

    root = PlanRow("p", None, period_kind, start, end, target, plan.working_days)
    add(root)
    if reps:  # the period's rep shares are planned with the margin too
        for rep, share in zip(reps, split_amount(planned, rep_weights), strict=True):
            add(_rep_row(root, rep, share))
    week_targets = dict(zip(weeks, periods(weeks), strict=True))
    if months:
        for m, ((m_start, m_end), amount) in enumerate(
            zip(months, periods(months), strict=True), start=1
        ):
            add(
                PlanRow(
                    f"p.m{m}", "p", MONTH, m_start, m_end, amount, _wd(m_start, m_end, overrides)
                )
            )
            for w, week in enumerate(weeks, start=1):
                if m_start <= week[0] <= m_end:
                    add(_week_row(f"p.m{m}", w, week, week_targets[week], overrides))
    else:
        for w, week in enumerate(weeks, start=1):
            add(_week_row("p", w, week, week_targets[week], overrides))
    return plan


def _wd(start: date, end: date, overrides: Mapping[date, bool]) -> int:
    return working_days(start, end, overrides)


def _week_row(parent: str, n: int, week: tuple[date, date], amount, overrides) -> PlanRow:
    return PlanRow(f"{parent}.w{n}", parent, WEEK, week[0], week[1], amount, _wd(*week, overrides))


def _rep_row(row: PlanRow, rep: PlanRep, amount: Decimal) -> PlanRow:
    return PlanRow(
        f"{row.key}.r{rep.user_id}",
        row.key,
        row.period_kind,
        row.start,
        row.end,
        amount,
        row.working_days,
        rep=rep,
    )
