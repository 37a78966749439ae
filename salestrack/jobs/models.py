from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobFailure(models.Model):
    """A background job that failed for good (retries used up), kept until an admin clears it."""

    task_name = models.CharField(_("job"), max_length=200)
    task_id = models.CharField(_("job id"), max_length=64)
    arguments = models.TextField(_("arguments"), blank=True)
    error = models.TextField(_("error"))
    traceback = models.TextField(_("traceback"), blank=True)
    failed_at = models.DateTimeField(_("failed at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("failed job")
        verbose_name_plural = _("failed jobs")
        ordering = ["-failed_at", "-pk"]
        indexes = [models.Index(fields=["resolved_at", "-failed_at"], name="jobfailure_open_idx")]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.failed_at:%Y-%m-%d %H:%M})"
