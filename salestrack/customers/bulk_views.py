from django import forms
from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salestrack.access.bulk_views import BulkForm, handle_bulk
from salestrack.access.decorators import action_required
from salestrack.customers.models import Customer
from salestrack.customers.services import customer_bulk_update


def customer_bulk_form(user, data=None) -> BulkForm:
    tier = forms.ChoiceField(
        label=_("New tier"), choices=[("", "—"), *Customer.Tier.choices], required=False
    )
    return BulkForm(data, user=user, extra={"tier": tier})


@login_required
@action_required("customer", "bulk")
@require_POST
def bulk(request):
    form = customer_bulk_form(request.user, request.POST)
    return handle_bulk(request, form, customer_bulk_update, reverse("customers:list"))
