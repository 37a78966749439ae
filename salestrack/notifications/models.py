"""Notifications: what a user was told (Notification), the outbox of sends still to make
(Delivery), and each user's choices (ChannelPreference, NotificationSettings)."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One event for one person. Rendered from `params` in the reader's language when shown
    or sent (events.EventType.render). `in_app` is False when the person switched the
    notification centre off for this event but still gets it by e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("event"), max_length=100)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    dedup_key = models.CharField(_("de-duplication key"), max_length=200, blank=True)
    in_app = models.BooleanField(_("in the notification centre"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            # notify(dedup_key=...): a reminder job that runs twice notifies once.
            models.UniqueConstraint(
                fields=["recipient", "event", "dedup_key"],
                condition=~Q(dedup_key=""),
                name="notifications_once_per_dedup_key",
            )
        ]
        indexes = [
            # selectors.notification_list: a user's centre, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_created"),
            # selectors.unread_count (every page's bell): unread only.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True, in_app=True),
                name="notif_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id}"


class Delivery(models.Model):
    """The outbox: one send on one channel, written in the transaction of the change and made
    by the worker (services.deliver_pending). `idempotency_key` travels with every attempt (the
    e-mail's Message-ID, the bot's key) so that a receiver can drop a repeat."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        BOT = "bot", _("Group bot")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    # Bot deliveries: the bot (bots.Bot, not a foreign key: bots is optional for this app) and
    # what to render, since no Notification row belongs to a group.
    bot_id = models.PositiveBigIntegerField(null=True, blank=True)
    event = models.CharField(_("event"), max_length=100)
    params = models.JSONField(default=dict, blank=True)
    dedup_key = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            # A group hears of one event once, however often its producer runs.
            models.UniqueConstraint(
                fields=["bot_id", "event", "dedup_key"],
                condition=Q(bot_id__isnull=False) & ~Q(dedup_key=""),
                name="notifications_bot_once_per_dedup_key",
            )
        ]
        indexes = [
            # services.delivery_claim_next: the due sends only (pending or leased).
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="delivery_due",
            ),
            # selectors.delivery_failed_list (admins' failed page).
            models.Index(
                fields=["-created_at"], condition=Q(status="failed"), name="delivery_failed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.event} ({self.status})"


class ChannelPreference(models.Model):
    """A user's choice for one event type on one channel; without a row the event type's
    default_channels decide."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences"
    )
    event = models.CharField(_("event"), max_length=100)
    channel = models.CharField(_("channel"), max_length=10)
    enabled = models.BooleanField(_("enabled"))

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event", "channel"], name="notifications_one_pref_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event} {self.channel}={self.enabled}"


class NotificationSettings(models.Model):
    """Quiet hours (TIME_ZONE's clock; start after end wraps over midnight): e-mails wait for
    their end; the notification centre is silent anyway and never delayed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.quiet_start}–{self.quiet_end}"
