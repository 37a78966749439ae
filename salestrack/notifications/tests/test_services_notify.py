"""notify(): the outbox rows it writes, for whom, on which channels, and when."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import transaction

from salestrack.core.tests.factories import UserFactory
from salestrack.notifications import services
from salestrack.notifications.models import (
    ChannelPreference,
    Delivery,
    Notification,
    NotificationSettings,
)
from salestrack.notifications.tests.factories import TEST_EVENT, register_test_event

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def event_type():
    return register_test_event()


def notify(**kwargs):
    kwargs.setdefault("event", TEST_EVENT)
    kwargs.setdefault("params", {"name": "华信"})
    return services.notify(**kwargs)


@pytest.mark.django_db
def test_it_writes_a_notification_and_an_email_delivery_per_recipient(personas):
    personas.alice.email = "alice@example.com"
    personas.alice.save()
    made = notify(recipients=[personas.alice, personas.bob], obj=personas.team_a)

    assert made == 2
    alice_note = Notification.objects.get(recipient=personas.alice)
    assert alice_note.in_app and alice_note.object_id == personas.team_a.pk
    emails = Delivery.objects.filter(channel="email")
    # Bob has no e-mail address: the notification centre only.
    assert [d.notification.recipient_id for d in emails] == [personas.alice.pk]
    assert all(d.status == "pending" and d.idempotency_key for d in emails)


@pytest.mark.django_db
def test_it_leaves_out_the_actor_and_inactive_users(personas):
    personas.bob.is_active = False
    personas.bob.save()
    made = notify(
        recipients=[personas.alice, personas.bob, personas.charlie], actor=personas.charlie
    )
    assert made == 1
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["alice"]


@pytest.mark.django_db
def test_it_notifies_once_per_dedup_key(personas):
    personas.alice.email = "alice@example.com"
    personas.alice.save()
    assert notify(recipients=[personas.alice], dedup_key="followup:7:due") == 1
    assert notify(recipients=[personas.alice, personas.bob], dedup_key="followup:7:due") == 1
    assert notify(recipients=[personas.alice], dedup_key="followup:8:due") == 1
    assert notify(recipients=[personas.alice]) == 1  # no key: no de-duplication
    assert notify(recipients=[personas.alice]) == 1
    assert Notification.objects.filter(recipient=personas.alice).count() == 4
    assert Delivery.objects.filter(notification__recipient=personas.alice).count() == 4


@pytest.mark.django_db
def test_it_follows_the_users_channel_choices(personas):
    alice, bob, charlie = personas.alice, personas.bob, personas.charlie
    for user in (alice, bob, charlie):
        user.email = f"{user.username}@example.com"
        user.save()
    services.preferences_update(
        user=alice, choices={(TEST_EVENT, "email"): False}, quiet_start=None, quiet_end=None
    )
    services.preferences_update(
        user=bob, choices={(TEST_EVENT, "inapp"): False}, quiet_start=None, quiet_end=None
    )
    ChannelPreference.objects.create(user=charlie, event=TEST_EVENT, channel="inapp", enabled=False)
    ChannelPreference.objects.create(user=charlie, event=TEST_EVENT, channel="email", enabled=False)

    assert notify(recipients=[alice, bob, charlie]) == 2
    assert Notification.objects.get(recipient=alice).in_app
    assert not Notification.objects.get(recipient=bob).in_app  # e-mail only
    assert not Notification.objects.filter(recipient=charlie).exists()
    assert list(Delivery.objects.values_list("notification__recipient__username", flat=True)) == [
        "bob"
    ]


@pytest.mark.django_db
def test_it_uses_the_event_types_default_channels(personas):
    register_test_event(default_channels={"inapp"})
    personas.alice.email = "alice@example.com"
    personas.alice.save()
    notify(recipients=[personas.alice])
    assert Notification.objects.count() == 1
    assert not Delivery.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "now", "expected"),
    [
        # 22:00–07:00 wraps over midnight
        ("22:00", "07:00", "2026-11-23 23:30", "2026-11-24 07:00"),
        ("22:00", "07:00", "2026-11-24 06:59", "2026-11-24 07:00"),
        ("22:00", "07:00", "2026-11-24 07:00", None),
        ("22:00", "07:00", "2026-11-23 12:00", None),
        # 12:00–14:00 the same day
        ("12:00", "14:00", "2026-11-23 13:00", "2026-11-23 14:00"),
        ("12:00", "14:00", "2026-11-23 14:30", None),
    ],
)
def test_it_holds_emails_until_the_end_of_quiet_hours(personas, start, end, now, expected):
    alice = personas.alice
    alice.email = "alice@example.com"
    alice.save()
    NotificationSettings.objects.create(
        user=alice,
        quiet_start=datetime.time.fromisoformat(start),
        quiet_end=datetime.time.fromisoformat(end),
    )
    local_now = datetime.datetime.fromisoformat(now).replace(tzinfo=SHANGHAI)
    with time_machine.travel(local_now, tick=False):
        notify(recipients=[alice])
    delivery = Delivery.objects.get()
    if expected is None:
        assert delivery.next_attempt_at == local_now
    else:
        assert delivery.next_attempt_at == datetime.datetime.fromisoformat(expected).replace(
            tzinfo=SHANGHAI
        )
    # The notification centre is not delayed.
    assert Notification.objects.get().in_app


@pytest.mark.django_db
def test_it_writes_nothing_when_the_callers_transaction_rolls_back(personas):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[personas.alice])
        raise RuntimeError("the user's action failed")
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_it_kicks_the_worker_only_after_commit(personas, django_capture_on_commit_callbacks):
    personas.alice.email = "alice@example.com"
    personas.alice.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipients=[personas.alice])
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_it_refuses_an_unknown_event(personas):
    with pytest.raises(KeyError, match="unknown notification event"):
        services.notify(event="no.such", recipients=[personas.alice], params={})


@pytest.mark.django_db
def test_it_does_not_kick_the_worker_for_in_app_only(personas, django_capture_on_commit_callbacks):
    register_test_event(default_channels={"inapp"})
    user = UserFactory(email="x@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipients=[user])
    assert callbacks == []


@pytest.mark.django_db
def test_it_kicks_the_worker_once_per_transaction(personas, django_capture_on_commit_callbacks):
    for user in (personas.alice, personas.bob):
        user.email = f"{user.username}@example.com"
        user.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        notify(recipients=[personas.alice])
        notify(recipients=[personas.bob])
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_a_kick_rolled_back_with_its_savepoint_does_not_stand_for_a_later_one(
    personas, django_capture_on_commit_callbacks
):
    for user in (personas.alice, personas.bob):
        user.email = f"{user.username}@example.com"
        user.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                notify(recipients=[personas.alice])
                raise RuntimeError("a step that failed and was caught")
        except RuntimeError:
            pass
        notify(recipients=[personas.bob])
    assert len(callbacks) == 1
    assert list(Delivery.objects.values_list("notification__recipient__username", flat=True)) == [
        "bob"
    ]
