from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.access.decorators import action_required
from salestrack.access.policy import permissions_for
from salestrack.access.scope import can_write
from salestrack.access.selectors import share_panel
from salestrack.activities.selectors import followup_timeline
from salestrack.audit.models import AuditEntry
from salestrack.audit.selectors import audit_history_for
from salestrack.audit.services import audit_record
from salestrack.core.exceptions import ApplicationError, ConflictError
from salestrack.core.pagination import paginate_by_ids
from salestrack.customers import services
from salestrack.customers.forms import ContactForm, CustomerFilterForm, CustomerForm
from salestrack.customers.models import Contact
from salestrack.customers.selectors import (
    contact_list,
    customer_filter_options,
    customer_get_for_user,
    customer_list,
)
from salestrack.deals.selectors import deal_queryset


@login_required
@require_GET
def list_view(request):
    filter_form = CustomerFilterForm(request.GET or None, user=request.user)
    qs = customer_list(user=request.user, **filter_form.selector_kwargs())
    page = paginate_by_ids(qs, request.GET.get("page"), settings.SALESTRACK_LIST_PAGE_SIZE)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "filter_form": filter_form,
        "query": params.urlencode(),
        "options": customer_filter_options(user=request.user),
    }
    template = "customers/list.html#results" if request.htmx else "customers/list.html"
    return render(request, template, context)


@login_required
@require_GET
def detail(request, pk: int):
    customer = customer_get_for_user(user=request.user, pk=pk)
    audit_record(actor=request.user, action=AuditEntry.Action.VIEW, obj=customer, request=request)
    deals = (
        deal_queryset(user=request.user)
        .filter(customer=customer)
        .select_related("stage", "owner")
        .order_by("-updated_at")
    )
    context = {
        "customer": customer,
        "contacts": contact_list(user=request.user, customer=customer),
        "deals": deals,
        "followups": followup_timeline(user=request.user, customer_id=customer.pk),
        "contact_form": ContactForm(user=request.user),
        "audit_entries": audit_history_for(customer, user=request.user),
        **share_panel(obj=customer, user=request.user),
        "can_write": can_write(request.user, customer),
    }
    return render(request, "customers/detail.html", context)


@login_required
@action_required("customer", "create")
def create(request):
    form = CustomerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Customer created."))
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "customer": None})


@login_required
def edit(request, pk: int):
    customer = customer_get_for_user(user=request.user, pk=pk, write=True)
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            customer = services.customer_update(
                customer=customer,
                actor=request.user,
                expected_version=form.cleaned_data["version"] or 0,
                data=data,
            )
        except ConflictError as exc:
            conflict = True
            form.add_error(None, exc.message)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Customer saved."))
            return redirect(customer)
    context = {"form": form, "customer": customer, "conflict": conflict}
    return render(request, "customers/form.html", context)


@login_required
def contact_edit(request, pk: int, contact_id: int | None = None):
    customer = customer_get_for_user(user=request.user, pk=pk, write=True)
    permissions_for(request.user).require("contact", "edit" if contact_id else "create")
    contact = get_object_or_404(Contact, pk=contact_id, customer=customer) if contact_id else None
    form = ContactForm(request.POST or None, instance=contact, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if contact:
                services.contact_update(contact=contact, actor=request.user, data=form.cleaned_data)
            else:
                services.contact_create(customer=customer, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Contact saved."))
            return redirect(customer)
    context = {"form": form, "customer": customer, "contact": contact}
    return render(request, "customers/contact_form.html", context)


@login_required
@require_POST
def contact_delete(request, pk: int, contact_id: int):
    customer = customer_get_for_user(user=request.user, pk=pk, write=True)
    contact = get_object_or_404(Contact, pk=contact_id, customer=customer)
    services.contact_delete(contact=contact, actor=request.user)
    messages.success(request, _("Contact moved to the trash."))
    return redirect(customer)
