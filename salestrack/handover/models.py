from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HandOver(models.Model):
    """One hand-over (离职交接): every customer, deal and open follow-up of `from_user` moved to
    `to_user` in one action. Written only by handover.services.handover_execute."""

    # PROTECT: the log is the reason a departed user's row is kept (as OwnedModel.owner).
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over from"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), default=timezone.now, editable=False)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    deals = models.PositiveIntegerField(_("deals"), default=0)
    followups = models.PositiveIntegerField(_("open follow-ups"), default=0)
    deactivated = models.BooleanField(_("account deactivated"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user}"
