"""Reads of the notifications app: a user's centre, the unread count, the settings matrix and
the failed deliveries (admins)."""

from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.notifications.events import (
    CHANNEL_EMAIL,
    CHANNEL_INAPP,
    EventType,
    Message,
    event_render,
    event_types,
    get_event_type,
)
from salestrack.notifications.models import (
    ChannelPreference,
    Delivery,
    Notification,
    NotificationSettings,
)


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notification centre: unread first, newest first."""
    qs = Notification.objects.filter(recipient=user, in_app=True)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by(F("read_at").asc(nulls_first=True), "-created_at", "-pk")


def unread_count(*, user: User) -> int:
    """The bell's number: one COUNT on the partial index notif_unread."""
    return Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).count()


def notification_message(notification: Notification, *, user: User) -> Message:
    """The notification rendered in the active language for `user` (its recipient: the role's
    field policy applied, see events.event_render); a neutral text for an event type that is no
    longer registered (its app was removed)."""
    try:
        event_type = get_event_type(notification.event)
    except KeyError:
        return Message(title=_("Notification"), text="", url="")
    try:
        return event_render(event_type, notification.params, perms=permissions_for(user))
    except Exception:  # a producer's render must not take the whole centre down
        return Message(title=str(event_type.label), text="", url="")


@dataclass
class PreferenceCell:
    channel: str
    applies: bool
    enabled: bool


@dataclass
class PreferenceRow:
    event_type: EventType
    cells: list[PreferenceCell]


CHANNELS = (CHANNEL_INAPP, CHANNEL_EMAIL)


def preference_matrix(*, user: User) -> list[PreferenceRow]:
    """Each registered event type × the user channels: the user's choice, else the default."""
    chosen = {(p.event, p.channel): p.enabled for p in ChannelPreference.objects.filter(user=user)}
    rows = []
    for event_type in event_types():
        if not event_type.in_settings:
            continue
        cells = []
        for channel in CHANNELS:
            applies = channel in event_type.channels
            default = channel in event_type.default_channels
            cells.append(
                PreferenceCell(
                    channel=channel,
                    applies=applies,
                    enabled=applies and chosen.get((event_type.key, channel), default),
                )
            )
        rows.append(PreferenceRow(event_type=event_type, cells=cells))
    return rows


def notification_settings_get(*, user: User) -> NotificationSettings:
    return NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)


def delivery_failed_list() -> QuerySet[Delivery]:
    """Admins' failed page: newest first, with the recipient for the e-mails."""
    return (
        Delivery.objects.filter(status=Delivery.Status.FAILED)
        .select_related("notification__recipient")
        .order_by("-created_at", "-pk")
    )


def bot_names(bot_ids) -> dict[int, str]:
    """Names of group bots by id (the failed page); empty while the bots app has no models."""
    ids = {pk for pk in bot_ids if pk}
    if not ids:
        return {}
    try:
        from salestrack.bots.models import Bot
    except ImportError:
        return {}
    return {bot.pk: str(bot) for bot in Bot.objects.filter(pk__in=ids)}


def delivery_label(deliveries) -> None:
    """Set `event_label` (the event type's name) and `bot_name` on each delivery."""
    names = bot_names([d.bot_id for d in deliveries])
    for delivery in deliveries:
        try:
            delivery.event_label = get_event_type(delivery.event).label
        except KeyError:
            delivery.event_label = delivery.event
        delivery.bot_name = names.get(delivery.bot_id, f"#{delivery.bot_id}")
