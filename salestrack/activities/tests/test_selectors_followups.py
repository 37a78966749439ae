from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import Http404

from salestrack.activities.selectors import (
    followup_count_due,
    followup_get_for_user,
    followup_pending,
)
from salestrack.activities.services import followup_mark_done
from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 00:30 in Shanghai is still the previous day in UTC: "today" must be the local date.
NOW = datetime(2025, 3, 10, 0, 30, tzinfo=SHANGHAI)
TODAY = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _due(owner, days, **kwargs):
    return FollowUpFactory(
        customer=CustomerFactory(owner=owner),
        occurred_at=NOW - timedelta(days=30),
        next_due_on=TODAY + timedelta(days=days),
        **kwargs,
    )


def test_it_groups_pending_follow_ups_by_due_date(personas):
    overdue_far, overdue = _due(personas.alice, -10), _due(personas.alice, -1)
    today = _due(personas.alice, 0)
    soon, last_day = _due(personas.alice, 1), _due(personas.alice, 7)
    assert followup_pending(user=personas.alice) == {
        "overdue": [overdue_far, overdue],
        "today": [today],
        "upcoming": [soon, last_day],
    }


def test_it_leaves_out_follow_ups_beyond_the_horizon(personas):
    next_week, later = _due(personas.alice, 8), _due(personas.alice, 20)
    assert followup_pending(user=personas.alice)["upcoming"] == []
    assert followup_pending(user=personas.alice, horizon_days=30)["upcoming"] == [
        next_week,
        later,
    ]


def test_it_leaves_out_done_and_undated_follow_ups(personas):
    done = _due(personas.alice, -1)
    followup_mark_done(followup=done, actor=personas.alice)
    FollowUpFactory(customer=CustomerFactory(owner=personas.alice), next_due_on=None)
    assert followup_pending(user=personas.alice) == {"overdue": [], "today": [], "upcoming": []}


def test_it_lists_only_the_users_own_follow_ups(personas):
    mine = _due(personas.alice, 0)
    _due(personas.bob, 0)
    _due(personas.charlie, -1)
    assert followup_pending(user=personas.alice)["today"] == [mine]
    assert followup_pending(user=personas.alice)["overdue"] == []


def test_it_does_not_show_a_manager_the_teams_follow_ups(personas):
    _due(personas.alice, 0)
    assert followup_pending(user=personas.mia) == {"overdue": [], "today": [], "upcoming": []}


def test_it_counts_the_users_due_follow_ups(personas):
    _due(personas.alice, -2)
    _due(personas.alice, 0)
    _due(personas.alice, 1)
    _due(personas.bob, 0)
    assert followup_count_due(user=personas.alice) == 2
    assert followup_count_due(user=personas.mia) == 0


def test_it_gets_a_follow_up_in_scope(personas):
    followup = _due(personas.alice, 0)
    assert followup_get_for_user(user=personas.alice, pk=followup.pk) == followup
    assert followup_get_for_user(user=personas.mia, pk=followup.pk) == followup


def test_it_hides_a_follow_up_from_an_outsider(personas):
    followup = _due(personas.alice, 0)
    for outsider in (personas.bob, personas.charlie):
        with pytest.raises(Http404):
            followup_get_for_user(user=outsider, pk=followup.pk)
