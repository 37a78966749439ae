"""Group-bot deliveries: one per subscribed bot of the teams, sent by the worker to a real
local HTTP receiver (the bots app's `bot_receiver` fixture, see conftest) in the bot's
language, with the idempotency key."""

import pytest

from salestrack.bots.tests.factories import BotFactory
from salestrack.notifications import services
from salestrack.notifications.delivery import deliver_pending
from salestrack.notifications.models import Delivery
from salestrack.notifications.tests.factories import TEST_EVENT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("event_type")]


def notify(personas, **kwargs):
    kwargs.setdefault("params", {"name": "华信 ERP", "url": "/deals/3/"})
    return services.notify(event=TEST_EVENT, recipients=[personas.alice], **kwargs)


def test_it_queues_one_delivery_per_subscribed_bot_of_the_teams(personas):
    a1 = BotFactory(team=personas.team_a, events=[TEST_EVENT])
    a2 = BotFactory(team=personas.team_a, events=[TEST_EVENT, "other.event"])
    BotFactory(team=personas.team_a, events=["other.event"])  # not subscribed
    BotFactory(team=personas.team_a, events=[TEST_EVENT], enabled=False)
    BotFactory(team=personas.team_b, events=[TEST_EVENT])  # another team

    notify(personas, team_ids=[personas.team_a.pk, personas.team_a.pk])

    bots = Delivery.objects.filter(channel="bot")
    assert sorted(bots.values_list("bot_id", flat=True)) == sorted([a1.pk, a2.pk])
    assert all(d.notification_id is None and d.event == TEST_EVENT for d in bots)


def test_a_bot_hears_of_an_event_once_per_dedup_key(personas):
    bot = BotFactory(team=personas.team_a, events=[TEST_EVENT])
    notify(personas, team_ids=[personas.team_a.pk], dedup_key="deal:3:won")
    notify(personas, team_ids=[personas.team_a.pk], dedup_key="deal:3:won")
    notify(personas, team_ids=[personas.team_a.pk], dedup_key="deal:4:won")
    assert Delivery.objects.filter(channel="bot", bot_id=bot.pk).count() == 2


def test_the_worker_posts_in_the_bots_language_with_the_idempotency_key(
    personas, bot_receiver, settings
):
    settings.SALESTRACK_SITE_URL = "https://crm.example.com"
    english = BotFactory(
        team=personas.team_a,
        kind="slack",
        webhook_url=bot_receiver.url("/slack"),
        language="en",
        events=[TEST_EVENT],
    )
    bot_receiver.answer_as("slack")
    notify(personas, team_ids=[personas.team_a.pk])

    assert deliver_pending() == {"sent": 1, "failed": 0}
    delivery = Delivery.objects.get(bot_id=english.pk)
    assert delivery.status == "sent"
    [request] = bot_receiver.requests
    assert request.headers["x-salestrack-delivery"] == str(delivery.idempotency_key)
    body = request.body.decode()
    assert "Deals: 华信 ERP" in body and "https://crm.example.com/deals/3/" in body


def test_a_failing_webhook_is_retried_later_with_its_error(personas, bot_receiver):
    BotFactory(
        team=personas.team_a,
        kind="slack",
        webhook_url=bot_receiver.url("/slack"),
        events=[TEST_EVENT],
    )
    bot_receiver.respond(status=500, body="boom")
    notify(personas, team_ids=[personas.team_a.pk])

    assert deliver_pending() == {"sent": 0, "failed": 1}
    delivery = Delivery.objects.get(channel="bot")
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "500" in delivery.last_error
    assert deliver_pending() == {"sent": 0, "failed": 0}  # its retry is a minute away


def test_a_deleted_bot_fails_at_once(personas):
    bot = BotFactory(team=personas.team_a, events=[TEST_EVENT])
    notify(personas, team_ids=[personas.team_a.pk])
    bot.delete()
    deliver_pending()
    delivery = Delivery.objects.get(channel="bot")
    assert delivery.status == "failed" and "no longer exists" in delivery.last_error
