from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.bots.models import Bot
from salestrack.bots.network import TargetRefused, check_target
from salestrack.bots.services import SIGNED_KINDS
from salestrack.notifications.events import event_types


class BotForm(forms.ModelForm):
    """Input shape only; services.bot_create / bot_update check the target and the team again."""

    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "DingTalk 加签 (starts with SEC) or Feishu 签名校验; empty if the bot has none. "
            "WeCom and Slack do not sign."
        ),
    )
    clear_secret = forms.BooleanField(label=_("Remove the stored secret"), required=False)
    webhook_url = forms.URLField(
        label=_("Webhook address"),
        max_length=500,
        assume_scheme="https",
        # a text area: the whole address stays readable (and the row spans the form)
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "inputmode": "url"}),
        help_text=_(
            "The address the service gave when the bot was added to the group; https only."
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events posted to the group"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Bot
        fields = ["team", "kind", "name", "webhook_url", "secret", "language", "events", "enabled"]

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["team"].empty_label = None
        self.fields["events"].choices = [(e.key, e.label) for e in event_types()]
        if self.instance.pk and self.instance.events:
            self.initial["events"] = list(self.instance.events)
        if self.instance.pk and self.instance.secret:
            self.fields["secret"].help_text = _(
                "Stored: %(hint)s. Leave empty to keep it, or type a new one."
            ) % {"hint": self.instance.secret_hint}
        else:
            del self.fields["clear_secret"]

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"].strip()
        try:
            check_target(url)
        except TargetRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        keeps = bool(self.instance.pk and self.instance.secret and not cleaned.get("clear_secret"))
        if kind and kind not in SIGNED_KINDS and (cleaned.get("secret") or keeps):
            self.add_error(
                "secret", _("Only DingTalk and Feishu sign their webhooks: leave the secret empty.")
            )
        return cleaned
