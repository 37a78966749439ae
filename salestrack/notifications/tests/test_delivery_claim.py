"""The worker's claim: one worker per delivery, leases that end, and a worker that outlived its
lease records nothing."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from salestrack.notifications import delivery as worker
from salestrack.notifications.models import Delivery
from salestrack.notifications.tests.factories import DeliveryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("event_type")]


def test_a_claimed_delivery_is_nobody_elses_until_its_lease_ends(settings):
    settings.SALESTRACK_NOTIFY_LEASE_SECONDS = 60
    DeliveryFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        first = worker.delivery_claim_next()
        assert (first.status, first.attempts) == ("sending", 1)
        assert worker.delivery_claim_next() is None  # a second worker finds nothing
        clock.shift(datetime.timedelta(seconds=61))  # the first worker died
        again = worker.delivery_claim_next()
        assert again.pk == first.pk and again.attempts == 2


def test_a_worker_that_outlived_its_lease_records_nothing(settings, mailoutbox):
    settings.SALESTRACK_NOTIFY_LEASE_SECONDS = 60
    DeliveryFactory(notification__recipient__email="a@example.com")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        slow = worker.delivery_claim_next()
        clock.shift(datetime.timedelta(seconds=61))
        fast = worker.delivery_claim_next()
        assert worker.delivery_send(fast)
        worker.delivery_send(slow)  # sends (at-least-once) but does not overwrite the row
    row = Delivery.objects.get()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(mailoutbox) == 2
    assert {m.extra_headers["Message-ID"] for m in mailoutbox} == {
        f"<{row.idempotency_key}@salestrack>"
    }


def test_it_takes_due_deliveries_oldest_first_and_leaves_future_ones():
    later = DeliveryFactory(next_attempt_at=timezone.now() + datetime.timedelta(minutes=5))
    old = DeliveryFactory(next_attempt_at=timezone.now() - datetime.timedelta(minutes=5))
    new = DeliveryFactory()
    assert [worker.delivery_claim_next().pk for _ in range(2)] == [old.pk, new.pk]
    assert worker.delivery_claim_next() is None
    assert Delivery.objects.get(pk=later.pk).status == "pending"


def test_backoff_schedule():
    minutes = [worker.backoff(n).total_seconds() / 60 for n in range(1, 8)]
    assert minutes == [1, 5, 30, 120, 360, 360, 360]
