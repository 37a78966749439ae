from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.access.models import FieldLevel, Role, Scope
from salestrack.access.policy import (
    ACTIONS,
    CAPABILITIES,
    GOVERNED_FIELDS,
    OBJECT_TYPE_LABELS,
    OBJECT_TYPES,
    SCOPED_TYPES,
    allowed_levels,
)
from salestrack.core.widgets import FastSelect

CAPABILITY_LABELS = {
    "manage_settings": _("Manage settings (pipelines, roles, users, trash)"),
    "view_audit": _("Read the audit trail"),
    "view_analytics": _("See analytics"),
    "handover": _("Hand over a colleague's records"),
}
ACTION_LABELS = {
    "create": _("Create"),
    "edit": _("Edit"),
    "delete": _("Delete"),
    "export": _("Export"),
    "bulk": _("Bulk operations"),
}


class RoleRulesForm(forms.Form):
    """One field per rule key of access.role_services.role_rules (cap.*, <type>.<action>, …)."""

    name = forms.CharField(label=_("Name"), max_length=60)

    def __init__(self, *args, rules: dict, model_labels: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for capability in CAPABILITIES:
            self.fields[f"cap.{capability}"] = forms.BooleanField(
                label=CAPABILITY_LABELS[capability], required=False
            )
        for kind in OBJECT_TYPES:
            if kind in SCOPED_TYPES:
                self.fields[f"{kind}.scope"] = forms.ChoiceField(
                    label=_("Scope"), choices=Scope.choices, widget=FastSelect
                )
            for action in ACTIONS:
                self.fields[f"{kind}.{action}"] = forms.BooleanField(
                    label=ACTION_LABELS[action], required=False
                )
            for name in GOVERNED_FIELDS[kind]:
                levels = allowed_levels(name)
                self.fields[f"{kind}.field.{name}"] = forms.ChoiceField(
                    label=model_labels[kind].get(name, name),
                    choices=[(v, FieldLevel(v).label) for v in levels],
                    widget=FastSelect,
                )
        self.initial = {**rules, **self.initial}

    def rules(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("name", None)
        return data

    def sections(self) -> list[dict]:
        """The form laid out per record type for the template."""
        return [
            {
                "label": OBJECT_TYPE_LABELS[kind],
                "scope": self[f"{kind}.scope"] if kind in SCOPED_TYPES else None,
                "actions": [self[f"{kind}.{a}"] for a in ACTIONS],
                "fields": [self[f"{kind}.field.{n}"] for n in GOVERNED_FIELDS[kind]],
            }
            for kind in OBJECT_TYPES
        ]

    def capabilities(self) -> list:
        return [self[f"cap.{c}"] for c in CAPABILITIES]


class RoleCreateForm(forms.Form):
    key = forms.SlugField(
        label=_("Key"), max_length=20, help_text=_("Latin letters, digits and dashes.")
    )
    name = forms.CharField(label=_("Name"), max_length=60)
    copy_from = forms.ModelChoiceField(
        label=_("Start from"), queryset=Role.objects.all(), empty_label=None, widget=FastSelect
    )
