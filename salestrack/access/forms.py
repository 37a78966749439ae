import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salestrack.access.scope import visible_users
from salestrack.accounts.models import User
from salestrack.core.widgets import FastSelect


class ShareForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Colleague"), queryset=User.objects.none(), widget=FastSelect
    )
    access = forms.ChoiceField(
        label=_("Access"),
        choices=[("read", _("Read only")), ("edit", _("Can edit"))],
        initial="read",
        widget=FastSelect,
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to share without an end date."),
    )

    def __init__(self, *args, owner_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        users = User.objects.filter(is_active=True).order_by("username")
        if owner_id is not None:
            users = users.exclude(pk=owner_id)
        self.fields["user"].queryset = users

    def service_kwargs(self) -> dict:
        """share_grant arguments: the share lasts through the chosen day (local time)."""
        until = self.cleaned_data["until"]
        expires_at = None
        if until is not None:
            next_day = datetime.datetime.combine(
                until + datetime.timedelta(days=1), datetime.time()
            )
            expires_at = timezone.make_aware(next_day)
        return {
            "user": self.cleaned_data["user"],
            "can_edit": self.cleaned_data["access"] == "edit",
            "expires_at": expires_at,
        }


class OwnerFilterForm(forms.Form):
    """Base of list filter forms: an owner picker limited to the users the viewer may see."""

    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, widget=FastSelect
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = visible_users(user).order_by("username")
