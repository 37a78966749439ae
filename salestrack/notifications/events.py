"""Event types: what can be notified, and how each renders in the recipient's language.

Apps that produce notifications register their event types in their AppConfig.ready():

    register(EventType(key="deal.stage_changed", label=_("Stage changes"), render=render_fn))

and call `notifications.services.notify(event=..., recipients=..., params=...)` inside the
transaction of the change that causes them (the outbox). `params` is stored as JSON; `render`
turns it into a Message and is called under `translation.override(<recipient's language>)`
when the notification is shown or sent, so one event reaches each person in their language.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise

CHANNEL_INAPP = "inapp"
CHANNEL_EMAIL = "email"
USER_CHANNELS = (CHANNEL_INAPP, CHANNEL_EMAIL)


@dataclass(frozen=True)
class Message:
    """One rendered notification. `url` is a path in the app ("/deals/12/"), made absolute
    by the channel that needs it (e-mail, bots); `html` is optional (e-mail builds it from
    `text` when empty) and is inserted as it is: escape every value in it (format_html)."""

    title: str
    text: str
    url: str = ""
    html: str = ""


@dataclass(frozen=True)
class EventType:
    key: str
    label: str | Promise
    render: Callable[[dict], Message]
    default_channels: frozenset[str] = field(default_factory=lambda: frozenset({CHANNEL_INAPP}))
    group: str | Promise = ""
    # The user channels this event may use (the settings matrix shows only these).
    channels: tuple[str, ...] = USER_CHANNELS
    # False: not a row of the settings matrix (e.g. the test notification a user sends themself).
    in_settings: bool = True


_REGISTRY: dict[str, EventType] = {}


def register(event_type: EventType) -> EventType:
    """Add an event type (idempotent for the same key and render function)."""
    existing = _REGISTRY.get(event_type.key)
    if existing is not None and existing.render is not event_type.render:
        raise ValueError(f"event type {event_type.key!r} is already registered")
    _REGISTRY[event_type.key] = event_type
    return event_type


def get_event_type(key: str) -> EventType:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown notification event {key!r}") from None


def event_types() -> list[EventType]:
    return sorted(
        _REGISTRY.values(), key=lambda event_type: (str(event_type.group), event_type.key)
    )
