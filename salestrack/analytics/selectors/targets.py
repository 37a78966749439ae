"""Target completion per rep and per team (a sales region is a team of the organisation tree,
e.g. 华东大区) from the goals app: won amount and won deals goals within the period."""

from django.db.models import Q, QuerySet

from salestrack.accounts.models import User
from salestrack.analytics.filters import AnalyticsFilters, Period, amounts_visible
from salestrack.analytics.selectors.common import WON, DrillLinks
from salestrack.deals.models import Deal
from salestrack.deals.selectors import deal_queryset
from salestrack.goals.models import Goal
from salestrack.goals.selectors import goal_progress, goal_queryset

TARGET_METRICS = (Goal.Metric.WON_AMOUNT, Goal.Metric.WON_COUNT)


PERIOD_KINDS_LONGEST_FIRST = ("year", "quarter", "month", "week")


def target_goals(*, user: User, filters: AnalyticsFilters) -> QuerySet[Goal]:
    """Rep and team goals on won amount / won deals the user may see, whose period lies within
    the filter period; narrowed to the team subtree or the rep chosen."""
    qs = goal_queryset(user=user).filter(
        scope_kind__in=[Goal.ScopeKind.REP, Goal.ScopeKind.TEAM],
        metric__in=TARGET_METRICS,
        start__gte=filters.period.start,
        end__lte=filters.period.end,
    )
    if filters.rep is not None:
        qs = qs.filter(scope_kind=Goal.ScopeKind.REP, user=filters.rep)
    elif filters.team is not None:
        qs = qs.filter(
            Q(team__path__startswith=filters.team.path)
            | Q(user__team__path__startswith=filters.team.path)
        )
    # Only the longest kind of period present (a quarter's goals, not also its 13 weeks').
    kinds = set(qs.values_list("period_kind", flat=True).distinct())
    longest = next((k for k in PERIOD_KINDS_LONGEST_FIRST if k in kinds), None)
    if longest is not None:
        qs = qs.filter(period_kind=longest)
    return qs.order_by("scope_kind", "start", "metric", "pk")


def analytics_targets(*, user: User, filters: AnalyticsFilters) -> dict:
    """Goal, target, actual (as the goals app counts it: every pipeline) and completion."""
    money = amounts_visible(user)
    goals = list(target_goals(user=user, filters=filters))
    links = DrillLinks(filters)
    rows = []
    for progress in goal_progress(user=user, goals=goals):
        goal = progress.goal
        is_money = goal.metric == Goal.Metric.WON_AMOUNT
        hidden = is_money and not money
        rows.append(
            {
                "goal": goal.pk,
                "kind": goal.scope_kind,
                "subject": goal.subject_label,
                "metric": goal.metric,
                "metric_label": str(goal.get_metric_display()),
                "start": goal.start.isoformat(),
                "end": goal.end.isoformat(),
                "target": None if hidden else goal.target,
                "actual": None if hidden else progress.actual,
                "completion_pct": None
                if hidden or progress.actual is None
                else progress.pct_of_target,
                "url": links.url("goal", goal=goal.pk),
            }
        )
    return {"filters": filters.as_dict(), "amounts_visible": money, "rows": rows}


def goal_deals(*, user: User, goal: Goal) -> QuerySet[Deal]:
    """The deals behind a goal's actual that the user may read: won within the goal's period by
    its rep, its team's subtree or the company (any pipeline, as goals count)."""
    qs = deal_queryset(user=user).filter(
        Q(status=WON) & Period(goal.start, goal.end).contains("closed_at")
    )
    if goal.scope_kind == Goal.ScopeKind.REP:
        return qs.filter(owner_id=goal.user_id)
    if goal.scope_kind == Goal.ScopeKind.TEAM:
        return qs.filter(team__path__startswith=goal.team.path)
    return qs
