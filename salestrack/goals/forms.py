from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salestrack.accounts.models import Team, User
from salestrack.goals.decomposition import EQUAL, WEIGHT, WORKING_DAYS
from salestrack.goals.models import Goal
from salestrack.goals.periods import period_bounds
from salestrack.goals.progress import Light
from salestrack.goals.selectors import goal_can_set_company, goal_settable_teams

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COMPANY = "company"
MONEY = {"max_digits": 16, "decimal_places": 2}


def _subject_choices(user: User, *, reps: bool) -> list[tuple[str, str]]:
    choices = []
    if goal_can_set_company(user):
        choices.append((COMPANY, str(Goal.ScopeKind.COMPANY.label)))
    teams = list(goal_settable_teams(user))
    choices += [(f"team:{t.pk}", f"{_('Team')}: {t}") for t in teams]
    if reps:
        qs = User.objects.filter(is_active=True).order_by("team__path", "username")
        if not goal_can_set_company(user):
            qs = qs.filter(team__in=teams)
        choices += [(f"rep:{u.pk}", f"{_('Rep')}: {u}") for u in qs]
    return choices


class SubjectMixin:
    def clean_subject(self) -> tuple[str, Team | None, User | None]:
        value = self.cleaned_data["subject"]
        if value == COMPANY:
            return Goal.ScopeKind.COMPANY, None, None
        kind, _sep, pk = value.partition(":")
        if kind == "team":
            return Goal.ScopeKind.TEAM, Team.objects.get(pk=int(pk)), None
        return Goal.ScopeKind.REP, None, User.objects.get(pk=int(pk))


class PeriodPickerForm(forms.Form):
    on = forms.DateField(label=_("Date"), required=False, widget=DATE)
    kind = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("", _("All periods")), *Goal.PeriodKind.choices],
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.none(), empty_label=_("All teams")
    )
    light = forms.ChoiceField(
        label=_("Light"), required=False, choices=[("", _("All lights")), *Light.choices]
    )

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["team"].queryset = teams

    def values(self) -> tuple[date, str]:
        if not self.is_valid():
            return timezone.localdate(), ""
        return self.cleaned_data["on"] or timezone.localdate(), self.cleaned_data["kind"]

    def narrowing(self) -> dict:
        """The team and light chosen (the goals list's filters)."""
        if not self.is_valid():
            return {"team": None, "light": ""}
        return {"team": self.cleaned_data["team"], "light": self.cleaned_data["light"]}


class PlanForm(SubjectMixin, forms.Form):
    period_kind = forms.ChoiceField(
        label=_("Period"),
        choices=[(k, v) for k, v in Goal.PeriodKind.choices if k != Goal.PeriodKind.WEEK],
        initial=Goal.PeriodKind.QUARTER,
    )
    period_on = forms.DateField(
        label=_("Any day in the period"), widget=DATE, initial=timezone.localdate
    )
    subject = forms.ChoiceField(label=_("For"))
    target = forms.DecimalField(
        label=_("Target won amount (CNY)"), min_value=Decimal("0.01"), **MONEY
    )
    avg_deal_size = forms.DecimalField(
        label=_("Average deal size (CNY)"), min_value=Decimal("0.01"), **MONEY
    )
    conversion_pct = forms.DecimalField(
        label=_("Conversion rate (%)"),
        help_text=_("Share of effective contacts that end in a won deal."),
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
    )
    margin_pct = forms.DecimalField(
        label=_("Safety margin (%)"),
        help_text=_("Planned on top of the target; 15–20 % is usual."),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        initial=Decimal(0),
        required=False,
    )
    time_split = forms.ChoiceField(
        label=_("Months and weeks"),
        choices=[(EQUAL, _("Equal shares")), (WORKING_DAYS, _("By working days"))],
        initial=EQUAL,
    )
    rep_split = forms.ChoiceField(
        label=_("Reps"),
        choices=[(EQUAL, _("Equal shares")), (WEIGHT, _("By weight"))],
        initial=EQUAL,
    )
    with_activity_goals = forms.BooleanField(
        label=_("Also save weekly won-deal and contact goals"), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = _subject_choices(user, reps=False)

    def clean(self):
        data = super().clean()
        if data.get("period_kind") and data.get("period_on"):
            data["start"], data["end"] = period_bounds(data["period_kind"], data["period_on"])
        data["margin_pct"] = data.get("margin_pct") or Decimal(0)
        return data


def parse_decimal(raw: str | None) -> Decimal | None:
    try:
        value = Decimal((raw or "").replace(",", "").strip())
    except ArithmeticError:
        return None
    return value if value.is_finite() else None


class GoalForm(SubjectMixin, forms.Form):
    period_kind = forms.ChoiceField(label=_("Period"), choices=Goal.PeriodKind.choices)
    period_on = forms.DateField(
        label=_("Any day in the period"), widget=DATE, initial=timezone.localdate
    )
    subject = forms.ChoiceField(label=_("For"))
    metric = forms.ChoiceField(label=_("Metric"), choices=Goal.Metric.choices)
    target = forms.DecimalField(label=_("Target"), min_value=Decimal(0), **MONEY)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = _subject_choices(user, reps=True)

    def clean(self):
        data = super().clean()
        if data.get("period_kind") and data.get("period_on"):
            data["start"], data["end"] = period_bounds(data["period_kind"], data["period_on"])
        metric, target = data.get("metric"), data.get("target")
        money = (Goal.Metric.WON_AMOUNT, Goal.Metric.PAYMENTS)
        if metric and target is not None and metric not in money and target != int(target):
            raise ValidationError(_("Counts are whole numbers."))
        return data
