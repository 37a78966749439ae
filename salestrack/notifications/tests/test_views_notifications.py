"""The notification centre, the bell, the settings page and the admins' failed page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from salestrack.audit.models import AuditEntry
from salestrack.notifications.models import ChannelPreference, Delivery, NotificationSettings
from salestrack.notifications.tests.factories import (
    TEST_EVENT,
    DeliveryFactory,
    NotificationFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("event_type")]


def test_it_lists_only_my_notifications_unread_first(client, personas):
    old_unread = NotificationFactory(recipient=personas.alice, params={"name": "旧未读"})
    read = NotificationFactory(
        recipient=personas.alice, params={"name": "已读"}, read_at=timezone.now()
    )
    new_unread = NotificationFactory(recipient=personas.alice, params={"name": "新未读"})
    NotificationFactory(recipient=personas.charlie, params={"name": "查理的"})
    NotificationFactory(recipient=personas.alice, params={"name": "仅邮件"}, in_app=False)

    client.force_login(personas.alice)
    body = client.get(reverse("notifications:index")).content.decode()

    order = [body.index(f"商机: {n}") for n in ("新未读", "旧未读", "已读")]
    assert order == sorted(order)
    assert "查理的" not in body and "仅邮件" not in body
    assert body.count('class="unread"') == 2
    for n in (old_unread, read, new_unread):
        assert reverse("notifications:open", args=[n.pk]) in body


def test_it_renders_in_the_readers_language(client, personas):
    personas.alice.language = "en"
    personas.alice.save()
    NotificationFactory(recipient=personas.alice, params={"name": "华信"})
    client.force_login(personas.alice)
    assert "Deals: 华信" in client.get(reverse("notifications:index")).content.decode()


def test_it_paginates(client, personas):
    for i in range(25):
        NotificationFactory(recipient=personas.alice, params={"name": f"第{i:02d}条"})
    client.force_login(personas.alice)
    first = client.get(reverse("notifications:index")).content.decode()
    second = client.get(reverse("notifications:index") + "?page=2").content.decode()
    assert first.count("data-notification") == 20 and second.count("data-notification") == 5
    assert "第24条" in first and "第00条" in second


def test_opening_marks_read_and_follows_the_link(client, personas):
    note = NotificationFactory(recipient=personas.alice, params={"url": "/deals/12/"})
    client.force_login(personas.alice)
    response = client.get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response.url == "/deals/12/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_opening_never_redirects_off_site(client, personas):
    note = NotificationFactory(recipient=personas.alice, params={"url": "https://evil.example/"})
    client.force_login(personas.alice)
    response = client.get(reverse("notifications:open", args=[note.pk]))
    assert response.url == reverse("notifications:index")


@pytest.mark.parametrize("name", ["notifications:open", "notifications:read"])
def test_someone_elses_notification_is_404_and_stays_unread(client, personas, name):
    note = NotificationFactory(recipient=personas.bob)
    client.force_login(personas.alice)
    method = client.get if name.endswith("open") else client.post
    assert method(reverse(name, args=[note.pk])).status_code == 404
    client.force_login(personas.admin)
    assert method(reverse(name, args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_marking_one_read_with_htmx_answers_the_item_and_the_bell(client, personas):
    note = NotificationFactory(recipient=personas.alice)
    NotificationFactory(recipient=personas.alice)
    client.force_login(personas.alice)
    response = client.post(reverse("notifications:read", args=[note.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert f'id="notification-{note.pk}"' in body and 'class="unread"' not in body
    assert 'id="notifications-bell"' in body and 'hx-swap-oob="true"' in body
    assert "data-unread>1<" in body  # one left
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_all_read(client, personas):
    mine = [NotificationFactory(recipient=personas.alice) for _ in range(3)]
    bobs = NotificationFactory(recipient=personas.bob)
    client.force_login(personas.alice)
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert all(n.__class__.objects.get(pk=n.pk).read_at for n in mine)
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_the_bell_shows_my_unread_count_with_one_query(client, personas):
    NotificationFactory.create_batch(3, recipient=personas.alice)
    NotificationFactory(recipient=personas.alice, read_at=timezone.now())
    NotificationFactory(recipient=personas.bob)
    client.force_login(personas.alice)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("goals:index")).content.decode()
    assert 'id="notifications-bell"' in body and "data-unread>3<" in body
    counts = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()


def test_no_bell_and_no_query_for_anonymous_users(client):
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("accounts:login")).content.decode()
    assert "notifications-bell" not in body
    assert not [q for q in queries if "notifications_" in q["sql"]]


def test_the_settings_page_shows_the_matrix_with_defaults(client, personas):
    client.force_login(personas.alice)
    body = client.get(reverse("notifications:settings")).content.decode()
    assert "Ping" in body
    assert f'name="{TEST_EVENT}__inapp" checked' in body
    assert f'name="{TEST_EVENT}__email" checked' in body


def test_saving_settings_stores_choices_and_quiet_hours(client, personas):
    client.force_login(personas.alice)
    response = client.post(
        reverse("notifications:settings"),
        {f"{TEST_EVENT}__inapp": "on", "quiet_start": "22:00", "quiet_end": "07:30"},
    )
    assert response.status_code == 302
    prefs = dict(
        ChannelPreference.objects.filter(user=personas.alice, event=TEST_EVENT).values_list(
            "channel", "enabled"
        )
    )
    assert prefs == {"inapp": True, "email": False}
    quiet = NotificationSettings.objects.get(user=personas.alice)
    assert (quiet.quiet_start, quiet.quiet_end) == (datetime.time(22), datetime.time(7, 30))
    body = client.get(reverse("notifications:settings")).content.decode()
    assert f'name="{TEST_EVENT}__email" checked' not in body and 'value="22:00"' in body


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [("22:00", "", "or neither"), ("08:00", "08:00", "same time"), ("25:00", "07:00", "")],
)
def test_bad_quiet_hours_are_refused_and_nothing_is_saved(client, personas, start, end, error):
    personas.alice.language = "en"  # the messages are read in English
    personas.alice.save()
    client.force_login(personas.alice)
    response = client.post(
        reverse("notifications:settings"), {"quiet_start": start, "quiet_end": end}
    )
    assert response.status_code == 200
    assert 'class="errors"' in response.content.decode()
    assert error in response.content.decode()
    assert not ChannelPreference.objects.exists()
    assert not NotificationSettings.objects.exists()


def test_the_failed_page_is_for_admins_only(client, personas):
    DeliveryFactory(status="failed", attempts=6, last_error="SMTPServerDisconnected: gone")
    for user in (personas.alice, personas.mia):
        client.force_login(user)
        assert client.get(reverse("notifications:failed")).status_code == 403
        assert client.post(reverse("notifications:retry")).status_code == 403
    assert Delivery.objects.get().status == "failed"
    client.force_login(personas.admin)
    body = client.get(reverse("notifications:failed")).content.decode()
    assert "SMTPServerDisconnected: gone" in body and "Ping" in body


def test_retry_now_and_retry_all(client, personas, django_capture_on_commit_callbacks):
    one = DeliveryFactory(status="failed", attempts=6, last_error="x")
    DeliveryFactory.create_batch(2, status="failed", attempts=6, last_error="x")
    sent = DeliveryFactory(status="sent", attempts=1)
    client.force_login(personas.admin)
    with django_capture_on_commit_callbacks(execute=False) as kicks:
        client.post(reverse("notifications:retry"), {"id": [one.pk]})
    assert len(kicks) == 1
    one.refresh_from_db()
    assert (one.status, one.attempts) == ("pending", 0)
    assert Delivery.objects.filter(status="failed").count() == 2
    client.post(reverse("notifications:retry"))
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending", "sent"}
    sent.refresh_from_db()
    assert sent.status == "sent"
    assert AuditEntry.objects.filter(object_type="notifications.delivery").count() == 2


def test_i_can_send_myself_a_test_notification(client, personas, mailoutbox):
    personas.alice.email = "alice@example.com"
    personas.alice.save()
    client.force_login(personas.alice)
    response = client.post(reverse("notifications:send_test"), follow=True)
    assert "alice@example.com" in response.content.decode()
    note = personas.alice.notifications.get()
    assert note.event == "notifications.test" and note.in_app
    assert Delivery.objects.get().notification == note
    # The test event is no row of the settings matrix.
    body = client.get(reverse("notifications:settings")).content.decode()
    assert "notifications.test__" not in body
