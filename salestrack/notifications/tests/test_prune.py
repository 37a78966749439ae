"""notification_prune_task: what is done and older than SALESTRACK_NOTIFY_KEEP_DAYS goes."""

import datetime

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from salestrack.notifications.models import Delivery, Notification
from salestrack.notifications.tasks import notification_prune_task
from salestrack.notifications.tests.factories import DeliveryFactory, NotificationFactory

DAY = datetime.timedelta(days=1)


@pytest.mark.django_db
def test_it_removes_what_is_done_and_old_and_keeps_the_rest(settings):
    settings.SALESTRACK_NOTIFY_KEEP_DAYS = 90
    old = timezone.now() - 91 * DAY

    def aged(obj):
        type(obj).objects.filter(pk=obj.pk).update(created_at=old)
        return obj

    done = aged(DeliveryFactory(status="sent", sent_at=old)).notification
    aged(done)
    in_app_only = aged(NotificationFactory())
    failed = aged(DeliveryFactory(status="failed")).notification
    aged(failed)
    pending = aged(DeliveryFactory(status="pending")).notification
    aged(pending)
    recent = DeliveryFactory(status="sent", sent_at=timezone.now()).notification
    old_bot = DeliveryFactory(
        notification=None, params={}, channel="bot", bot_id=1, status="sent", sent_at=old
    )
    new_bot = DeliveryFactory(
        notification=None, params={}, channel="bot", bot_id=1, status="sent", sent_at=timezone.now()
    )

    assert notification_prune_task.call_local() == (2, 1)

    assert set(Notification.objects.values_list("pk", flat=True)) == {
        failed.pk,
        pending.pk,
        recent.pk,
    }
    assert not Delivery.objects.filter(pk=old_bot.pk).exists()
    assert Delivery.objects.filter(pk=new_bot.pk).exists()
    assert in_app_only.pk not in set(Notification.objects.values_list("pk", flat=True))
    assert notification_prune_task.call_local() == (0, 0)


def test_it_is_scheduled_nightly_at_twenty_past_three():
    due = {t.name for t in HUEY.read_periodic(datetime.datetime(2026, 11, 23, 3, 20))}
    assert "notification_prune_task" in due
