"""daily.update: at or after the admin's time, on working days (holidays and 调休 make-up days
from the working-day calendar), to active reps who recorded no follow-up today; once a day."""

from datetime import date, time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.core.tests.factories import UserFactory
from salestrack.goals.tests.factories import WorkCalendarDayFactory
from salestrack.notifications.models import Notification
from salestrack.reminders.models import ReminderSettings
from salestrack.reminders.selectors import reminder_settings_get
from salestrack.reminders.services import daily_update_send
from salestrack.reminders.tests.conftest import at, recipients

pytestmark = pytest.mark.django_db


def run(day=10, hour=17, minute=0):
    with time_machine.travel(at(2026, 3, day, hour, minute), tick=False):
        return daily_update_send()


def test_it_reminds_reps_without_a_follow_up_today_once(personas):
    FollowUpFactory(customer__owner=personas.alice, occurred_at=at(2026, 3, 10, 11, 0))
    assert run(hour=16, minute=59) == 0
    assert run() == 2
    # managers and admins are not asked for a daily log
    assert recipients("daily.update") == {"bob", "charlie"}
    note = Notification.objects.filter(recipient=personas.bob).get()
    assert note.dedup_key == "daily:2026-03-10" and note.params == {"date": "2026-03-10"}
    assert run(minute=5) == 0
    assert run(hour=23, minute=55) == 0
    assert Notification.objects.count() == 2


def test_a_follow_up_recorded_today_about_an_earlier_contact_counts(personas):
    # entered today (created_at now) for a call made yesterday
    with time_machine.travel(at(2026, 3, 10, 9, 0), tick=False):
        FollowUpFactory(customer__owner=personas.bob, occurred_at=at(2026, 3, 9, 15, 0))
    run()
    assert recipients("daily.update") == {"alice", "charlie"}


def test_planned_follow_ups_and_yesterdays_do_not_count(personas):
    with time_machine.travel(at(2026, 3, 10, 5, 0), tick=False):
        FollowUpFactory(
            customer__owner=personas.alice, occurred_at=at(2026, 3, 10, 5, 0), planned=True
        )
    with time_machine.travel(at(2026, 3, 9, 18, 0), tick=False):
        FollowUpFactory(customer__owner=personas.bob, occurred_at=at(2026, 3, 9, 18, 0))
    run()
    assert recipients("daily.update") == {"alice", "bob", "charlie"}


def test_inactive_reps_are_skipped(personas):
    UserFactory(username="left", is_active=False, team=personas.team_a)
    run()
    assert "left" not in recipients("daily.update")


def test_weekends_and_holidays_are_quiet_but_make_up_days_are_not(personas):
    assert run(day=14) == 0  # Saturday
    assert run(day=15) == 0  # Sunday
    WorkCalendarDayFactory(date=date(2026, 3, 10), is_workday=False, name="假日")
    assert run(day=10) == 0
    WorkCalendarDayFactory(date=date(2026, 3, 14), is_workday=True, name="调休")
    assert run(day=14) == 3
    assert set(Notification.objects.values_list("dedup_key", flat=True)) == {"daily:2026-03-14"}


def test_the_admin_sets_the_time_and_can_switch_it_off(personas):
    row = reminder_settings_get()
    assert (row.daily_enabled, row.daily_at) == (True, time(17, 0))
    ReminderSettings.objects.filter(pk=row.pk).update(daily_at=time(18, 30))
    assert run(hour=18, minute=25) == 0
    assert run(hour=18, minute=30) == 3
    ReminderSettings.objects.filter(pk=row.pk).update(daily_enabled=False)
    assert run(day=11, hour=19) == 0


def test_the_next_working_day_is_a_new_reminder(personas):
    run()
    assert run(day=11) == 3
    assert Notification.objects.filter(recipient=personas.alice).count() == 2


def test_later_runs_of_the_day_cost_one_query(personas):
    assert run() == 3
    with CaptureQueriesContext(connection) as queries:
        assert run(hour=18) == 0
    assert len([q for q in queries.captured_queries if q["sql"].startswith("SELECT")]) == 1
    assert reminder_settings_get().daily_sent_on == date(2026, 3, 10)


def test_a_failed_run_leaves_the_day_unclaimed(personas, monkeypatch):
    from salestrack.reminders import services

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "notify", broken)
    with pytest.raises(RuntimeError):
        run()
    monkeypatch.undo()
    assert reminder_settings_get().daily_sent_on is None
    assert run(minute=5) == 3
