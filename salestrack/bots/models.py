from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salestrack.core.models import TimeStampedModel


class Bot(TimeStampedModel):
    """A group bot: notifications of its team's events posted to a chat group by webhook.

    `secret` is the service's signing key (DingTalk 加签, Feishu 签名校验): stored as given (the
    signature needs it), shown back only masked (`secret_hint`). `events` lists event keys of
    salestrack.notifications.events. The last_* fields record the latest delivery attempt."""

    class Kind(models.TextChoices):
        DINGTALK = "dingtalk", _("DingTalk")
        WECOM = "wecom", _("WeCom")
        FEISHU = "feishu", _("Feishu")
        SLACK = "slack", "Slack"

    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="bots"
    )
    kind = models.CharField(_("service"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    webhook_url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    events = models.JSONField(_("events"), default=list, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_delivery_at = models.DateTimeField(_("last delivery"), null=True, blank=True)
    last_delivery_ok = models.BooleanField(_("last delivery succeeded"), null=True, blank=True)
    last_delivery_detail = models.CharField(_("last answer"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("group bot")
        verbose_name_plural = _("group bots")
        ordering = ["team__path", "name", "pk"]
        indexes = [
            # selectors.bots_for_event: the enabled bots of the event's teams.
            models.Index(fields=["team", "enabled"], name="bots_bot_team_enabled"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def secret_hint(self) -> str:
        """The secret as it may be shown after saving: its first 3 and last 2 characters."""
        if not self.secret:
            return ""
        if len(self.secret) <= 8:
            return "*" * 6
        return f"{self.secret[:3]}******{self.secret[-2:]}"

    @property
    def webhook_hint(self) -> str:
        """The webhook without its query (DingTalk/WeCom keep the access token there) and with
        the last path segment shortened (Feishu/Slack keep it there)."""
        base, _sep, query = self.webhook_url.partition("?")
        head, slash, last = base.rpartition("/")
        if slash and len(last) > 8:
            base = f"{head}/{last[:4]}…"
        return f"{base}?…" if query else base
