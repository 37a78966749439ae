from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from salestrack.accounts.models import User
from salestrack.core.widgets import FastSelect
from salestrack.handover.selectors import handover_from_users, handover_to_users


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        label = f"{obj} ({obj.get_username()})"
        if not obj.is_active:
            return gettext("%(user)s — inactive") % {"user": label}
        return label


class HandOverForm(forms.Form):
    """Who hands over to whom: leavers may be inactive already; the taker must be active."""

    from_user = UserChoiceField(
        label=_("Hand over from"),
        queryset=User.objects.none(),
        widget=FastSelect,
        help_text=_("The person leaving; their account may be inactive already."),
    )
    to_user = UserChoiceField(
        label=_("Hand over to"), queryset=User.objects.none(), widget=FastSelect
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = handover_from_users(actor=actor).order_by("username")
        self.fields["to_user"].queryset = handover_to_users(actor=actor).order_by("username")

    def clean(self):
        data = super().clean()
        from_user, to_user = data.get("from_user"), data.get("to_user")
        if from_user and to_user and from_user == to_user:
            raise forms.ValidationError(_("Choose two different people."))
        return data


class HandOverExecuteForm(HandOverForm):
    """The confirmation: the same two people, the counts the preview showed, and options."""

    customers = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    deals = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    followups = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    deactivate = forms.BooleanField(label=_("Deactivate the leaver's account"), required=False)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_confirm_%s")  # the page also holds a HandOverForm
        super().__init__(*args, **kwargs)
        for name in ("from_user", "to_user"):
            self.fields[name].widget = forms.HiddenInput()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "from_user": data["from_user"],
            "to_user": data["to_user"],
            "expected_counts": (data["customers"], data["deals"], data["followups"]),
            "deactivate": data["deactivate"],
            "note": data["note"],
        }
