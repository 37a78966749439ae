from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.access.bulk_views import BulkForm
from salestrack.access.models import FieldLevel
from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.customers.models import Customer
from salestrack.hygiene.services import MERGE_FIELDS


class SelectionForm(BulkForm):
    """Only the selected ids (checkboxes): archive / unarchive change nothing else."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        del self.fields["owner"]


def _shown(customer: Customer, name: str) -> str:
    display = getattr(customer, f"get_{name}_display", None)
    value = display() if display else getattr(customer, name)
    return "—" if value in (None, "") else str(value)


class MergeForm(forms.Form):
    """Which of the two customers survives and, per field where they differ, whose value."""

    survivor = forms.TypedChoiceField(label=_("Keep"), coerce=int, widget=forms.RadioSelect)
    first_version = forms.IntegerField(widget=forms.HiddenInput)
    second_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, first: Customer, second: Customer, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.first, self.second = first, second
        self.fields["survivor"].choices = [
            (first.pk, f"#{first.pk} {first.name}"),
            (second.pk, f"#{second.pk} {second.name}"),
        ]
        self.fields["survivor"].initial = first.pk
        self.fields["first_version"].initial = first.version
        self.fields["second_version"].initial = second.version
        perms = permissions_for(user)
        self.field_names = []
        for name in MERGE_FIELDS:
            a, b = _shown(first, name), _shown(second, name)
            if a == b or perms.field_level("customer", name) != FieldLevel.EDIT:
                continue
            self.fields[f"take_{name}"] = forms.ChoiceField(
                label=Customer._meta.get_field(name).verbose_name,
                choices=[("first", a), ("second", b)],
                initial="first",
                widget=forms.RadioSelect,
            )
            self.field_names.append(name)

    def value_fields(self):
        return [self[f"take_{name}"] for name in self.field_names]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        keep_first = data["survivor"] == self.first.pk
        other = "second" if keep_first else "first"
        return {
            "survivor": self.first if keep_first else self.second,
            "merged": self.second if keep_first else self.first,
            "survivor_version": data["first_version" if keep_first else "second_version"],
            "merged_version": data["second_version" if keep_first else "first_version"],
            "fields_from_merged": [n for n in self.field_names if data[f"take_{n}"] == other],
        }
