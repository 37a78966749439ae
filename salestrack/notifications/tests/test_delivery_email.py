"""E-mail delivery against a real SMTP server (aiosmtpd), and against one that is down."""

import datetime
import socket

import pytest
import time_machine
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from salestrack.deals.signals import deal_stage_moved
from salestrack.deals.tests.factories import DealFactory
from salestrack.notifications import services
from salestrack.notifications.delivery import MailSession, deliver_pending
from salestrack.notifications.models import Delivery
from salestrack.notifications.tests.factories import TEST_EVENT

pytestmark = pytest.mark.usefixtures("event_type")


@pytest.fixture
def mailboxes(personas):
    personas.alice.email = "alice@example.com"
    personas.alice.language = "en"
    personas.alice.save()
    personas.bob.email = "bob@example.com"
    personas.bob.language = "zh-hans"
    personas.bob.save()
    return personas


@pytest.mark.django_db
def test_it_sends_text_and_html_in_each_recipients_language(
    mailboxes, smtp, settings, django_capture_on_commit_callbacks
):
    settings.SALESTRACK_SITE_URL = "https://crm.example.com"
    with django_capture_on_commit_callbacks(execute=True):  # the kick runs deliver_pending
        services.notify(
            event=TEST_EVENT,
            recipients=[mailboxes.alice, mailboxes.bob],
            params={"name": "华信 ERP", "text": "阶段：方案 → 谈判", "url": "/deals/7/"},
        )

    assert len(smtp.raw) == 2
    by_to = {m["To"]: m for m in smtp.raw}
    deliveries = {d.notification.recipient.email: d for d in Delivery.objects.all()}
    for address, title in (
        ("alice@example.com", "Deals: 华信 ERP"),
        ("bob@example.com", "商机: 华信 ERP"),
    ):
        message = by_to[address]
        key = str(deliveries[address].idempotency_key)
        assert message["Subject"] == title
        assert message["Message-ID"] == f"<{key}@salestrack>"
        assert message["X-Salestrack-Delivery"] == key
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert "阶段：方案 → 谈判" in text and "https://crm.example.com/deals/7/" in text
        assert "<h2" in html and title in html
        lang = "en" if address.startswith("alice") else "zh-CN"
        assert f'<html lang="{lang}">' in html
        assert 'href="https://crm.example.com/deals/7/"' in html
    assert by_to["bob@example.com"]["From"] == settings.DEFAULT_FROM_EMAIL
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert all(d.sent_at for d in Delivery.objects.all())


@pytest.mark.django_db
def test_it_escapes_params_in_the_html_body(mailboxes, smtp):
    services.notify(
        event=TEST_EVENT, recipients=[mailboxes.alice], params={"text": "<script>x</script>"}
    )
    deliver_pending()
    html = smtp.raw[0].get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.fixture
def notify_mia_on_moves(personas):
    """A producer as the reminders app has one: a stage move notifies the manager."""

    def receiver(sender, deal_id, actor_id, **kwargs):
        services.notify(
            event=TEST_EVENT,
            recipients=[personas.mia],
            params={"name": f"deal {deal_id}"},
            actor=personas.alice if actor_id == personas.alice.pk else None,
        )

    deal_stage_moved.connect(receiver, dispatch_uid="test-notify-mia")
    yield
    deal_stage_moved.disconnect(dispatch_uid="test-notify-mia")


@pytest.mark.django_db
def test_a_down_smtp_server_is_retried_with_back_off_then_failed_and_never_breaks_the_action(
    personas,
    closed_smtp,
    notify_mia_on_moves,
    stages,
    client,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.SALESTRACK_NOTIFY_MAX_ATTEMPTS = 6
    personas.mia.email = "mia@example.com"
    personas.mia.save()
    deal = DealFactory(owner=personas.alice, stage=stages["Needs confirmed"])
    client.force_login(personas.alice)
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("deals:move", args=[deal.pk]),
            {"to_stage": stages["Lead"].pk, "version": deal.version},
        )
    # The user's move went through; the send failed in the worker and waits for its retry.
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == stages["Lead"]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "Connection refused" in delivery.last_error or "Errno" in delivery.last_error

    waits = []
    with time_machine.travel(start, tick=False) as clock:
        for attempt in range(2, 7):
            previous = Delivery.objects.get().next_attempt_at
            waits.append(round((previous - timezone.now()).total_seconds() / 60))
            clock.move_to(previous - datetime.timedelta(seconds=1))
            assert deliver_pending() == {"sent": 0, "failed": 0}  # not due yet
            clock.move_to(previous)
            assert deliver_pending() == {"sent": 0, "failed": 1}
            assert Delivery.objects.get().attempts == attempt
    assert waits == [1, 5, 30, 120, 360]
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == 6
    assert delivery.last_error

    client.force_login(personas.admin)
    page = client.get(reverse("notifications:failed"))
    assert page.status_code == 200
    assert delivery.last_error[:40] in page.content.decode()


@pytest.mark.django_db
def test_one_run_sends_over_one_smtp_connection_and_replaces_a_dropped_one(mailboxes, smtp):
    for _ in range(3):
        services.notify(event=TEST_EVENT, recipients=[mailboxes.alice], params={"name": "x"})
    assert deliver_pending() == {"sent": 3, "failed": 0}
    assert len(set(smtp.sessions)) == 1

    mail = MailSession()
    first, second = (
        EmailMultiAlternatives(subject=s, body="b", to=["a@example.com"]) for s in ("1", "2")
    )
    mail.send(first)
    mail.connection.connection.sock.shutdown(socket.SHUT_RDWR)  # dropped while idle
    mail.send(second)
    mail.close()
    assert [m["Subject"] for m in smtp.raw[-2:]] == ["1", "2"]
    assert smtp.sessions[-1] != smtp.sessions[-2]
