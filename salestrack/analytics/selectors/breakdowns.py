"""Headline figures, win rate / won amount / cycle by rep, team, source, industry and region,
lead-source quality and the industry mix of won business, each with the previous period."""

from decimal import Decimal

from django.db.models import Avg, Case, Count, DurationField, F, IntegerField, Q, Sum, Value, When

from salestrack.accounts.models import Team, User
from salestrack.analytics.filters import (
    AnalyticsFilters,
    amounts_visible,
    analytics_deals,
    compared,
)
from salestrack.analytics.medians import Median, group_medians, median_aggregate_available
from salestrack.analytics.selectors.common import (
    GROUPS,
    LOST,
    NOT_SET,
    WON,
    DrillLinks,
    cycle_duration,
    days,
    figure_condition,
    group_key,
    rate,
    source_label,
)


def analytics_summary(*, user: User, filters: AnalyticsFilters) -> dict:
    """Deals created, won, lost and closed in the period, won amount and win rate (won /
    closed), with the previous period. One query of conditional aggregates."""
    money = amounts_visible(user)
    since, until = filters.previous.since, filters.period.until
    deals = analytics_deals(user=user, filters=filters).filter(
        Q(created_at__gte=since, created_at__lt=until)
        | Q(closed_at__gte=since, closed_at__lt=until)
    )
    aggregates = {}
    for prefix, period in (("", filters.period), ("prev_", filters.previous)):
        for figure in ("created", "won", "lost", "closed"):
            aggregates[prefix + figure] = Count("id", filter=figure_condition(figure, period))
        if money:
            aggregates[prefix + "won_amount"] = Sum(
                "amount", filter=figure_condition("won", period)
            )
            aggregates[prefix + "created_amount"] = Sum(
                "amount", filter=figure_condition("created", period)
            )
    t = deals.aggregate(**aggregates)
    links = DrillLinks(filters)
    out = {"filters": filters.as_dict(), "amounts_visible": money}
    for figure in ("created", "won", "lost", "closed"):
        out[figure] = compared(t[figure], t["prev_" + figure]) | {
            "url": links.url(figure),
            "previous_url": links.url(figure, previous=True),
        }
    for figure in ("won_amount", "created_amount"):
        out[figure] = (
            compared(t[figure] or Decimal(0), t["prev_" + figure] or Decimal(0)) if money else None
        )
    out["win_rate"] = compared(rate(t["won"], t["closed"]), rate(t["prev_won"], t["prev_closed"]))
    return out


def _labels(by: str, keys: list) -> dict:
    ids = [k for k in keys if k is not None]
    if by == "rep":
        return {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}
    if by == "team":
        return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {}


def _label(by: str, value, labels: dict) -> str:
    if by == "source":
        return source_label(value)
    if value in (None, ""):
        return str(NOT_SET)
    return labels.get(value, str(value))


def analytics_breakdown(*, user: User, filters: AnalyticsFilters, by: str) -> dict:
    """Per rep, team, lead source, customer industry or region (`by`): deals closed in the
    period, won, lost, win rate, won amount, median and average cycle of the won ones, with
    the previous period. Rows by won amount (won count when amounts are hidden), largest first.
    One GROUP BY (with the medians on PostgreSQL; on SQLite a second query picks the median
    rows) plus one for rep or team names."""
    money = amounts_visible(user)
    field = GROUPS[by]
    closed = analytics_deals(user=user, filters=filters).filter(
        status__in=[WON, LOST],
        closed_at__gte=filters.previous.since,
        closed_at__lt=filters.period.until,
    )
    duration = cycle_duration()
    aggregates = {}
    for prefix, period in (("", filters.period), ("prev_", filters.previous)):
        won = figure_condition("won", period)
        aggregates |= {
            prefix + "closed": Count("id", filter=figure_condition("closed", period)),
            prefix + "won": Count("id", filter=won),
            prefix + "avg": Avg(duration, filter=won, output_field=DurationField()),
        }
        if money:
            aggregates[prefix + "won_amount"] = Sum("amount", filter=won)
    in_one_pass = median_aggregate_available()
    if in_one_pass:
        for prefix, period in (("", filters.period), ("prev_", filters.previous)):
            aggregates[prefix + "median"] = Median(
                duration, filter=figure_condition("won", period), output_field=DurationField()
            )
    rows = list(closed.values(key=F(field)).annotate(**aggregates).order_by())
    if in_one_pass:
        medians = {(1, r["key"]): r["median"] for r in rows} | {
            (0, r["key"]): r["prev_median"] for r in rows
        }
    else:
        flag = Case(
            When(closed_at__gte=filters.period.since, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        medians = group_medians(
            closed.filter(status=WON), keys={"is_current": flag, "group": field}, value=duration
        )
    labels = _labels(by, [r["key"] for r in rows])
    links = DrillLinks(filters)
    out = []
    for r in rows:
        key = group_key(by, r["key"])
        won_amount = (r["won_amount"] or Decimal(0)) if money else None
        prev_amount = (r["prev_won_amount"] or Decimal(0)) if money else None
        out.append(
            {
                "key": key,
                "label": _label(by, r["key"], labels),
                "closed": compared(r["closed"], r["prev_closed"]),
                "won": compared(r["won"], r["prev_won"]),
                "lost": r["closed"] - r["won"],
                "win_rate": compared(
                    rate(r["won"], r["closed"]), rate(r["prev_won"], r["prev_closed"])
                ),
                "won_amount": compared(won_amount, prev_amount) if money else None,
                "median_cycle_days": compared(
                    days(medians.get((1, r["key"]))), days(medians.get((0, r["key"])))
                ),
                "average_cycle_days": compared(days(r["avg"]), days(r["prev_avg"])),
                "closed_url": links.url("closed", by=by, key=key),
                "won_url": links.url("won", by=by, key=key),
                "previous_won_url": links.url("won", by=by, key=key, previous=True),
            }
        )
    out.sort(
        key=lambda row: (
            -(row["won_amount"]["value"] if money else row["won"]["value"]),
            -row["closed"]["value"],
            row["label"],
        )
    )
    return {"filters": filters.as_dict(), "amounts_visible": money, "by": by, "rows": out}


def analytics_sources(*, user: User, filters: AnalyticsFilters) -> dict:
    """Lead-source quality: per deal lead source, the deals created in the period, how many of
    them are won (so far), conversion (won / created) and their won amount; with the previous
    period's cohort. One query."""
    money = amounts_visible(user)
    deals = analytics_deals(user=user, filters=filters).filter(
        created_at__gte=filters.previous.since, created_at__lt=filters.period.until
    )
    aggregates = {}
    for prefix, period in (("", filters.period), ("prev_", filters.previous)):
        # created_at (never NULL) rather than id: the query reads only deal_funnel_cohort
        created, won = figure_condition("created", period), figure_condition("cohort_won", period)
        aggregates[prefix + "created"] = Count("created_at", filter=created)
        aggregates[prefix + "won"] = Count("created_at", filter=won)
        if money:
            aggregates[prefix + "won_amount"] = Sum(
                "amount", filter=figure_condition("cohort_won", period)
            )
    rows = deals.values("source").annotate(**aggregates).order_by()
    links = DrillLinks(filters)
    out = []
    for r in rows:
        key = group_key("source", r["source"])
        out.append(
            {
                "key": key,
                "label": source_label(r["source"]),
                "created": compared(r["created"], r["prev_created"]),
                "won": compared(r["won"], r["prev_won"]),
                "conversion": compared(
                    rate(r["won"], r["created"]), rate(r["prev_won"], r["prev_created"])
                ),
                "won_amount": compared(
                    r["won_amount"] or Decimal(0), r["prev_won_amount"] or Decimal(0)
                )
                if money
                else None,
                "created_url": links.url("created", by="source", key=key),
                "won_url": links.url("cohort_won", by="source", key=key),
            }
        )
    out.sort(key=lambda row: (-row["created"]["value"], row["label"]))
    return {"filters": filters.as_dict(), "amounts_visible": money, "rows": out}


def analytics_industries(*, user: User, filters: AnalyticsFilters) -> dict:
    """Industry mix of won business: the industry breakdown's won deals and amount with each
    industry's share (of the amount, or of the count when amounts are hidden)."""
    data = analytics_breakdown(user=user, filters=filters, by="industry")
    money = data["amounts_visible"]
    measure = "won_amount" if money else "won"
    rows = [r for r in data["rows"] if r["won"]["value"] or r["won"]["previous"]]
    total = sum(r[measure]["value"] for r in rows)
    prev_total = sum(r[measure]["previous"] for r in rows)
    out = []
    for r in rows:
        out.append(
            {
                "key": r["key"],
                "label": r["label"],
                "won": r["won"],
                "won_amount": r["won_amount"],
                "share_pct": compared(
                    rate(r[measure]["value"], total), rate(r[measure]["previous"], prev_total)
                ),
                "url": r["won_url"],
                "previous_url": r["previous_won_url"],
            }
        )
    return {"filters": filters.as_dict(), "amounts_visible": money, "rows": out}
