from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from salestrack.access.forms import OwnerFilterForm
from salestrack.access.policy import restrict_form
from salestrack.access.scope import visible_users
from salestrack.accounts.models import User
from salestrack.core.widgets import FastSelect
from salestrack.customers.models import Contact, Customer
from salestrack.deals.models import Deal, DealLine, Product
from salestrack.pipeline.models import Pipeline, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FIELDS = {"expected_close_date", "contract_signed_on"}
CUSTOMER_CHOICES_LIMIT = 300
# Facts the exit criteria ask for, editable on the deal form too (e.g. payments, by finance).
FACT_FIELDS = [
    "confirmed_requirements",
    "quote_amount",
    "budget_confirmed",
    "contract_number",
    "contract_signed_on",
    "payment_received",
]


class DealForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Deal
        fields = [
            "title",
            "customer",
            "amount",
            "expected_close_date",
            "probability",
            "owner",
            "collaborators",
            "source",
            "competitor",
            "next_step",
            *FACT_FIELDS,
        ]
        widgets = {
            "expected_close_date": DATE,
            "contract_signed_on": DATE,
            "customer": FastSelect,
            "owner": FastSelect,
            "confirmed_requirements": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user: User, customers, **kwargs):
        super().__init__(*args, **kwargs)
        users = visible_users(user)
        if self.instance.pk:
            # Keeping the current customer and owner is always allowed (e.g. on a shared deal).
            customers = customers | Customer.objects.filter(pk=self.instance.customer_id)
            users = users | User.objects.filter(pk=self.instance.owner_id)
        self.fields["customer"].queryset = customers
        self._limit_customer_choices(customers)
        self.fields["owner"].queryset = users
        self.fields["collaborators"].queryset = User.objects.filter(is_active=True)
        self.fields["collaborators"].required = False
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            if self.instance.lines.exists():
                self.fields["amount"].disabled = True
                self.fields["amount"].help_text = _("Total of the product lines.")
        else:
            self.fields["owner"].initial = user.pk
            del self.fields["version"]
            for name in FACT_FIELDS:  # recorded later, at the stage that asks for them
                del self.fields[name]
        restrict_form(self, user, "deal")

    def _limit_customer_choices(self, customers) -> None:
        """Offer the current customer plus recent ones; validation still uses the full scope."""
        current = self.initial.get("customer") or self.instance.customer_id
        shown = list(customers.order_by("-updated_at")[:CUSTOMER_CHOICES_LIMIT])
        if current and all(c.pk != getattr(current, "pk", current) for c in shown):
            shown = list(customers.filter(pk=getattr(current, "pk", current))) + shown
        self.fields["customer"].widget.choices = [("", "---------")] + [
            (c.pk, c.name) for c in shown
        ]

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount < 0:
            raise forms.ValidationError(_("The amount cannot be negative."))
        return amount


class DealCreateForm(DealForm):
    pipeline = forms.ModelChoiceField(
        label=_("pipeline"), queryset=Pipeline.objects.filter(is_active=True), empty_label=None
    )
    stage = forms.ModelChoiceField(
        label=_("stage"),
        queryset=Stage.objects.filter(kind=Stage.Kind.OPEN),
        required=False,
        help_text=_("Leave empty to start in the pipeline's first stage."),
    )

    class Meta(DealForm.Meta):
        fields = ["pipeline", "stage", *DealForm.Meta.fields]

    def clean(self):
        cleaned = super().clean()
        stage, pipeline = cleaned.get("stage"), cleaned.get("pipeline")
        if stage and pipeline and stage.pipeline_id != pipeline.pk:
            self.add_error("stage", _("That stage belongs to another pipeline."))
        return cleaned


class DealMoveForm(forms.Form):
    to_stage = forms.ModelChoiceField(
        label=_("Move to"), queryset=Stage.objects.none(), widget=FastSelect
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, deal: Deal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].queryset = Stage.objects.filter(pipeline_id=deal.pipeline_id)
        self.fields["version"].initial = deal.version


def gate_form_class(missing: list[str]) -> type[forms.ModelForm]:
    """A form asking for exactly the facts a move is missing, all required."""
    widgets = {name: DATE for name in missing if name in DATE_FIELDS}
    return forms.modelform_factory(Deal, fields=missing, widgets=widgets)


def gate_form(missing: list[str], deal: Deal, data=None) -> forms.ModelForm:
    form = gate_form_class(missing)(data, instance=deal, prefix="fact")
    for name, field in form.fields.items():
        field.required = True
        if name == "decision_maker":
            field.queryset = Contact.objects.filter(customer_id=deal.customer_id)
            field.help_text = _("Add the contact on the customer page if they are missing.")
        if isinstance(field, forms.DecimalField):
            field.min_value = Decimal("0")
    return form


class DealLineForm(forms.ModelForm):
    class Meta:
        model = DealLine
        fields = ["product", "quantity", "unit_price", "discount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True)
        self.fields["unit_price"].required = False
        self.fields["unit_price"].help_text = _("Empty: the product's list price.")
        self.fields["discount"].required = False


class DealFilterForm(OwnerFilterForm):
    SCOPES = [("all", _("All I can see")), ("mine", _("Mine")), ("team", _("My team"))]

    scope = forms.ChoiceField(label=_("Show"), choices=SCOPES, required=False, widget=FastSelect)
    min_amount = forms.DecimalField(label=_("Amount from"), min_value=0, required=False)
    max_amount = forms.DecimalField(label=_("Amount to"), min_value=0, required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any")), *Deal.Status.choices],
        required=False,
        widget=FastSelect,
    )

    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        widget=FastSelect,
        choices=[
            ("updated", _("Recently updated")),
            ("amount", _("Amount")),
            ("close", _("Expected close")),
            ("created", _("Newest")),
        ],
    )

    @property
    def sort_key(self) -> str:
        return (self.cleaned_data.get("sort") if self.is_valid() else "") or "updated"

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_amount"), cleaned.get("max_amount")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(_("'Amount from' is larger than 'Amount to'."))
        return cleaned

    def to_filters(self):
        from salestrack.deals.selectors import DealFilters

        if not self.is_valid():
            return DealFilters()
        data = self.cleaned_data
        return DealFilters(
            scope=data.get("scope") or "all",
            owner_id=data["owner"].pk if data.get("owner") else None,
            min_amount=data.get("min_amount"),
            max_amount=data.get("max_amount"),
            q=data.get("q") or "",
            status=data.get("status") or "",
        )
