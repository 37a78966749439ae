from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.pipeline.models import Pipeline, Stage, StageRequirement


class PipelineForm(forms.ModelForm):
    class Meta:
        model = Pipeline
        fields = ["name", "name_en", "is_default", "is_active"]

    def _get_validation_exclusions(self):
        # pipeline_update moves the default flag atomically; the one-default constraint
        # would otherwise refuse the new default before the old one is cleared.
        return {*super()._get_validation_exclusions(), "is_default"}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_default") and cleaned.get("is_active") is False:
            self.add_error("is_active", _("The default pipeline must be active."))
        return cleaned


class StageForm(forms.ModelForm):
    requirements = forms.MultipleChoiceField(
        label=_("Exit criteria: facts required before a deal may leave this stage"),
        choices=StageRequirement.Field.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Stage
        fields = ["name", "name_en", "kind", "probability", "rot_days", "color"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["requirements"].initial = list(
                self.instance.requirements.values_list("field", flat=True)
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") != Stage.Kind.OPEN and cleaned.get("requirements"):
            self.add_error("requirements", _("Only open stages have exit criteria."))
        return cleaned
