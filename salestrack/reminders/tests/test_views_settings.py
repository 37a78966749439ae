"""/reminders/settings/: administrators set the daily reminder's time and switch; others 403."""

from datetime import time

import pytest
import time_machine
from django.urls import reverse

from salestrack.audit.models import AuditEntry
from salestrack.goals.tests.factories import WorkCalendarDayFactory
from salestrack.reminders.models import ReminderSettings
from salestrack.reminders.tests.conftest import at

pytestmark = pytest.mark.django_db
URL = reverse("reminders:settings")


def test_an_admin_sees_and_changes_the_daily_reminder(client, personas):
    client.force_login(personas.admin)
    page = client.get(URL)
    assert page.status_code == 200
    assert 'value="17:00"' in page.content.decode()

    response = client.post(URL, {"daily_at": "18:15"})  # the checkbox unticked: off
    assert response.status_code == 302
    row = ReminderSettings.objects.get()
    assert (row.daily_enabled, row.daily_at, row.updated_by) == (
        False,
        time(18, 15),
        personas.admin,
    )
    entry = AuditEntry.objects.get(object_type="reminders.remindersettings")
    assert entry.actor == personas.admin
    assert set(entry.changes) == {"daily_enabled", "daily_at"}


def test_a_bad_time_is_refused_with_a_message_and_nothing_changes(client, personas):
    client.force_login(personas.admin)
    client.get(URL)
    response = client.post(URL, {"daily_enabled": "on", "daily_at": "25:99"})
    assert response.status_code == 200
    assert response.context["form"].errors["daily_at"]
    assert ReminderSettings.objects.get().daily_at == time(17, 0)
    assert not AuditEntry.objects.filter(object_type="reminders.remindersettings").exists()


@pytest.mark.parametrize("who", ["alice", "mia"])
def test_reps_and_managers_may_not(client, personas, who):
    client.force_login(getattr(personas, who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"daily_enabled": "on", "daily_at": "09:00"}).status_code == 403
    assert not ReminderSettings.objects.exists()


def test_anonymous_users_are_sent_to_the_login(client):
    assert client.get(URL).status_code == 302


def test_the_page_says_whether_today_is_a_working_day(client, personas):
    personas.admin.language = "en"
    personas.admin.save()
    client.force_login(personas.admin)
    with time_machine.travel(at(2026, 3, 14, 10, 0), tick=False):  # a Saturday
        assert "Today is not a working day" in client.get(URL).content.decode()
        WorkCalendarDayFactory(date=at(2026, 3, 14, 0, 0).date(), is_workday=True, name="调休")
        assert "Today is a working day." in client.get(URL).content.decode()
