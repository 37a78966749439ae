"""Setting goals: the decomposition saved as a tree, adjustments, who may, audit, deletion."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from salestrack.audit.models import AuditEntry
from salestrack.core.exceptions import ApplicationError
from salestrack.goals.decomposition import PlanRep, plan_decompose
from salestrack.goals.models import Goal
from salestrack.goals.services import goal_create, goal_delete, goal_plan_save
from salestrack.goals.tests.factories import GoalFactory

pytestmark = pytest.mark.django_db

D = Decimal
Q2 = {"period_kind": "quarter", "start": date(2025, 4, 1), "end": date(2025, 6, 30)}


def team_a_plan(personas, **kwargs):
    reps = [PlanRep(personas.alice.pk, "艾丽丝"), PlanRep(personas.bob.pk, "鲍勃")]
    params = {
        "target": D(10_000_000),
        "avg_deal_size": D(100_000),
        "conversion_pct": D(10),
        "reps": reps,
    }
    return plan_decompose(**Q2, **(params | kwargs))


def test_it_saves_the_decomposition_as_a_goal_tree(personas):
    plan = team_a_plan(personas)
    root = goal_plan_save(
        actor=personas.mia, plan=plan, scope_kind="team", team=personas.team_a, note="Q2 冲刺"
    )
    # 1 quarter + 3 months + 13 weeks, each also split over 2 reps
    assert Goal.objects.count() == 17 * 3 == len(plan.rows)
    assert root.parent is None and root.target == D(10_000_000) and root.note == "Q2 冲刺"
    assert (root.scope_kind, root.team, root.metric) == ("team", personas.team_a, "won_amount")
    months = root.children.filter(period_kind="month", scope_kind="team").order_by("start")
    assert [m.target for m in months] == [D("3333333.34"), D("3333333.33"), D("3333333.33")]
    assert months[0].children.filter(period_kind="week", scope_kind="team").count() == 4
    alice_q2 = root.children.get(scope_kind="rep", user=personas.alice)
    assert alice_q2.target == D(5_000_000) and alice_q2.team is None
    week = Goal.objects.get(scope_kind="team", period_kind="week", start=date(2025, 4, 7))
    assert sorted(week.children.values_list("target", flat=True)) == [
        D("384615.38"),
        D("384615.39"),
    ]


def test_it_saves_the_rows_as_the_manager_adjusted_them(personas):
    plan = team_a_plan(personas)
    root = goal_plan_save(
        actor=personas.mia,
        plan=plan,
        scope_kind="team",
        team=personas.team_a,
        adjusted={"p.m1": D(3_000_000), f"p.m1.w1.r{personas.bob.pk}": D(100_000)},
        with_activity_goals=True,
    )
    april = root.children.get(period_kind="month", scope_kind="team", start=date(2025, 4, 1))
    assert april.target == D(3_000_000)
    bob_week = Goal.objects.get(
        user=personas.bob, period_kind="week", start=date(2025, 4, 7), metric="won_amount"
    )
    assert bob_week.target == D(100_000)
    # Weekly won-deal and contact goals follow the adjusted amount: 1 deal, 10 contacts.
    assert {g.metric: g.target for g in bob_week.children.all()} == {
        "won_count": D(1),
        "followups": D(10),
    }
    team_week = Goal.objects.get(
        scope_kind="team", period_kind="week", start=date(2025, 4, 7), metric="won_count"
    )
    assert team_week.target == 8
    assert team_week.parent.metric == "won_amount"


def test_it_audits_the_tree_once_on_its_root(personas):
    root = goal_plan_save(
        actor=personas.mia,
        plan=team_a_plan(personas, margin_pct=D(15)),
        scope_kind="team",
        team=personas.team_a,
        adjusted={"p.m2": D(1)},
    )
    entry = AuditEntry.objects.get(object_type="goals.goal")
    assert entry.action == "create" and entry.actor == personas.mia
    assert entry.object_id == str(root.pk)
    assert entry.changes["target"] == [None, "10000000.00"]
    assert entry.extra["decomposition"]["goals"] == 51
    assert entry.extra["decomposition"]["planned"] == "11500000.00"
    assert entry.extra["decomposition"]["adjusted"] == ["p.m2"]


def test_it_refuses_reps(personas):
    with pytest.raises(PermissionDenied):
        goal_plan_save(
            actor=personas.alice,
            plan=team_a_plan(personas),
            scope_kind="team",
            team=personas.team_a,
        )
    with pytest.raises(PermissionDenied):
        goal_create(
            actor=personas.alice,
            scope_kind="rep",
            user=personas.alice,
            metric="followups",
            target=D(50),
            **Q2,
        )
    assert not Goal.objects.exists()
    assert not AuditEntry.objects.filter(object_type="goals.goal").exists()


def test_it_keeps_managers_to_their_subtree(personas):
    from salestrack.core.tests.factories import TeamFactory, UserFactory

    other = TeamFactory(name="北京")
    outsider = UserFactory(team=other)
    with pytest.raises(PermissionDenied):
        goal_create(actor=personas.mia, scope_kind="team", team=other, metric="won_count",
                    target=D(5), **Q2)  # fmt: skip
    with pytest.raises(PermissionDenied):
        goal_create(actor=personas.mia, scope_kind="rep", user=outsider, metric="won_count",
                    target=D(5), **Q2)  # fmt: skip
    with pytest.raises(PermissionDenied):  # company goals need the all-records scope
        goal_create(actor=personas.mia, scope_kind="company", metric="won_count", target=D(5), **Q2)
    goal = goal_create(
        actor=personas.mia, scope_kind="rep", user=personas.charlie, metric="won_count",
        target=D(5), **Q2,
    )  # fmt: skip
    assert goal.user == personas.charlie
    assert (
        goal_create(
            actor=personas.admin, scope_kind="company", metric="won_count", target=D(50), **Q2
        ).scope_kind
        == "company"
    )


def test_it_refuses_duplicates_and_writes_nothing(personas):
    GoalFactory(scope_kind="team", team=personas.team_a, **Q2)
    with pytest.raises(ApplicationError):
        goal_plan_save(
            actor=personas.mia, plan=team_a_plan(personas), scope_kind="team", team=personas.team_a
        )
    assert Goal.objects.count() == 1


def test_it_refuses_negative_adjustments(personas):
    with pytest.raises(ApplicationError):
        goal_plan_save(
            actor=personas.mia,
            plan=team_a_plan(personas),
            scope_kind="team",
            team=personas.team_a,
            adjusted={"p.m1": D(-1)},
        )
    assert not Goal.objects.exists()


def test_the_database_refuses_invalid_scopes(personas):
    from django.db import IntegrityError, transaction

    for bad in (
        {"scope_kind": "company", "team": personas.team_a},
        {"scope_kind": "team"},
        {"scope_kind": "rep", "team": personas.team_a, "user": personas.alice},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            GoalFactory(**bad)


def test_it_deletes_a_goal_with_its_parts(personas):
    root = goal_plan_save(
        actor=personas.mia, plan=team_a_plan(personas), scope_kind="team", team=personas.team_a
    )
    with pytest.raises(PermissionDenied):
        goal_delete(actor=personas.alice, goal=root)
    assert goal_delete(actor=personas.mia, goal=root) == 51
    assert not Goal.objects.exists()
    entry = AuditEntry.objects.filter(object_type="goals.goal").first()
    assert entry.action == "delete" and entry.extra == {"goals_deleted": 51}
