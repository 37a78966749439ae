from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.reminders.models import ReminderSettings


class ReminderSettingsForm(forms.ModelForm):
    class Meta:
        model = ReminderSettings
        fields = ["daily_enabled", "daily_at"]
        widgets = {"daily_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        error_messages = {"daily_at": {"invalid": _("Enter a time of day such as 17:00.")}}
