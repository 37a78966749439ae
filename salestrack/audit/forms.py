import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry


class AuditFilterForm(forms.Form):
    actor = forms.ModelChoiceField(
        label=_("User"),
        queryset=User.objects.order_by("username"),
        required=False,
        error_messages={"invalid_choice": _("There is no such user.")},
    )
    object_type = forms.ChoiceField(
        label=_("Record type"),
        required=False,
        error_messages={"invalid_choice": _("No entry has the record type “%(value)s”.")},
    )
    object_id = forms.CharField(label=_("Record id"), required=False, max_length=64)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Any action")), *AuditEntry.Action.choices],
        error_messages={"invalid_choice": _("“%(value)s” is not a known action.")},
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, object_types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("Any type"))] + [(t, t) for t in object_types]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def selector_kwargs(self) -> dict:
        """Filters for audit_search; dates are whole local days, `until` included."""
        data = self.cleaned_data
        since, until = data.get("since"), data.get("until")
        return {
            "actor_id": data["actor"].pk if data.get("actor") else None,
            "object_type": data.get("object_type") or "",
            "object_id": data.get("object_id") or "",
            "action": data.get("action") or "",
            "since": _day_start(since) if since else None,
            "until": _day_start(until + datetime.timedelta(days=1)) if until else None,
        }


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
