from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from salestrack.access.scope import visible_users
from salestrack.accounts.models import User
from salestrack.analytics.access import analytics_teams
from salestrack.analytics.filters import CUSTOM, DEFAULT_PERIOD, AnalyticsFilters, build_filters
from salestrack.analytics.selectors import Drill
from salestrack.analytics.selectors.common import (
    BLANK_KEY,
    FIGURES,
    GROUP_LABELS,
    STAGE_FIGURES,
    group_readable,
)
from salestrack.core.widgets import FastSelect
from salestrack.goals.selectors import goal_queryset
from salestrack.pipeline.models import Pipeline, Stage

PERIOD_CHOICES = [
    ("this_month", _("This month")),
    ("last_month", _("Last month")),
    ("this_quarter", _("This quarter")),
    ("last_quarter", _("Last quarter")),
    ("this_year", _("This year")),
    ("last_year", _("Last year")),
    (CUSTOM, _("Custom dates")),
]
MAX_CUSTOM_DAYS = 3660


class AnalyticsFilterForm(forms.Form):
    """Period, pipeline, team (with its sub-teams) and rep. Values the user may not choose
    (another team's rep, an unknown pipeline) are refused with the field's message."""

    period = forms.ChoiceField(
        label=_("Period"), choices=PERIOD_CHOICES, required=False, widget=FastSelect
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=None, required=False, widget=FastSelect
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False, widget=FastSelect)
    rep = forms.ModelChoiceField(label=_("Rep"), queryset=None, required=False, widget=FastSelect)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["pipeline"].queryset = Pipeline.objects.filter(is_active=True)
        self.fields["pipeline"].empty_label = None
        self.fields["team"].queryset = analytics_teams(user)
        self.fields["rep"].queryset = visible_users(user).order_by("username")

    def clean(self):
        data = super().clean()
        if data.get("period") == CUSTOM:
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Enter both dates of a custom period."))
            if end < start:
                raise forms.ValidationError(_("The period ends before it starts."))
            if (end - start).days > MAX_CUSTOM_DAYS:
                raise forms.ValidationError(_("Choose a period of at most ten years."))
        return data

    def to_filters(self) -> AnalyticsFilters:
        """Only after is_valid()."""
        data = self.cleaned_data
        return build_filters(
            preset=data.get("period") or DEFAULT_PERIOD,
            start=data.get("start"),
            end=data.get("end"),
            pipeline=data.get("pipeline"),
            team=data.get("team"),
            rep=data.get("rep"),
            history_count=settings.SALESTRACK_ANALYTICS_HISTORY_PERIODS,
        )


class BreakdownForm(forms.Form):
    by = forms.ChoiceField(label=_("By"), choices=list(GROUP_LABELS.items()))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_by(self) -> str:
        by = self.cleaned_data["by"]
        if not group_readable(self.user, by):
            raise forms.ValidationError(_("Your role may not read this field."))
        return by


class DrillForm(BreakdownForm):
    """Which figure's deals to list (see analytics.selectors.common.FIGURES)."""

    figure = forms.ChoiceField(label=_("Figure"), choices=list(FIGURES.items()))
    compare = forms.ChoiceField(
        label=_("Period"),
        choices=[("current", _("This period")), ("previous", _("Previous period"))],
        required=False,
    )
    stage = forms.IntegerField(label=_("Stage"), required=False)
    by = forms.ChoiceField(label=_("By"), choices=list(GROUP_LABELS.items()), required=False)
    key = forms.CharField(label=_("Value"), required=False, max_length=200)
    goal = forms.IntegerField(label=_("Goal"), required=False)

    def __init__(self, *args, filters: AnalyticsFilters | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters = filters

    def clean_by(self) -> str:
        return super().clean_by() if self.cleaned_data.get("by") else ""

    def clean(self):
        data = super().clean()
        figure = data.get("figure")
        if figure in STAGE_FIGURES:
            stage = None
            if data.get("stage") is not None and self.filters is not None:
                stage = Stage.objects.filter(
                    pk=data["stage"], pipeline=self.filters.pipeline
                ).first()
            if stage is None:
                self.add_error("stage", _("Choose a stage of the pipeline."))
            data["stage_obj"] = stage
        if figure == "goal":
            goal = None
            if data.get("goal") is not None:
                goal = goal_queryset(user=self.user).filter(pk=data["goal"]).first()
            if goal is None:
                self.add_error("goal", _("Choose a goal you may see."))
            data["goal_obj"] = goal
        if data.get("by"):
            key = data.get("key") or ""
            if not key:
                self.add_error("key", _("Give the value of the row (“-” for not set)."))
            elif data["by"] in ("rep", "team") and key != BLANK_KEY and not key.isdigit():
                self.add_error("key", _("Give the id of the rep or team."))
        return data

    def to_drill(self) -> Drill:
        data = self.cleaned_data
        return Drill(
            figure=data["figure"],
            previous=data.get("compare") == "previous",
            stage=data.get("stage_obj"),
            by=data.get("by") or "",
            key=data.get("key") or "",
            goal=data.get("goal_obj"),
        )
