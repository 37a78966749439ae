from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salestrack.accounts.models import User
from salestrack.core.widgets import FastSelect
from salestrack.reports.periods import KINDS, WEEKLY, last_complete, report_period
from salestrack.reports.selectors import REP, TEAM, report_reps, report_teams


def subject_choices(user: User) -> list:
    """Me, then the teams and the other reps whose report the user may open."""
    mine = [(f"{REP}:{user.pk}", _("Me (%(name)s)") % {"name": user})]
    teams = [(f"{TEAM}:{t.pk}", str(t)) for t in report_teams(user)]
    reps = [(f"{REP}:{u.pk}", str(u)) for u in report_reps(user).exclude(pk=user.pk)]
    choices = [("", mine)]
    if teams:
        choices.append((_("Teams"), teams))
    if reps:
        choices.append((_("Reps"), reps))
    return choices


class ReportPickForm(forms.Form):
    """Which report: kind, a day within the period (default: the last complete one), subject."""

    kind = forms.ChoiceField(label=_("Report"), choices=list(KINDS.items()), widget=FastSelect)
    on = forms.DateField(
        label=_("Period containing"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the last complete day, week or month."),
    )
    subject = forms.ChoiceField(label=_("For"), widget=FastSelect)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["subject"].choices = subject_choices(user)
        self.fields["kind"].initial = WEEKLY
        self.fields["subject"].initial = f"{REP}:{user.pk}"

    def clean_on(self) -> date | None:
        on = self.cleaned_data.get("on")
        if on is not None and on > timezone.localdate():
            raise forms.ValidationError(_("Choose a day that is not in the future."))
        return on

    def target(self) -> tuple[str, str, int, date]:
        """(kind, subject, subject id, period start) of the chosen report."""
        data = self.cleaned_data
        kind = data["kind"]
        subject, subject_id = data["subject"].split(":")
        on = data.get("on")
        start = (
            report_period(kind, on).start
            if on is not None
            else last_complete(kind, timezone.localdate()).start
        )
        return kind, subject, int(subject_id), start
