"""Event types: what can be notified, and how each renders in the recipient's language.

Apps that produce notifications register their event types in their AppConfig.ready():

    register(EventType(key="deal.stage_changed", label=_("Stage changes"), render=render_fn))

and call `notifications.services.notify(event=..., recipients=..., params=...)` inside the
transaction of the change that causes them (the outbox). `params` is stored as JSON; `render`
turns it into a Message and is called under `translation.override(<recipient's language>)`
when the notification is shown or sent, so one event reaches each person in their language.

Field policy. Params copied from record fields a role may hide or mask (a deal's amount, the
customer's name, ...) are declared in `governed` ({param: (object_type, field)}, the names of
access.policy.GOVERNED_FIELDS), and `event_render` applies the reader's role before every render:
a hidden field's param is removed, a masked one replaced by its masked value. The same keys are
governed inside lists of dicts (e.g. the `items` of a digest). A render therefore meets missing
keys and must cope (show nothing, never "None"). Group bots are read by a whole team: they get
what the built-in "rep" role may read (`bot_permissions`).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.utils.functional import Promise

from salestrack.access.models import FieldLevel
from salestrack.access.policy import Permissions, mask_value, permissions_for

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
    # Params holding a governed field's value: {"amount": ("deal", "amount"), ...}; or a
    # function of the params giving that mapping (when the source depends on them).
    governed: Mapping[str, tuple[str, str]] | Callable[[dict], Mapping[str, tuple[str, str]]] = (
        field(default_factory=dict, hash=False)
    )

    def governed_params(self, params: dict) -> Mapping[str, tuple[str, str]]:
        return self.governed(params) if callable(self.governed) else self.governed


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


# The built-in role whose field levels group bots get (a bot speaks to a whole team).
BOT_READER_ROLE = "rep"


def bot_permissions() -> Permissions | None:
    """The field levels of the built-in "rep" role as configured now; None when it is gone."""
    reader = SimpleNamespace(
        is_authenticated=True, is_active=True, is_superuser=False, role=BOT_READER_ROLE
    )
    perms = permissions_for(reader)
    return perms if perms.role is not None else None


def params_for_reader(event_type: EventType, params: dict, perms: Permissions | None) -> dict:
    """`params` as `perms` may read them: governed params of hidden fields removed, of masked
    fields masked. `perms` None, or a user without a role (inactive, role deleted): every
    governed param removed."""
    governed = event_type.governed_params(params)
    if not governed:
        return params
    if perms is not None and perms.role is None and not perms.superuser:
        perms = None

    levels: dict[tuple[str, str], str] = {}

    def level(source: tuple[str, str]) -> str:
        if source not in levels:
            levels[source] = FieldLevel.HIDDEN if perms is None else perms.field_level(*source)
        return levels[source]

    def clean(values: dict) -> dict:
        out = {}
        for key, value in values.items():
            source = governed.get(key)
            if source is not None:
                if level(source) == FieldLevel.HIDDEN:
                    continue
                if level(source) == FieldLevel.MASKED:
                    value = mask_value(source[1], value)
            elif isinstance(value, list):
                value = [clean(item) if isinstance(item, dict) else item for item in value]
            out[key] = value
        return out

    return clean(params)


def event_render(event_type: EventType, params: dict, *, perms: Permissions | None) -> Message:
    """The one way to render an event for a reader (the centre, e-mail, bots): the field
    policy of `perms` applied to the params first (see the module docstring)."""
    return event_type.render(params_for_reader(event_type, params, perms))
