"""followup.due and followup.overdue: to the owner, from the morning hour, never twice."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.core.tests.factories import UserFactory
from salestrack.deals.tests.factories import DealFactory
from salestrack.notifications.events import get_event_type
from salestrack.notifications.models import Notification
from salestrack.reminders.services import followup_reminders_send
from salestrack.reminders.tests.conftest import at, sent

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 10)


def pending(owner, due, **kwargs):
    return FollowUpFactory(
        customer__owner=owner,
        customer__name=kwargs.pop("name", "华信科技"),
        next_due_on=due,
        occurred_at=at(2026, 3, 1, 10, 0),
        **kwargs,
    )


def run(hour=9, minute=0, day=10):
    with time_machine.travel(at(2026, 3, day, hour, minute), tick=False):
        return followup_reminders_send()


def test_it_reminds_owners_of_due_and_overdue_follow_ups_once(personas):
    due = pending(personas.alice, TODAY, next_step="发送报价")
    late = pending(personas.bob, date(2026, 3, 7))
    pending(personas.alice, date(2026, 3, 11))  # tomorrow: not yet
    pending(personas.alice, TODAY, done_at=timezone.now())  # done

    assert run() == 2
    assert sent() == [("alice", "followup.due"), ("bob", "followup.overdue")]
    notes = {n.event: n for n in Notification.objects.all()}
    assert notes["followup.due"].dedup_key == f"due:{due.pk}:2026-03-10"
    assert notes["followup.due"].params["next_step"] == "发送报价"
    assert notes["followup.due"].object_id == due.pk
    assert notes["followup.overdue"].dedup_key == f"overdue:{personas.bob.pk}:2026-03-10"
    assert notes["followup.overdue"].params["days_overdue"] == 3
    assert notes["followup.overdue"].params["count"] == 1
    assert notes["followup.overdue"].object_id == late.pk

    assert run(hour=9, minute=15) == 0
    assert run(hour=16) == 0
    assert Notification.objects.count() == 2


def test_overdue_ones_are_told_again_the_next_day_but_due_ones_are_not(personas):
    pending(personas.alice, TODAY)
    run()
    # the next day the same follow-up is one day overdue: once more
    assert run(day=11) == 1
    assert sent() == [("alice", "followup.due"), ("alice", "followup.overdue")]
    assert run(day=11, hour=12) == 0


def test_nothing_goes_out_before_the_morning_hour(personas, settings):
    pending(personas.alice, TODAY)
    assert run(hour=8, minute=29) == 0
    assert run(hour=8, minute=30) == 1
    settings.SALESTRACK_FOLLOWUP_REMINDER_AT = "off"
    pending(personas.bob, TODAY)
    assert run(hour=10) == 0


def test_it_skips_inactive_owners_and_trashed_deals(personas):
    gone = UserFactory(is_active=False)
    pending(gone, TODAY)
    deal = DealFactory(customer__owner=personas.alice)
    FollowUpFactory(
        customer=deal.customer, deal=deal, next_due_on=TODAY, occurred_at=at(2026, 3, 1, 10, 0)
    )
    deal.deleted_at = timezone.now()
    deal.save()
    assert run() == 0


def test_it_links_the_deal_when_there_is_one(personas):
    deal = DealFactory(customer__owner=personas.alice, title="华信 ERP 二期")
    FollowUpFactory(
        customer=deal.customer, deal=deal, next_due_on=TODAY, occurred_at=at(2026, 3, 1, 10, 0)
    )
    run()
    note = Notification.objects.get()
    assert note.params["deal"] == "华信 ERP 二期" and note.params["deal_id"] == deal.pk


def test_many_overdue_follow_ups_make_one_message_a_day_naming_the_oldest(personas):
    for day in range(1, 8):
        pending(personas.alice, date(2026, 3, day), name=f"客户{day}")
    assert run() == 1
    note = Notification.objects.get()
    assert note.params["count"] == 7 and note.object_id is None
    assert [i["customer"] for i in note.params["items"]] == [
        "客户1",
        "客户2",
        "客户3",
        "客户4",
        "客户5",
    ]
    assert note.params["items"][0]["days_overdue"] == 9
    with translation.override("en"):
        message = get_event_type("followup.overdue").render(note.params)
    assert message.title == "7 follow-ups overdue"
    assert message.text.splitlines()[0] == "· 客户1: due 2026-03-01, 9 days overdue · 发送优惠报价"
    assert message.text.splitlines()[-1] == "and 2 more"
    assert message.url == "/followups/"


def test_a_rerun_costs_four_queries_however_many_follow_ups(personas):
    for owner in (personas.alice, personas.bob, personas.charlie) * 3:
        pending(owner, TODAY)
        pending(owner, date(2026, 3, 2))
    assert run() == 12  # nine due today, three owners with overdue ones
    with CaptureQueriesContext(connection) as queries:
        assert run(minute=15) == 0
    # due today, already sent of them, overdue per owner, already sent of them
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 4
