"""The worker side of the outbox: claim a due Delivery, render it, send it, record the outcome.

Guarantee. Each step is its own short transaction: claim (status → sending, a lease until
claimed_until, attempts + 1), then the send outside any transaction, then mark sent (or
schedule the retry). A worker killed between two of these steps loses nothing: the row is
still pending, or leased and taken again once the lease ends. A worker killed during the send
itself (after the receiver got the message, before "sent" was written) causes one repeat
after the lease: sending is at-least-once, and every attempt of a delivery carries the same
idempotency key (e-mail Message-ID `<key@salestrack>` and header X-Salestrack-Delivery; the
bots' idempotency_key), so it is exactly-once for a receiver that drops repeated keys.
Two workers never send the same delivery at once: the claim is a compare-and-set UPDATE.
"""

import contextlib
import datetime
import logging
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from salestrack.access.policy import Permissions, permissions_for
from salestrack.notifications.events import Message, bot_permissions, event_render, get_event_type
from salestrack.notifications.models import Delivery

logger = logging.getLogger("salestrack.jobs")

# Minutes to wait after the 1st, 2nd, ... failed attempt (the last one repeats).
BACKOFF_MINUTES = (1, 5, 30, 120, 360)


class PermanentError(Exception):
    """A send that cannot succeed later (the bot or the event type is gone): failed at once."""


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def absolute_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.SALESTRACK_SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def render_message(
    *, event: str, params: dict, language: str, perms: Permissions | None
) -> Message:
    """The event rendered in `language` as `perms` may read it (events.event_render), its url
    absolute."""
    try:
        event_type = get_event_type(event)
    except KeyError as exc:
        raise PermanentError(str(exc)) from None
    with translation.override(language):
        message = event_render(event_type, params, perms=perms)
    return Message(
        title=str(message.title),
        text=str(message.text),
        url=absolute_url(message.url),
        html=str(message.html),
    )


def delivery_claim_next(*, now: datetime.datetime | None = None) -> Delivery | None:
    """Take the next due delivery for this worker, or None. Due: pending with its time come,
    or sending with a lease that ran out (its worker died). Compare-and-set on the status and
    lease read, so of two workers only one gets it."""
    lease = datetime.timedelta(seconds=settings.SALESTRACK_NOTIFY_LEASE_SECONDS)
    for _ in range(10):  # another worker may win the race for a candidate: try the next
        now = now or timezone.now()
        candidate = (
            Delivery.objects.filter(
                Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
                | Q(status=Delivery.Status.SENDING, claimed_until__lt=now)
            )
            .order_by("next_attempt_at", "pk")
            .values("pk", "status", "claimed_until", "attempts")
            .first()
        )
        if candidate is None:
            return None
        until = now + lease
        won = Delivery.objects.filter(
            pk=candidate["pk"],
            status=candidate["status"],
            claimed_until=candidate["claimed_until"],
            attempts=candidate["attempts"],
        ).update(
            status=Delivery.Status.SENDING,
            claimed_until=until,
            attempts=candidate["attempts"] + 1,
        )
        if won:
            return Delivery.objects.select_related("notification__recipient").get(
                pk=candidate["pk"]
            )
        now = None
    return None


class MailSession:
    """One SMTP connection for a run of the worker (opened on the first e-mail, closed at the
    end) instead of a connection per message. A failure closes it; a reused connection that
    fails is replaced once at once (the server may have dropped it while idle)."""

    def __init__(self):
        self.connection = None

    def _open(self):
        self.connection = get_connection(fail_silently=False)
        self.connection.open()

    def send(self, email: EmailMultiAlternatives) -> None:
        reused = self.connection is not None
        try:
            if not reused:
                self._open()
            self.connection.send_messages([email])
            return
        except Exception:
            self.close()
            if not reused:
                raise
        try:
            self._open()
            self.connection.send_messages([email])
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):  # a broken connection: nothing left to close
                self.connection.close()
            self.connection = None


def send_email(delivery: Delivery, mail: MailSession | None = None) -> None:
    notification = delivery.notification
    user = notification.recipient
    if not user.email:
        raise PermanentError("the recipient has no e-mail address")
    message = render_message(
        event=delivery.event,
        params=delivery.params,
        language=user.language,
        perms=permissions_for(user),
    )
    key = str(delivery.idempotency_key)
    context = {
        "message": message,
        "user": user,
        "language": user.language,
        "site_url": settings.SALESTRACK_SITE_URL,
    }
    with translation.override(user.language):
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
    email = EmailMultiAlternatives(
        subject=message.title.replace("\n", " ")[:200],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Message-ID": f"<{key}@salestrack>", "X-Salestrack-Delivery": key},
    )
    email.attach_alternative(html, "text/html")
    if mail is not None:
        mail.send(email)
        return
    mail = MailSession()
    try:
        mail.send(email)
    finally:
        mail.close()


def send_bot(delivery: Delivery, mail: MailSession | None = None) -> None:
    try:
        from salestrack.bots import senders
        from salestrack.bots.models import Bot
    except ImportError:
        raise PermanentError("group bots are not installed") from None
    bot = Bot.objects.filter(pk=delivery.bot_id).first()
    if bot is None:
        raise PermanentError(f"bot {delivery.bot_id} no longer exists")
    message = render_message(
        event=delivery.event,
        params=delivery.params,
        language=bot.language,
        perms=bot_permissions(),
    )
    senders.send(bot, message, idempotency_key=str(delivery.idempotency_key))


SENDERS = {Delivery.Channel.EMAIL: send_email, Delivery.Channel.BOT: send_bot}


def delivery_send(delivery: Delivery, *, mail: MailSession | None = None) -> bool:
    """Send a claimed delivery and record the outcome; True when sent. Only rows still under
    this worker's lease are updated (a worker that outlived its lease records nothing)."""
    mine = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.SENDING, claimed_until=delivery.claimed_until
    )
    try:
        SENDERS[delivery.channel](delivery, mail)
    except Exception as exc:  # any failure of the channel: SMTP, HTTP, rendering
        permanent = isinstance(exc, PermanentError)
        give_up = permanent or delivery.attempts >= settings.SALESTRACK_NOTIFY_MAX_ATTEMPTS
        error = f"{type(exc).__name__}: {exc}"[:2000]
        now = timezone.now()
        mine.update(
            status=Delivery.Status.FAILED if give_up else Delivery.Status.PENDING,
            next_attempt_at=now if give_up else now + backoff(delivery.attempts),
            claimed_until=None,
            last_error=error,
        )
        logger.warning(
            "delivery %s (%s) attempt %s failed%s: %s",
            delivery.pk,
            delivery.channel,
            delivery.attempts,
            ", giving up" if give_up else "",
            error,
        )
        return False
    mine.update(status=Delivery.Status.SENT, sent_at=timezone.now(), claimed_until=None)
    return True


def deliver_pending(*, budget_seconds: float = 50.0) -> dict[str, int]:
    """Send the due deliveries one at a time until none is due or `budget_seconds` passed
    (the next run, a minute later, goes on). Returns counts of sent and failed attempts."""
    started = time.monotonic()
    done = {"sent": 0, "failed": 0}
    mail = MailSession()
    try:
        while time.monotonic() - started < budget_seconds:
            delivery = delivery_claim_next()
            if delivery is None:
                break
            done["sent" if delivery_send(delivery, mail=mail) else "failed"] += 1
    finally:
        mail.close()
    return done
