"""Writes of the notifications app: notify() (the outbox), read marks, preferences, retries.

Sending is not here: the worker (delivery.py) makes the sends that notify() queued.
"""

import datetime
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from salestrack.accounts.models import User
from salestrack.audit.services import audit_record
from salestrack.notifications.events import (
    CHANNEL_EMAIL,
    CHANNEL_INAPP,
    get_event_type,
)
from salestrack.notifications.models import (
    ChannelPreference,
    Delivery,
    Notification,
    NotificationSettings,
)


def _bots_for_event(*, team_ids: list[int], event: str) -> list:
    """The group bots subscribed to `event` in these teams; none while the bots app has no
    selector (it is built separately)."""
    if not team_ids:
        return []
    try:
        from salestrack.bots.selectors import bots_for_event
    except ImportError:
        return []
    return list(bots_for_event(team_ids=team_ids, event=event))


def channel_enabled_map(*, users: Iterable[User], event: str) -> dict[tuple[int, str], bool]:
    """(user id, channel) → enabled, for the users' explicit choices on `event`."""
    rows = ChannelPreference.objects.filter(
        user__in=[u.pk for u in users], event=event
    ).values_list("user_id", "channel", "enabled")
    return {(user_id, channel): enabled for user_id, channel, enabled in rows}


def quiet_until(
    *, start: datetime.time | None, end: datetime.time | None, now: datetime.datetime
) -> datetime.datetime | None:
    """The end of the quiet hours `now` falls in (an aware datetime), or None when `now` is
    outside them. Local clock (TIME_ZONE); start > end wraps over midnight; start == end or a
    missing bound means no quiet hours."""
    if start is None or end is None or start == end:
        return None
    local = timezone.localtime(now)
    clock = local.time()
    if start < end:
        quiet = start <= clock < end
        end_day = local.date()
    else:
        quiet = clock >= start or clock < end
        end_day = local.date() if clock < end else local.date() + datetime.timedelta(days=1)
    if not quiet:
        return None
    naive = datetime.datetime.combine(end_day, end)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def _create_once(model, **fields):
    """Create a row, or None when a dedup unique constraint says it already exists (a savepoint,
    so the caller's transaction goes on)."""
    try:
        with transaction.atomic():
            return model.objects.create(**fields)
    except IntegrityError:
        return None


def notify(
    *,
    event: str,
    recipients: Iterable[User],
    params: dict,
    obj: models.Model | None = None,
    team_ids: Iterable[int] = (),
    dedup_key: str = "",
    actor: User | None = None,
) -> int:
    """Queue one notification per recipient (minus the actor and inactive users) and one bot
    delivery per subscribed team bot.

    Runs inside the caller's transaction (the outbox): the rows are written now and the worker
    is kicked with transaction.on_commit, so a rollback sends nothing and a crash after the
    commit loses nothing. `params` must be JSON-serialisable. With a non-empty `dedup_key`, a
    second call with the same (event, recipient, dedup_key) does nothing for that recipient
    (and the same (bot, event, dedup_key) nothing for that bot). Returns the number of
    notifications created.
    """
    event_type = get_event_type(event)
    now = timezone.now()
    people = {}
    for user in recipients:
        if user is None or not user.is_active:
            continue
        if actor is not None and user.pk == actor.pk:
            continue
        people[user.pk] = user
    if dedup_key and people:
        seen = Notification.objects.filter(
            recipient__in=list(people), event=event, dedup_key=dedup_key
        ).values_list("recipient_id", flat=True)
        for user_id in seen:
            people.pop(user_id, None)

    content_type = ContentType.objects.get_for_model(obj) if obj is not None else None
    object_id = obj.pk if obj is not None else None
    choices = channel_enabled_map(users=people.values(), event=event)
    quiet = {
        s.user_id: s
        for s in NotificationSettings.objects.filter(user__in=list(people))
        if s.quiet_start is not None and s.quiet_end is not None
    }

    def wants(user_id: int, channel: str) -> bool:
        if channel not in event_type.channels:
            return False
        return choices.get((user_id, channel), channel in event_type.default_channels)

    created = 0
    queued = False
    for user_id, user in people.items():
        in_app = wants(user_id, CHANNEL_INAPP)
        email = bool(user.email) and wants(user_id, CHANNEL_EMAIL)
        if not (in_app or email):
            continue
        notification = _create_once(
            Notification,
            recipient=user,
            event=event,
            params=params,
            content_type=content_type,
            object_id=object_id,
            dedup_key=dedup_key,
            in_app=in_app,
        )
        if notification is None:
            continue
        created += 1
        if email:
            settings_row = quiet.get(user_id)
            later = (
                quiet_until(start=settings_row.quiet_start, end=settings_row.quiet_end, now=now)
                if settings_row
                else None
            )
            Delivery.objects.create(
                channel=Delivery.Channel.EMAIL,
                notification=notification,
                event=event,
                params=params,
                dedup_key=dedup_key,
                next_attempt_at=later or now,
            )
            queued = queued or later is None

    bots = {bot.pk: bot for bot in _bots_for_event(team_ids=list(team_ids), event=event)}
    for bot in bots.values():
        delivery = _create_once(
            Delivery,
            channel=Delivery.Channel.BOT,
            bot_id=bot.pk,
            event=event,
            params=params,
            dedup_key=dedup_key,
            next_attempt_at=now,
        )
        queued = queued or delivery is not None

    if queued:
        _kick_worker_after_commit()
    return created


def _kick_worker_after_commit() -> None:
    """Enqueue the worker once per transaction, however many notify() calls it makes (a
    reminder job notifies hundreds of people in one). robust: a queue that is down is logged,
    never raised into the user's request; the minute's run delivers anyway."""
    connection = transaction.get_connection()
    # An earlier kick counts if it belongs to this savepoint or an enclosing one (one that is
    # rolled back only together with ours); Django keeps (savepoint ids, func, robust) entries.
    here = set(getattr(connection, "savepoint_ids", []))
    for entry in getattr(connection, "run_on_commit", []):
        if entry[1] is _kick_worker and set(entry[0]) <= here:
            return
    transaction.on_commit(_kick_worker, robust=True)


def _kick_worker() -> None:
    from salestrack.notifications.tasks import deliver_pending_task

    deliver_pending_task()


@transaction.atomic
def notification_mark_read(*, user: User, pk: int) -> Notification | None:
    """Mark one of the user's notifications read; None when it is not theirs."""
    notification = Notification.objects.filter(recipient=user, pk=pk, in_app=True).first()
    if notification is None:
        return None
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, in_app=True, read_at=None).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preferences_update(
    *,
    user: User,
    choices: dict[tuple[str, str], bool],
    quiet_start: datetime.time | None,
    quiet_end: datetime.time | None,
) -> None:
    """Store the user's channel matrix ((event, channel) → enabled) and quiet hours.

    A choice equal to the event type's default is stored too (so a later change of the default
    does not flip what the user saw and chose)."""
    for (event, channel), enabled in choices.items():
        ChannelPreference.objects.update_or_create(
            user=user, event=event, channel=channel, defaults={"enabled": enabled}
        )
    NotificationSettings.objects.update_or_create(
        user=user, defaults={"quiet_start": quiet_start, "quiet_end": quiet_end}
    )


@transaction.atomic
def delivery_retry(*, actor: User, pks: Iterable[int] | None = None) -> int:
    """Queue failed deliveries again (all failed ones when `pks` is None), now, with a fresh
    allowance of attempts. The idempotency key stays: a receiver that got an earlier attempt
    after all still sees one message."""
    qs = Delivery.objects.filter(status=Delivery.Status.FAILED)
    if pks is not None:
        qs = qs.filter(pk__in=list(pks))
    ids = list(qs.values_list("pk", flat=True))
    if not ids:
        return 0
    count = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        claimed_until=None,
    )
    audit_record(
        actor=actor,
        action="update",
        object_type="notifications.delivery",
        object_id=ids[0] if len(ids) == 1 else None,
        object_label=f"retry {count} failed deliveries",
        changes={"status": ["failed", "pending"]},
        extra={"deliveries": ids},
    )
    _kick_worker_after_commit()
    return count


def notification_send_test(*, user: User) -> int:
    """A test notification to the user themself, by their channel settings (the settings
    page's button). Returns 1 when something was queued."""
    from salestrack.notifications.messages import TEST_EVENT

    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    with transaction.atomic():
        return notify(event=TEST_EVENT, recipients=[user], params={"when": when})


@transaction.atomic
def notification_prune(*, keep_days: int) -> tuple[int, int]:
    """Forget what is done and older than `keep_days`: notifications created before then whose
    deliveries all went out (with those deliveries), and bot deliveries sent before then.
    Pending and failed deliveries and their notifications stay. A dedup key is forgotten with
    its notification, so keys should name their day (a reminder job does). Returns (the
    notifications, the bot deliveries) removed."""
    cutoff = timezone.now() - datetime.timedelta(days=keep_days)
    unfinished = Delivery.objects.filter(notification=models.OuterRef("pk")).exclude(
        status=Delivery.Status.SENT
    )
    old = Notification.objects.filter(created_at__lt=cutoff).exclude(models.Exists(unfinished))
    ids = list(old.values_list("pk", flat=True))
    Delivery.objects.filter(notification__in=ids).delete()
    notifications = Notification.objects.filter(pk__in=ids).delete()[0]
    bots = Delivery.objects.filter(
        channel=Delivery.Channel.BOT, status=Delivery.Status.SENT, sent_at__lt=cutoff
    ).delete()[0]
    return notifications, bots
