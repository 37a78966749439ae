from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.customers.models import Customer


class PoolFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    tier = forms.ChoiceField(
        label=_("Tier"), choices=[("", _("All tiers")), *Customer.Tier.choices], required=False
    )

    def selector_kwargs(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {"q": self.cleaned_data["q"], "tier": self.cleaned_data["tier"]}


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Why give it up?"), max_length=300, required=False)
