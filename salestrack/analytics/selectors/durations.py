"""Time in stage (median and average days per stage) and the sales cycle of won deals."""

from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    FloatField,
    IntegerField,
    Value,
    When,
)

from salestrack.accounts.models import User
from salestrack.analytics.filters import AnalyticsFilters, analytics_deals, compared
from salestrack.analytics.medians import Median, group_medians, median_aggregate_available
from salestrack.analytics.selectors.common import WON, DrillLinks, cycle_duration, days
from salestrack.deals.models import StageChange
from salestrack.pipeline.models import Stage


def _current_flag(filters: AnalyticsFilters, field: str) -> Case:
    """1 for rows of the current period, 0 for the previous one (the rows are pre-filtered)."""
    return Case(
        When(**{f"{field}__gte": filters.period.since}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def analytics_stage_times(*, user: User, filters: AnalyticsFilters) -> dict:
    """Per open stage: completed stays that ended in the period (a deal that left a stage
    twice, after a move backwards, has two stays), the deals they belong to, and the median
    and average days of a stay; the same for the previous period. A GROUP BY stage with
    conditional aggregates (the medians in it on PostgreSQL; on SQLite a second query picks the
    middle rows of each stage and period)."""
    stages = list(
        Stage.objects.filter(pipeline=filters.pipeline, kind=Stage.Kind.OPEN).order_by(
            "position", "id"
        )
    )
    stays = StageChange.objects.filter(
        deal_id__in=analytics_deals(user=user, filters=filters).values("pk"),
        to_stage__in=[s.pk for s in stages],
        left_at__gte=filters.previous.since,
        left_at__lt=filters.period.until,
        duration_seconds__isnull=False,
    )
    cur, prev = filters.period.contains("left_at"), filters.previous.contains("left_at")
    aggregates = {
        "stays": Count("id", filter=cur),
        "deals": Count("deal_id", filter=cur, distinct=True),
        "avg": Avg("duration_seconds", filter=cur),
        "prev_stays": Count("id", filter=prev),
        "prev_deals": Count("deal_id", filter=prev, distinct=True),
        "prev_avg": Avg("duration_seconds", filter=prev),
    }
    in_one_pass = median_aggregate_available()
    if in_one_pass:
        aggregates |= {
            "median": Median("duration_seconds", filter=cur, output_field=FloatField()),
            "prev_median": Median("duration_seconds", filter=prev, output_field=FloatField()),
        }
    totals = {
        row["to_stage_id"]: row
        for row in stays.values("to_stage_id").annotate(**aggregates).order_by()
    }
    if in_one_pass:
        medians = {(1, k): t["median"] for k, t in totals.items()} | {
            (0, k): t["prev_median"] for k, t in totals.items()
        }
    else:
        medians = group_medians(
            stays,
            keys={"is_current": _current_flag(filters, "left_at"), "stage_key": "to_stage_id"},
            value="duration_seconds",
        )
    links = DrillLinks(filters)
    rows = []
    for stage in stages:
        t = totals.get(stage.pk, {})
        rows.append(
            {
                "stage": stage.pk,
                "name": stage.label,
                "stays": compared(t.get("stays", 0), t.get("prev_stays", 0)),
                "deals": compared(t.get("deals", 0), t.get("prev_deals", 0)),
                "median_days": compared(
                    days(medians.get((1, stage.pk))), days(medians.get((0, stage.pk)))
                ),
                "average_days": compared(days(t.get("avg")), days(t.get("prev_avg"))),
                "url": links.url("stage_time", stage=stage.pk),
                "previous_url": links.url("stage_time", stage=stage.pk, previous=True),
            }
        )
    return {"filters": filters.as_dict(), "stages": rows}


def analytics_cycle(*, user: User, filters: AnalyticsFilters) -> dict:
    """Sales-cycle length (created to won) of the deals won in the period: count, median and
    average days, with the previous period. One query on PostgreSQL, two on SQLite."""
    won = analytics_deals(user=user, filters=filters).filter(
        status=WON, closed_at__gte=filters.previous.since, closed_at__lt=filters.period.until
    )
    cur, prev = filters.period.contains("closed_at"), filters.previous.contains("closed_at")
    duration = cycle_duration()
    aggregates = {
        "n": Count("id", filter=cur),
        "prev_n": Count("id", filter=prev),
        "avg": Avg(duration, filter=cur, output_field=DurationField()),
        "prev_avg": Avg(duration, filter=prev, output_field=DurationField()),
    }
    in_one_pass = median_aggregate_available()
    if in_one_pass:
        aggregates |= {
            "median": Median(duration, filter=cur, output_field=DurationField()),
            "prev_median": Median(duration, filter=prev, output_field=DurationField()),
        }
    totals = won.aggregate(**aggregates)
    if in_one_pass:
        medians = {(1,): totals["median"], (0,): totals["prev_median"]}
    else:
        medians = group_medians(
            won, keys={"is_current": _current_flag(filters, "closed_at")}, value=duration
        )
    links = DrillLinks(filters)
    return {
        "filters": filters.as_dict(),
        "won": compared(totals["n"], totals["prev_n"]),
        "median_days": compared(days(medians.get((1,))), days(medians.get((0,)))),
        "average_days": compared(days(totals["avg"]), days(totals["prev_avg"])),
        "url": links.url("won"),
        "previous_url": links.url("won", previous=True),
    }
