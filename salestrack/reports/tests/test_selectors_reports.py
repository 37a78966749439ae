from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from salestrack.access.models import FieldLevel, FieldPolicy, Role
from salestrack.accounts.models import User
from salestrack.core.tests.factories import UserFactory
from salestrack.goals.models import Goal
from salestrack.goals.tests.factories import GoalFactory
from salestrack.reports.periods import (
    DAILY,
    MONTHLY,
    WEEKLY,
    last_complete,
    previous_period,
    report_period,
)
from salestrack.reports.selectors import REP, TEAM, report_for
from salestrack.reports.tests.conftest import WEEK
from salestrack.reports.tests.factories import at, walked_deal


def weekly(user, subject, subject_id, start=WEEK):
    return report_for(
        user=user, subject=subject, subject_id=subject_id, kind=WEEKLY, period_start=start
    )


def test_it_counts_a_reps_week_against_the_week_before(personas, week):
    r = weekly(personas.alice, REP, personas.alice.pk)
    assert (r.period.start, r.period.end) == (date(2025, 5, 5), date(2025, 5, 11))
    assert (r.previous.start, r.previous.end) == (date(2025, 4, 28), date(2025, 5, 4))
    assert (r.created["value"], r.created["previous"]) == (2, 1)  # a1, a2 | a3
    assert (r.created_amount["value"], r.created_amount["previous"]) == (300, 50)
    assert (r.won["value"], r.won_amount["value"]) == (1, Decimal("100"))
    assert r.lost["value"] == 1  # a2, lost on Sunday 23:30
    # a1 → Needs confirmed, a1 → Won, a2 → Lost; a3's move on Monday 00:30 is next week's,
    # and a deal's first stage is not a move
    assert r.stage_moves == {"value": 3, "previous": 0, "change_pct": None}
    assert {m.stage.name_en: m.count for m in r.moves_by_stage} == {
        "Needs confirmed": 1,
        "Won": 1,
        "Lost": 1,
    }
    # 05-05 and Sunday 22:00; not the planned one, not Monday 00:10, last week's 05-01 before
    assert (r.followups["value"], r.followups["previous"]) == (2, 1)
    assert r.by_rep == []


def test_a_team_report_adds_up_its_reps_and_ranks_them_by_won_amount(personas, week):
    r = weekly(personas.mia, TEAM, personas.team_a.pk)
    assert r.created["value"] == 3  # a1, a2, b1 (not Charlie's team B)
    assert r.won_amount["value"] == Decimal("400")
    assert r.stage_moves["value"] == 4
    assert [(row.label, row.won, row.won_amount) for row in r.by_rep] == [
        (str(personas.bob), 1, Decimal("300")),
        (str(personas.alice), 1, Decimal("100")),
    ]
    department = weekly(personas.mia, TEAM, personas.department.pk)
    assert department.created["value"] == 4  # with Charlie's c1: the subtree


def test_a_day_and_a_month_have_their_own_boundaries(personas, stages, week):
    walked_deal(personas.alice, stages, [("Lead", at(4, 30, 23, 50))])
    walked_deal(personas.alice, stages, [("Lead", at(5, 1, 0, 10))])
    day = report_for(
        user=personas.alice,
        subject=REP,
        subject_id=personas.alice.pk,
        kind=DAILY,
        period_start=date(2025, 5, 9),
    )
    assert (day.won["value"], day.stage_moves["value"], day.created["value"]) == (1, 1, 0)
    assert day.previous.start == date(2025, 5, 8)
    april = report_for(
        user=personas.alice,
        subject=REP,
        subject_id=personas.alice.pk,
        kind=MONTHLY,
        period_start=date(2025, 4, 17),  # any day of the month
    )
    assert (april.period.start, april.period.end) == (date(2025, 4, 1), date(2025, 4, 30))
    assert april.previous.start == date(2025, 3, 1)
    assert april.created["value"] == 1  # 04-30 23:50 only; 05-01 00:10 is May's


def test_periods_are_iso_weeks_and_calendar_months():
    assert report_period(WEEKLY, date(2025, 5, 11)).start == date(2025, 5, 5)  # Sunday → Monday
    assert report_period(WEEKLY, date(2024, 12, 31)).end == date(2025, 1, 5)  # across a year
    assert previous_period(MONTHLY, report_period(MONTHLY, date(2025, 3, 31))).end == date(
        2025, 2, 28
    )
    assert last_complete(WEEKLY, date(2025, 5, 12)).start == date(2025, 5, 5)  # on a Monday
    assert last_complete(MONTHLY, date(2025, 1, 1)).start == date(2024, 12, 1)
    assert last_complete(DAILY, date(2025, 5, 14)).start == date(2025, 5, 13)


def test_goals_covering_the_period_come_with_their_light(personas, week):
    a = personas.alice
    week_goal = GoalFactory(
        period_kind=Goal.PeriodKind.WEEK,
        start=date(2025, 5, 5),
        end=date(2025, 5, 11),
        scope_kind=Goal.ScopeKind.REP,
        user=a,
        target=Decimal("200"),
    )
    month_goal = GoalFactory(
        period_kind=Goal.PeriodKind.MONTH,
        start=date(2025, 5, 1),
        end=date(2025, 5, 31),
        scope_kind=Goal.ScopeKind.REP,
        user=a,
        metric=Goal.Metric.WON_COUNT,
        target=Decimal("1"),
    )
    GoalFactory(  # next week: does not cover the report
        period_kind=Goal.PeriodKind.WEEK,
        start=date(2025, 5, 12),
        end=date(2025, 5, 18),
        scope_kind=Goal.ScopeKind.REP,
        user=a,
    )
    GoalFactory(  # Bob's: another subject
        period_kind=Goal.PeriodKind.WEEK,
        start=date(2025, 5, 5),
        end=date(2025, 5, 11),
        scope_kind=Goal.ScopeKind.REP,
        user=personas.bob,
    )
    r = weekly(a, REP, a.pk)
    assert [g.goal for g in r.goals] == [week_goal, month_goal]
    progress = {g.goal.pk: g for g in r.goals}
    # the week is over: 100 of 200 expected is 50 % behind → red
    assert progress[week_goal.pk].actual == Decimal("100")
    assert progress[week_goal.pk].light == "red"
    assert progress[month_goal.pk].light == "green"  # 1 won deal of 1
    assert r.light == "red"  # the worst light


def test_a_rep_sees_only_their_own_report(personas, week):
    with pytest.raises(Http404):
        weekly(personas.alice, REP, personas.bob.pk)
    with pytest.raises(Http404):
        weekly(personas.alice, TEAM, personas.team_a.pk)
    with pytest.raises(Http404):
        weekly(personas.mia, REP, personas.admin.pk)  # outside the department
    auditor = UserFactory(role=User.Role.AUDITOR, team=personas.team_a)
    with pytest.raises(PermissionDenied):
        weekly(auditor, REP, auditor.pk)


def test_money_is_left_out_where_the_role_hides_the_amount(personas, week):
    FieldPolicy.objects.update_or_create(
        role=Role.objects.get(key=personas.mia.role),
        object_type="deal",
        field="amount",
        defaults={"level": FieldLevel.HIDDEN},
    )
    r = weekly(personas.mia, TEAM, personas.team_a.pk)
    assert not r.amounts_visible
    assert r.won_amount is None and r.created_amount is None
    assert r.won["value"] == 2
    assert [row.won_amount for row in r.by_rep] == [None, None]
