from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.access.forms import OwnerFilterForm
from salestrack.accounts.models import User
from salestrack.core.widgets import FastSelect
from salestrack.risks.models import ReviewDecision, RiskFlag
from salestrack.risks.selectors import RiskFilters, review_teams


class RiskFilterForm(OwnerFilterForm):
    """Team (with its sub-teams) and owner, limited to what the viewer may see."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False, widget=FastSelect)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["team"].queryset = review_teams(user)

    def to_filters(self) -> RiskFilters:
        if not self.is_valid():
            return RiskFilters()
        return RiskFilters(team=self.cleaned_data.get("team"), owner=self.cleaned_data.get("owner"))


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ReviewDecision.Decision.choices, widget=FastSelect
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class RiskFlagForm(forms.Form):
    kind = forms.ChoiceField(label=_("Risk"), choices=RiskFlag.Kind.choices, widget=FastSelect)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
