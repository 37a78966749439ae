from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salestrack.access.forms import OwnerFilterForm
from salestrack.activities.models import FollowUp


class FollowUpForm(forms.ModelForm):
    occurred_at = forms.DateTimeField(
        label=_("time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    class Meta:
        model = FollowUp
        fields = [
            "kind",
            "occurred_at",
            "customer_words",
            "summary",
            "next_step",
            "next_due_on",
            "resources_needed",
        ]
        widgets = {
            "next_due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "customer_words": forms.Textarea(attrs={"rows": 2}),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["next_due_on"].help_text = _("When should the next touch happen?")

    def clean(self):
        cleaned = super().clean()
        occurred, due = cleaned.get("occurred_at"), cleaned.get("next_due_on")
        if occurred and occurred > timezone.now() + timezone.timedelta(minutes=5):
            self.add_error("occurred_at", _("A follow-up cannot happen in the future."))
        if occurred and due and due < timezone.localdate(occurred):
            self.add_error("next_due_on", _("The next follow-up cannot be due before this one."))
        if cleaned.get("next_step") and not due:
            self.add_error("next_due_on", _("Give the next step a due date."))
        return cleaned


class FollowUpFilterForm(OwnerFilterForm):
    """Filters of the follow-up export: a date range of when they happened, type, owner."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(
        label=_("type"), choices=[("", _("Any")), *FollowUp.Kind.choices], required=False
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return cleaned

    def selector_kwargs(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "kind": data["kind"],
            "owner_id": data["owner"].pk if data["owner"] else None,
        }
