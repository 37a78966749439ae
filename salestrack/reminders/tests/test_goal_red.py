"""goal.red: a running rep goal whose light is red to the rep, a team goal to its manager;
once per goal and ISO week."""

from datetime import date
from decimal import Decimal

import pytest

from salestrack.deals.tests.factories import DealFactory
from salestrack.goals.models import Goal
from salestrack.goals.tests.factories import GoalFactory
from salestrack.notifications.models import Notification
from salestrack.reminders.services import red_goals_notify
from salestrack.reminders.tests.conftest import at, sent

pytestmark = pytest.mark.django_db
Q1 = {"period_kind": Goal.PeriodKind.QUARTER, "start": date(2026, 1, 1), "end": date(2026, 3, 31)}


@pytest.fixture
def goals(personas, stages):
    DealFactory(
        customer__owner=personas.bob,
        stage=stages["Won"],
        amount=Decimal("900000"),
        closed_at=at(2026, 2, 1, 10, 0),
    )
    return {
        "alice": GoalFactory(**Q1, scope_kind="rep", user=personas.alice),  # nothing won: red
        "bob": GoalFactory(**Q1, scope_kind="rep", user=personas.bob),  # 900k of ~700k: green
        "team_b": GoalFactory(**Q1, scope_kind="team", team=personas.team_b),  # red
        "company": GoalFactory(**Q1, target=Decimal("100000000")),  # red, but no one person
        "next_q": GoalFactory(
            period_kind="quarter",
            start=date(2026, 4, 1),
            end=date(2026, 6, 30),
            scope_kind="rep",
            user=personas.alice,
        ),
    }


def test_red_goals_go_to_the_rep_or_the_team_manager_once_a_week(personas, goals):
    assert red_goals_notify(today=date(2026, 3, 10)) == 2
    assert sent() == [("alice", "goal.red"), ("mia", "goal.red")]
    alice = Notification.objects.get(recipient=personas.alice)
    assert alice.object_id == goals["alice"].pk
    assert alice.dedup_key == f"goal.red:{goals['alice'].pk}:2026-W11"
    assert alice.params["actual"] == "0" and alice.params["behind_pct"] == 100
    assert alice.params["is_money"] is True and alice.params["subject"] == "艾丽丝"
    assert Notification.objects.get(recipient=personas.mia).params["subject"] == "杭州二组"

    assert red_goals_notify(today=date(2026, 3, 13)) == 0  # same ISO week
    assert red_goals_notify(today=date(2026, 3, 16)) == 2  # next week, still red
    assert Notification.objects.count() == 4


def test_the_first_day_of_a_period_is_never_red(personas, goals):
    # nothing is expected before the first working day is over
    assert red_goals_notify(today=date(2026, 4, 1)) == 0
