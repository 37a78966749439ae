"""This quarter's goals for the demo organisation, set as managers would with the
decomposition tool: a company plan, and one plan per team over its reps (with weekly won-deal
and contact goals), so the goals page and everyone's home show progress out of the box."""

from decimal import Decimal

from django.utils import timezone

from salestrack.accounts.models import Team, User
from salestrack.goals.decomposition import PlanRep, plan_decompose
from salestrack.goals.models import Goal
from salestrack.goals.periods import period_bounds
from salestrack.goals.selectors import calendar_overrides, goal_plan_reps
from salestrack.goals.services import goal_plan_save

PER_REP_TARGET = Decimal(3_000_000)  # won amount a quarter
ASSUMPTIONS = {"avg_deal_size": Decimal(100_000), "conversion_pct": Decimal(10)}


def demo_goals_seed() -> int:
    """Create this quarter's plans once; returns how many goals exist afterwards."""
    start, end = period_bounds("quarter", timezone.localdate())
    admin = User.objects.filter(role=User.Role.ADMIN).order_by("pk").first()
    if admin is None or Goal.objects.filter(start=start, period_kind="quarter").exists():
        return Goal.objects.count()
    overrides = calendar_overrides(start=start, end=end)

    def plan(target: Decimal, reps: list):
        return plan_decompose(
            period_kind="quarter",
            start=start,
            end=end,
            target=target,
            reps=[PlanRep(u.pk, str(u)) for u in reps],
            margin_pct=Decimal(15),
            overrides=overrides,
            **ASSUMPTIONS,
        )

    teams = [t for t in Team.objects.all() if not Team.objects.filter(parent=t).exists()]
    team_reps = {t.pk: goal_plan_reps(team=t) for t in teams}
    n_reps = sum(len(r) for r in team_reps.values()) or 1
    goal_plan_save(actor=admin, plan=plan(PER_REP_TARGET * n_reps, []), scope_kind="company")
    for team in teams:
        reps = team_reps[team.pk]
        if reps:
            goal_plan_save(
                actor=admin,
                plan=plan(PER_REP_TARGET * len(reps), reps),
                scope_kind="team",
                team=team,
                with_activity_goals=True,
            )
    return Goal.objects.count()
