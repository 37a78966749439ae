import factory
from django.utils import timezone

from salestrack.core.tests.factories import UserFactory
from salestrack.notifications.events import EventType, Message, register
from salestrack.notifications.models import Delivery, Notification

TEST_EVENT = "test.ping"


def render_ping(params: dict) -> Message:
    from django.utils.translation import gettext

    return Message(
        title=gettext("Deals") + f": {params.get('name', '')}",
        text=params.get("text", "") or gettext("Customers"),
        url=params.get("url", "/deals/"),
    )


def register_test_event(default_channels=frozenset({"inapp", "email"})) -> EventType:
    """A test event type (in-app and e-mail by default); its title is translated with an
    existing catalogue msgid so the language of a rendering can be checked."""
    from salestrack.notifications import events

    events._REGISTRY.pop(TEST_EVENT, None)
    return register(
        EventType(
            key=TEST_EVENT,
            label="Ping",
            render=render_ping,
            default_channels=frozenset(default_channels),
        )
    )


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    event = TEST_EVENT
    params = factory.LazyFunction(lambda: {"name": "华信", "url": "/deals/"})


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    channel = Delivery.Channel.EMAIL
    notification = factory.SubFactory(NotificationFactory)
    event = TEST_EVENT
    params = factory.LazyAttribute(lambda o: o.notification.params)
    next_attempt_at = factory.LazyFunction(timezone.now)
