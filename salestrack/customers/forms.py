from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.access.forms import OwnerFilterForm
from salestrack.access.policy import restrict_form
from salestrack.access.scope import visible_users
from salestrack.accounts.models import User
from salestrack.core.widgets import FastSelect
from salestrack.customers.models import Contact, Customer


class CustomerForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Customer
        fields = [
            "name",
            "industry",
            "region",
            "size",
            "source",
            "budget",
            "tier",
            "owner",
            "pain_points",
        ]
        widgets = {"pain_points": forms.Textarea(attrs={"rows": 3}), "owner": FastSelect}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        users = visible_users(user)
        if self.instance.pk:
            # Keeping the current owner is always allowed (e.g. on a shared customer).
            users = users | User.objects.filter(pk=self.instance.owner_id)
            self.fields["version"].initial = self.instance.version
        else:
            self.fields["owner"].initial = user.pk
            del self.fields["version"]
        self.fields["owner"].queryset = users
        restrict_form(self, user, "customer")

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the company name."))
        return name

    def clean_budget(self):
        budget = self.cleaned_data.get("budget")
        if budget is not None and budget < 0:
            raise forms.ValidationError(_("The budget cannot be negative."))
        return budget


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "title",
            "phone",
            "email",
            "wechat",
            "decision_role",
            "left_company_on",
            "preferences",
        ]
        widgets = {
            "preferences": forms.Textarea(attrs={"rows": 2}),
            "left_company_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form(self, user, "contact")

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        digits = phone.replace(" ", "").replace("-", "").lstrip("+")
        if phone and not digits.isdigit():
            raise forms.ValidationError(_("A phone number has digits, spaces, + and - only."))
        return phone


class CustomerFilterForm(OwnerFilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    tier = forms.ChoiceField(
        label=_("tier"),
        choices=[("", _("Any")), *Customer.Tier.choices],
        required=False,
        widget=FastSelect,
    )
    source = forms.ChoiceField(
        label=_("source channel"),
        choices=[("", _("Any")), *Customer.Source.choices],
        required=False,
        widget=FastSelect,
    )
    industry = forms.CharField(label=_("industry"), required=False, max_length=60)
    region = forms.CharField(label=_("region"), required=False, max_length=60)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        widget=FastSelect,
        choices=[
            ("updated", _("Recently updated")),
            ("name", _("Name")),
            ("tier", _("Tier")),
            ("activity", _("Last activity")),
        ],
    )
    archived = forms.BooleanField(label=_("Include archived"), required=False)

    def selector_kwargs(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"],
            "tier": data["tier"],
            "source": data["source"],
            "industry": data["industry"],
            "region": data["region"],
            "owner_id": data["owner"].pk if data["owner"] else None,
            "sort": data["sort"] or "updated",
            "archived": data["archived"],
        }
