"""The deals behind a figure: the same conditions the figure counts, as a deal list."""

from dataclasses import dataclass

from django.db.models import QuerySet

from salestrack.accounts.models import User
from salestrack.analytics.filters import AnalyticsFilters, analytics_deals
from salestrack.analytics.selectors.common import (
    figure_condition,
    group_condition,
    left_stage_condition,
    with_reach,
)
from salestrack.analytics.selectors.targets import goal_deals
from salestrack.deals.models import Deal
from salestrack.goals.models import Goal
from salestrack.pipeline.models import Stage


@dataclass(frozen=True)
class Drill:
    """Which figure: its name, the period (current or previous), and for stage figures the
    stage, for breakdown rows the dimension and key, for targets the goal."""

    figure: str
    previous: bool = False
    stage: Stage | None = None
    by: str = ""
    key: str = ""
    goal: Goal | None = None


def analytics_drilldown(*, user: User, filters: AnalyticsFilters, drill: Drill) -> QuerySet[Deal]:
    if drill.figure == "goal":
        qs = goal_deals(user=user, goal=drill.goal)
    else:
        period = filters.pick(drill.previous)
        qs = analytics_deals(user=user, filters=filters).filter(
            figure_condition(drill.figure, period)
        )
        if drill.figure == "reached":
            qs = with_reach(qs).filter(reach__gte=drill.stage.position)
        elif drill.figure == "stage_time":
            qs = qs.filter(left_stage_condition(drill.stage.pk, period))
        if drill.by:
            qs = qs.filter(group_condition(drill.by, drill.key))
    return qs.select_related("customer", "stage", "owner").order_by("-created_at", "-id")
