from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.access.decorators import admin_required
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.selectors import customer_get_for_user
from salestrack.trash.selectors import trash_page
from salestrack.trash.services import customer_delete, record_purge, record_restore


@login_required
@admin_required
@require_GET
def list_view(request):
    context = {
        "page": trash_page(number=request.GET.get("page")),
        "retention_days": settings.SALESTRACK_TRASH_DAYS,
    }
    return render(request, "trash/list.html", context)


def _back_to_list(request):
    """The trash page the button was pressed on."""
    page = request.POST.get("page", "")
    url = reverse("trash:list")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@login_required
@admin_required
@require_POST
def restore(request, kind: str, pk: int):
    try:
        record_restore(kind=kind, pk=pk, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Restored."))
    return _back_to_list(request)


@login_required
@admin_required
@require_POST
def purge(request, kind: str, pk: int):
    try:
        record_purge(kind=kind, pk=pk, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Deleted permanently."))
    return _back_to_list(request)


@login_required
@require_POST
def customer_delete_view(request, pk: int):
    """Deleting a customer takes its deals too, so it lives here, above customers and deals."""
    customer = customer_get_for_user(user=request.user, pk=pk, write=True)
    customer_delete(customer=customer, actor=request.user)
    messages.success(request, _("Customer moved to the trash with its contacts and deals."))
    return redirect("customers:list")
