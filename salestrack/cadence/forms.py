from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.activities.models import FollowUp
from salestrack.cadence.models import FollowUpRule
from salestrack.customers.models import Customer


class FollowUpRuleForm(forms.ModelForm):
    after_kinds = forms.MultipleChoiceField(
        label=_("After follow-ups of kind"),
        choices=FollowUp.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For “after a follow-up” rules."),
    )
    tiers = forms.MultipleChoiceField(
        label=_("Customer tiers"),
        choices=Customer.Tier.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = FollowUpRule
        fields = [
            "name",
            "trigger",
            "after_kinds",
            "every_days",
            "tiers",
            "followup_kind",
            "next_step",
            "due_within",
            "due_unit",
            "is_active",
        ]
        help_texts = {
            "every_days": _("For “touch every N days” rules: 1 is a daily touch."),
            "due_within": _(
                "Counted from the follow-up (or the daily run); 0 days is the same day."
            ),
        }

    def clean(self):
        cleaned = super().clean()
        trigger = cleaned.get("trigger")
        if trigger == FollowUpRule.Trigger.AFTER_FOLLOWUP and not cleaned.get("after_kinds"):
            self.add_error("after_kinds", _("Choose the kinds of follow-up that start the rule."))
        if trigger == FollowUpRule.Trigger.EVERY_DAYS and not cleaned.get("every_days"):
            self.add_error("every_days", _("Say every how many days the customer needs a touch."))
        return cleaned
