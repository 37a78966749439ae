"""The periodic jobs: each calls its service under a lock; a run that finds the lock held
does nothing."""

import pytest
import time_machine

from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.reminders import tasks
from salestrack.reminders.tests.conftest import at, sent

pytestmark = pytest.mark.django_db


def test_the_follow_up_job_sends_and_a_locked_run_is_skipped(personas):
    FollowUpFactory(
        customer__owner=personas.alice,
        next_due_on=at(2026, 3, 10, 0, 0).date(),
        occurred_at=at(2026, 3, 1, 10, 0),
    )
    with time_machine.travel(at(2026, 3, 10, 9, 0), tick=False):
        with tasks.followup_reminders_send_task.lock:
            assert tasks.followup_reminders_send_task.call_local() is None
        assert sent() == []
        assert tasks.followup_reminders_send_task.call_local() == 1
    assert sent() == [("alice", "followup.due")]


@pytest.mark.parametrize(
    "task, expected",
    [
        (tasks.followup_reminders_send_task, 0),
        (tasks.stalled_deals_notify_task, 0),
        (tasks.daily_update_send_task, 3),  # alice, bob, charlie recorded nothing
        (tasks.red_goals_notify_task, 0),
    ],
)
def test_every_job_runs_through_its_task(personas, task, expected):
    with time_machine.travel(at(2026, 3, 10, 18, 0), tick=False):
        assert task.call_local() == expected
        assert task.call_local() == 0  # and again: nothing twice
