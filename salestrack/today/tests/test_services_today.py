from datetime import timedelta

import pytest

from salestrack.core.tests.factories import UserFactory
from salestrack.today.models import DailyList
from salestrack.today.services import daily_list_generate, daily_lists_generate
from salestrack.today.tasks import daily_lists_generate_task
from salestrack.today.tests.factories import NOW, TODAY, customer, deal, due_followup, travel

pytestmark = pytest.mark.django_db


def _world(personas, stages):
    deal(personas.alice, stage=stages["Lead"], days_in_stage=9)
    due_followup(personas.bob, due=TODAY)
    customer(personas.charlie, "A")
    gone = UserFactory(username="gone", team=personas.team_a, is_active=False)
    customer(gone, "A")


def test_the_morning_job_makes_one_list_per_active_rep_once_a_day(personas, stages):
    with travel():
        _world(personas, stages)
        assert daily_lists_generate_task.call_local() == 3
        assert daily_lists_generate_task.call_local() == 0  # idempotent per day
    lists = DailyList.objects.order_by("user__username")
    assert [(d.user.username, d.day, len(d.items)) for d in lists] == [
        ("alice", TODAY, 1),
        ("bob", TODAY, 1),
        ("charlie", TODAY, 1),
    ]
    with travel(NOW + timedelta(days=1)):
        assert daily_lists_generate() == 3  # a new day, new lists
    assert DailyList.objects.count() == 6


def test_the_morning_list_stays_until_it_is_refreshed(personas, stages):
    with travel(NOW - timedelta(hours=2)):
        _world(personas, stages)
        daily_lists_generate()
    with travel():
        later = customer(personas.alice, "A")
        assert daily_lists_generate() == 0
        morning = DailyList.objects.get(user=personas.alice)
        assert len(morning.items) == 1

        refreshed = daily_list_generate(user=personas.alice)

    assert refreshed.pk == morning.pk
    assert refreshed.generated_at == NOW
    assert {i["customer"] for i in refreshed.items} >= {later.pk}
    assert len(refreshed.items) == 2
