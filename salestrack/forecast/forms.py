from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.access.scope import visible_users
from salestrack.accounts.models import User
from salestrack.core.widgets import FastSelect
from salestrack.forecast.selectors import ForecastFilters, forecast_teams
from salestrack.pipeline.models import Pipeline


class ForecastFilterForm(forms.Form):
    """Pipeline, team (with its sub-teams) and rep; teams and reps limited to what the viewer
    may see, so a value outside that is a validation error."""

    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.objects.all(),
        required=False,
        empty_label=_("All pipelines"),
        widget=FastSelect,
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False, widget=FastSelect)
    rep = forms.ModelChoiceField(label=_("Rep"), queryset=None, required=False, widget=FastSelect)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = forecast_teams(user)
        self.fields["rep"].queryset = visible_users(user).order_by("username")

    def to_filters(self) -> ForecastFilters:
        """The filters; call after is_valid(). No filter at all for an unbound form."""
        if not self.is_bound:
            return ForecastFilters()
        data = self.cleaned_data
        return ForecastFilters(
            pipeline=data.get("pipeline"), team=data.get("team"), owner=data.get("rep")
        )
