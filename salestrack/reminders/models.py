from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SINGLETON_ID = 1


class ReminderSettings(models.Model):
    """The administrator's settings of the reminders: one row (pk 1), created on first read
    (reminders.selectors.reminder_settings_get), changed by reminder_settings_save."""

    daily_enabled = models.BooleanField(
        _("send the daily update reminder"),
        default=True,
        help_text=_(
            "On working days, reps who have recorded no follow-up today are reminded to do so."
        ),
    )
    daily_at = models.TimeField(
        _("daily update reminder at"),
        default=time(17, 0),
        help_text=_("Local time; sent within five minutes after it."),
    )
    # The day the daily update reminder went out (daily_update_send claims the day with a
    # conditional UPDATE, so the rest of the day's runs cost one query).
    daily_sent_on = models.DateField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pk=SINGLETON_ID), name="remindersettings_singleton"
            )
        ]

    def __str__(self) -> str:
        return str(_("Reminder settings"))
