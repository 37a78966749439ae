"""Actuals per metric and scope, expected-to-date, the light, visibility, query counts."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.tests.factories import DealFactory
from salestrack.goals.progress import Light
from salestrack.goals.selectors import (
    goal_actuals,
    goal_can_set,
    goal_get_for_user,
    goal_list_for_user,
    goal_progress,
    goal_progress_for_user,
)
from salestrack.goals.tests.factories import GoalFactory, WorkCalendarDayFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = Decimal
# Wednesday of the third week of May 2025 (Q2), in Shanghai.
NOW = datetime(2025, 5, 14, 10, 0, tzinfo=SHANGHAI)
WEEK = {"period_kind": "week", "start": date(2025, 5, 12), "end": date(2025, 5, 18)}
MAY = {"period_kind": "month", "start": date(2025, 5, 1), "end": date(2025, 5, 31)}


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def won(owner, amount, closed: datetime, **kwargs):
    return DealFactory(
        owner=owner,
        customer=CustomerFactory(owner=owner),
        amount=D(amount),
        status=Deal.Status.WON,
        closed_at=closed,
        **kwargs,
    )


def rep_goal(user, metric, target, period=MAY):
    return GoalFactory(scope_kind="rep", user=user, metric=metric, target=D(target), **period)


def test_it_counts_won_deals_closed_in_the_period(personas):
    won(personas.alice, 300, at(date(2025, 5, 2)))
    won(personas.alice, 200, at(date(2025, 5, 31), 23))  # last evening of May, Shanghai time
    won(personas.alice, 999, at(date(2025, 6, 1), 0))  # first minute of June
    won(personas.alice, 999, at(date(2025, 4, 30), 23))
    won(personas.bob, 50, at(date(2025, 5, 3)))
    DealFactory(owner=personas.alice, amount=D(777))  # open
    amount = rep_goal(personas.alice, "won_amount", 1000)
    count = rep_goal(personas.alice, "won_count", 5)
    actuals = goal_actuals(user=personas.admin, goals=[amount, count])
    assert actuals == {amount.pk: D(500), count.pk: D(2)}


def test_it_counts_payments_by_contract_signing_date(personas):
    won(personas.alice, 1, at(date(2025, 3, 1)), contract_signed_on=date(2025, 5, 31),
        payment_received=D(800))  # fmt: skip
    won(personas.alice, 1, at(date(2025, 5, 1)), contract_signed_on=date(2025, 6, 1),
        payment_received=D(400))  # fmt: skip
    goal = rep_goal(personas.alice, "payments", 1000)
    assert goal_actuals(user=personas.admin, goals=[goal]) == {goal.pk: D(800)}


def test_it_counts_new_customers_and_follow_ups(personas):
    in_may = CustomerFactory(owner=personas.alice)
    in_april = CustomerFactory(owner=personas.alice)
    Customer.objects.filter(pk=in_may.pk).update(created_at=at(date(2025, 5, 1), 0))
    Customer.objects.filter(pk=in_april.pk).update(created_at=at(date(2025, 4, 30), 23))
    FollowUpFactory(customer=in_may, occurred_at=at(date(2025, 5, 12)))
    FollowUpFactory(customer=in_may, occurred_at=at(date(2025, 5, 18), 22))
    FollowUpFactory(customer=in_may, occurred_at=at(date(2025, 5, 19), 0))
    customers = rep_goal(personas.alice, "new_customers", 4)
    followups = rep_goal(personas.alice, "followups", 10, period=WEEK)
    actuals = goal_actuals(user=personas.admin, goals=[customers, followups])
    assert actuals == {customers.pk: D(1), followups.pk: D(2)}


def test_it_counts_by_scope_rep_team_subtree_company(personas):
    from salestrack.core.tests.factories import TeamFactory, UserFactory

    sub_team = TeamFactory(name="浦东小组", parent=personas.team_a)
    dora = UserFactory(username="dora", team=sub_team)
    day = at(date(2025, 5, 6))
    won(personas.alice, 100, day)
    won(personas.bob, 20, day)
    won(dora, 3, day)
    won(personas.charlie, 1000, day)
    goals = {
        "alice": rep_goal(personas.alice, "won_amount", 1),
        "team_a": GoalFactory(scope_kind="team", team=personas.team_a, **MAY),
        "team_b": GoalFactory(scope_kind="team", team=personas.team_b, **MAY),
        "department": GoalFactory(scope_kind="team", team=personas.department, **MAY),
        "company": GoalFactory(**MAY),
    }
    actuals = goal_actuals(user=personas.admin, goals=goals.values())
    assert {name: actuals[g.pk] for name, g in goals.items()} == {
        "alice": 100,
        "team_a": 123,  # with the sub-team
        "team_b": 1000,
        "department": 1123,
        "company": 1123,
    }


def test_a_rep_sees_the_whole_figure_of_the_team_goal(personas):
    won(personas.alice, 100, at(date(2025, 5, 6)))
    won(personas.bob, 20, at(date(2025, 5, 6)))
    team = GoalFactory(scope_kind="team", team=personas.team_a, target=D(240), **MAY)
    alice_view, mia_view = (
        goal_progress(user=u, goals=[team])[0] for u in (personas.alice, personas.mia)
    )
    assert alice_view.actual == mia_view.actual == D(120)
    assert alice_view.light == mia_view.light is not None


def test_it_expects_pro_rata_and_lights_the_goal(personas):
    # Wednesday morning: Monday and Tuesday are done, 2 of 5 working days -> 40 % expected.
    won(personas.alice, 361, at(date(2025, 5, 12)))  # 9.75 % behind 400
    green = rep_goal(personas.alice, "won_amount", 1000, period=WEEK)
    yellow = GoalFactory(scope_kind="rep", user=personas.bob, target=D(1000), **WEEK)
    won(personas.bob, 359, at(date(2025, 5, 13)))  # 10.25 % behind 400
    red = rep_goal(personas.alice, "won_count", 5, period=WEEK)  # 1 of 2 expected: 50 % behind
    rows = goal_progress(user=personas.admin, goals=[green, yellow, red])
    assert [r.expected for r in rows] == [D(400), D(400), D(2)]
    assert [r.light for r in rows] == [Light.GREEN, Light.YELLOW, Light.RED]


def test_it_skips_holidays_in_the_expected_to_date(personas):
    # Wednesday 14 May as a holiday and Saturday 17 May as a make-up day: on Thursday morning
    # Monday and Tuesday are done (the holiday does not count) of 5 working days.
    WorkCalendarDayFactory(date=date(2025, 5, 14), is_workday=False, name="测试假日")
    WorkCalendarDayFactory(date=date(2025, 5, 17), is_workday=True, name="调休上班")
    goal = rep_goal(personas.alice, "won_amount", 1000, period=WEEK)
    assert goal_progress(user=personas.admin, goals=[goal], on=date(2025, 5, 15))[0].expected == 400
    assert goal_progress(user=personas.admin, goals=[goal], on=date(2025, 5, 17))[0].expected == 800


def test_it_hides_figures_of_fields_the_role_may_not_read(personas):
    from salestrack.accounts.models import User
    from salestrack.core.tests.factories import UserFactory

    marketing = UserFactory(role=User.Role.MARKETING, team=None)
    payments = GoalFactory(metric="payments", **MAY)
    amount = GoalFactory(**MAY)
    rows = goal_progress(user=marketing, goals=[payments, amount])
    assert rows[0].actual is None and rows[0].light is None
    assert rows[1].actual == 0


def test_it_shows_reps_their_own_their_teams_and_the_company_goals(personas):
    mine = rep_goal(personas.alice, "won_amount", 1)
    bobs = rep_goal(personas.bob, "won_amount", 1)
    team_a = GoalFactory(scope_kind="team", team=personas.team_a, **MAY)
    department = GoalFactory(scope_kind="team", team=personas.department, **MAY)
    team_b = GoalFactory(scope_kind="team", team=personas.team_b, **MAY)
    company = GoalFactory(**MAY)
    charlies = rep_goal(personas.charlie, "won_amount", 1)

    def visible(user):
        groups = goal_list_for_user(user=user, on=date(2025, 5, 14))
        return {row.goal for rows in groups.values() for row in rows}

    assert visible(personas.alice) == {mine, team_a, department, company}
    assert visible(personas.mia) == {mine, bobs, team_a, department, team_b, company, charlies}
    assert len(visible(personas.admin)) == 7
    with pytest.raises(Http404):
        goal_get_for_user(user=personas.alice, pk=team_b.pk)
    with pytest.raises(Http404):
        goal_get_for_user(user=personas.alice, pk=bobs.pk)
    assert goal_get_for_user(user=personas.alice, pk=company.pk) == company


def test_it_lists_the_goals_running_on_a_date(personas):
    may = rep_goal(personas.alice, "won_amount", 1)
    week = rep_goal(personas.alice, "won_amount", 1, period=WEEK)
    june = rep_goal(personas.alice, "won_amount", 1, period={
        "period_kind": "month", "start": date(2025, 6, 1), "end": date(2025, 6, 30)})  # fmt: skip
    rows = goal_list_for_user(user=personas.alice, on=date(2025, 5, 14))["rep"]
    assert [r.goal for r in rows] == [week, may]
    assert [
        r.goal for r in goal_list_for_user(user=personas.alice, on=date(2025, 6, 2))["rep"]
    ] == [june]
    only_months = goal_list_for_user(user=personas.alice, on=date(2025, 5, 14), period_kind="month")
    assert [r.goal for r in only_months["rep"]] == [may]


def test_it_gives_a_users_home_their_goals_of_today(personas):
    week = rep_goal(personas.alice, "won_amount", 1, period=WEEK)
    team = GoalFactory(scope_kind="team", team=personas.team_a, **MAY)
    rep_goal(personas.bob, "won_amount", 1, period=WEEK)
    GoalFactory(**MAY)  # the company's goal is on the goals page, not on the home
    assert [r.goal for r in goal_progress_for_user(user=personas.alice)] == [week, team]
    # The week is over on Monday 19 May.
    later = date(2025, 5, 19)
    assert [r.goal for r in goal_progress_for_user(user=personas.alice, on=later)] == [team]


def test_it_lets_managers_directors_and_admins_set_goals(personas):
    from salestrack.accounts.models import User
    from salestrack.core.tests.factories import UserFactory

    assert goal_can_set(personas.mia) and goal_can_set(personas.admin)
    assert goal_can_set(UserFactory(role=User.Role.DIRECTOR))
    assert not goal_can_set(personas.alice)
    for role in (User.Role.FINANCE, User.Role.MARKETING, User.Role.AUDITOR):
        assert not goal_can_set(UserFactory(role=role)), role


def test_its_query_count_does_not_grow_with_deals(personas):
    goals = [
        rep_goal(personas.alice, "won_amount", 1),
        rep_goal(personas.alice, "payments", 1),
        rep_goal(personas.alice, "new_customers", 1),
        rep_goal(personas.alice, "followups", 1, period=WEEK),
        GoalFactory(scope_kind="team", team=personas.team_a, **MAY),
        GoalFactory(**MAY),
    ]

    def queries():
        mia = type(personas.mia).objects.get(pk=personas.mia.pk)  # nothing cached on the user
        with CaptureQueriesContext(connection) as ctx:
            goal_list_for_user(user=mia, on=date(2025, 5, 14))
        return len(ctx.captured_queries)

    won(personas.alice, 1, at(date(2025, 5, 6)))
    few = queries()
    for i in range(15):
        won(personas.bob if i % 2 else personas.alice, 10, at(date(2025, 5, 6)) - timedelta(i))
        FollowUpFactory(customer=CustomerFactory(owner=personas.alice), occurred_at=NOW)
    assert queries() == few
    assert few <= 10, few
    assert len(goals) == 6


def test_it_turns_the_quarter_at_local_midnight(personas):
    q2 = GoalFactory(scope_kind="rep", user=personas.alice)
    q3 = GoalFactory(
        scope_kind="rep", user=personas.alice, start=date(2025, 7, 1), end=date(2025, 9, 30)
    )
    # 23:30 on 30 June in Shanghai is 15:30 UTC: still Q2, whose last day has not been worked.
    with time_machine.travel(datetime(2025, 6, 30, 23, 30, tzinfo=SHANGHAI), tick=False):
        (row,) = goal_progress_for_user(user=personas.alice)
        assert row.goal == q2 and row.expected == D("984615.38")  # 64 of 65 working days
    # 00:30 on 1 July in Shanghai is still 30 June in UTC: the local date decides.
    with time_machine.travel(datetime(2025, 7, 1, 0, 30, tzinfo=SHANGHAI), tick=False):
        (row,) = goal_progress_for_user(user=personas.alice)
        assert row.goal == q3 and row.expected == 0
        (done,) = goal_progress(user=personas.alice, goals=[q2])
        assert done.expected == q2.target and done.light == Light.RED


def test_it_lights_by_the_configured_thresholds(personas, settings):
    # Wednesday morning, 400 of 1000 expected; 380 is 5 % behind.
    won(personas.alice, 380, at(date(2025, 5, 12)))
    goal = rep_goal(personas.alice, "won_amount", 1000, period=WEEK)
    assert goal_progress(user=personas.admin, goals=[goal])[0].light == Light.GREEN
    settings.SALESTRACK_GOAL_YELLOW_PCT, settings.SALESTRACK_GOAL_RED_PCT = 5, 20
    assert goal_progress(user=personas.admin, goals=[goal])[0].light == Light.YELLOW


def test_follow_ups_planned_by_rules_are_not_follow_ups_made(personas):
    from salestrack.activities.tests.factories import FollowUpFactory

    when = at(date(2025, 5, 6))
    FollowUpFactory(customer__owner=personas.alice, occurred_at=when)
    FollowUpFactory(customer__owner=personas.alice, occurred_at=when, planned=True)
    goal = GoalFactory(
        scope_kind="rep", user=personas.alice, metric="followups", target=D(10), **MAY
    )
    assert goal_actuals(user=personas.admin, goals=[goal])[goal.pk] == 1
