from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.customers.models import Customer


class TierOverrideForm(forms.Form):
    tier = forms.ChoiceField(label=_("Tier"), choices=Customer.Tier.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
