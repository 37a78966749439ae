from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.decorators import admin_required
from salestrack.reminders.forms import ReminderSettingsForm
from salestrack.reminders.selectors import reminder_settings_get
from salestrack.reminders.services import is_working_day_today, reminder_settings_save


@login_required
@admin_required
def settings_edit(request):
    row = reminder_settings_get()
    form = ReminderSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        reminder_settings_save(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Reminder settings saved."))
        return redirect("reminders:settings")
    context = {
        "form": form,
        "row": row,
        "today_is_working_day": is_working_day_today(timezone.localdate()),
        "followup_at": settings.SALESTRACK_FOLLOWUP_REMINDER_AT,
        "goal_red_at": settings.SALESTRACK_GOAL_RED_AT,
    }
    return render(request, "reminders/settings.html", context)
