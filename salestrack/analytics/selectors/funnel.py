"""The funnel of a cohort: deals created in the period, how many reached each stage, the
conversion from each stage to the next, and the bottleneck against the stage's own history."""

from decimal import Decimal
from itertools import pairwise

from django.db.models import Count, Q, Sum

from salestrack.accounts.models import User
from salestrack.analytics.filters import (
    AnalyticsFilters,
    amounts_visible,
    analytics_deals,
    change_pct,
    compared,
)
from salestrack.analytics.selectors.common import LOST, DrillLinks, rate
from salestrack.pipeline.models import Stage


def analytics_funnel(*, user: User, filters: AnalyticsFilters) -> dict:
    """One GROUP BY over the cohorts of the current period, the previous one and the history
    (the `history_count` periods before): deals per furthest stage reached (the stored
    Deal.reached_stage, read from the deal_funnel_cohort index), summed upwards.

    Per stage: `reached` (count, amount), `conversion` (% of those reaching it that reached
    the next stage), `drop_off` (reached it, not the next), `lost` (lost with this as their
    furthest stage), the same conversion for the previous period and over the history, and
    `relative_drop` (% below the history's conversion). The bottleneck is the stage with the
    largest relative drop (none when no stage converts worse than its history).
    """
    stages = list(
        Stage.objects.filter(pipeline=filters.pipeline)
        .exclude(kind=Stage.Kind.LOST)
        .order_by("position", "id")
    )
    money = amounts_visible(user)
    cohorts = {
        "cur": filters.period.contains("created_at"),
        "prev": filters.previous.contains("created_at"),
        "hist": filters.history.contains("created_at"),
    }
    deals = analytics_deals(user=user, filters=filters).filter(
        created_at__gte=filters.history.since, created_at__lt=filters.period.until
    )
    # Counting created_at (never NULL), not id: every column the query reads is in the
    # deal_funnel_cohort index, so PostgreSQL answers from the index alone.
    aggregates = {f"n_{c}": Count("created_at", filter=q) for c, q in cohorts.items()}
    aggregates["lost_cur"] = Count("created_at", filter=cohorts["cur"] & Q(status=LOST))
    if money:
        aggregates |= {f"a_{c}": Sum("amount", filter=cohorts[c]) for c in ("cur", "prev")}
    # Deal.reached_stage is a won / open stage of the deal's pipeline (None: none reached).
    position = {stage.pk: stage.position for stage in stages}
    buckets = list(deals.values("reached_stage_id").annotate(**aggregates).order_by())
    for b in buckets:
        b["reach"] = position.get(b["reached_stage_id"], -1)

    def reached(cohort: str, position: int, measure: str = "n"):
        total = sum(
            (b[f"{measure}_{cohort}"] or 0 for b in buckets if b["reach"] >= position),
            Decimal(0) if measure == "a" else 0,
        )
        return total

    links = DrillLinks(filters)
    rows = []
    for stage in stages:
        lost_here = sum(b["lost_cur"] for b in buckets if b["reach"] == stage.position)
        rows.append(
            {
                "stage": stage.pk,
                "name": stage.label,
                "kind": stage.kind,
                "reached": compared(
                    reached("cur", stage.position), reached("prev", stage.position)
                ),
                "amount": compared(
                    reached("cur", stage.position, "a"), reached("prev", stage.position, "a")
                )
                if money
                else None,
                "lost": lost_here,
                "history_reached": reached("hist", stage.position),
                "url": links.url("reached", stage=stage.pk),
                "previous_url": links.url("reached", stage=stage.pk, previous=True),
            }
        )
    bottleneck = None
    worst = 0.0
    for row, following in pairwise(rows):
        now_in, now_out = row["reached"]["value"], following["reached"]["value"]
        prev_in, prev_out = row["reached"]["previous"], following["reached"]["previous"]
        hist_in, hist_out = row["history_reached"], following["history_reached"]
        row["conversion"] = compared(rate(now_out, now_in), rate(prev_out, prev_in))
        row["drop_off"] = now_in - now_out
        row["history_conversion"] = rate(hist_out, hist_in)
        current, past = row["conversion"]["value"], row["history_conversion"]
        drop = -change_pct(current, past) if current is not None and past else None
        row["relative_drop"] = drop
        if drop is not None and drop > worst:
            worst, bottleneck = drop, row["stage"]
    if rows:
        last = rows[-1]
        last |= {"conversion": None, "drop_off": None, "history_conversion": None}
        last["relative_drop"] = None
    for row in rows:
        row["bottleneck"] = row["stage"] == bottleneck
    created_cur = sum(b["n_cur"] for b in buckets)
    return {
        "filters": filters.as_dict(),
        "amounts_visible": money,
        "created": compared(created_cur, sum(b["n_prev"] for b in buckets)),
        "lost": sum(b["lost_cur"] for b in buckets),
        "created_url": links.url("created"),
        "stages": rows,
        "bottleneck": bottleneck,
    }
