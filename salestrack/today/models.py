from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyList(models.Model):
    """A rep's daily follow-up list as generated (in the morning, or on Refresh).

    `items` is a JSON list, best first; each item has the deal and/or customer id, the reasons
    (due follow-up, stalled, A customer to touch) and the score with its terms
    (salestrack.today.selectors.today_items). Names, amounts and next steps are not copied:
    the page loads them through access.scope, so they stay current and masked for the viewer.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    day = models.DateField(_("day"))
    items = models.JSONField(_("items"), default=list)
    generated_at = models.DateTimeField(_("generated at"))

    class Meta:
        verbose_name = _("daily follow-up list")
        verbose_name_plural = _("daily follow-up lists")
        constraints = [
            # one list per rep and day (daily_list_generate updates it in place); its index also
            # serves the page's lookup by user and day
            models.UniqueConstraint(fields=["user", "day"], name="today_dailylist_user_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.day:%Y-%m-%d}"
