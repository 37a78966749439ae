from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.access.decorators import admin_required
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.selectors import customer_get_for_user
from salestrack.trash.selectors import trash_list
from salestrack.trash.services import customer_delete, record_restore


@login_required
@admin_required
@require_GET
def list_view(request):
    context = {"items": trash_list(), "retention_days": settings.SALESTRACK_TRASH_DAYS}
    return render(request, "trash/list.html", context)


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
    return redirect("trash:list")


@login_required
@require_POST
def customer_delete_view(request, pk: int):
    """Deleting a customer takes its deals too, so it lives here, above customers and deals."""
    customer = customer_get_for_user(user=request.user, pk=pk, write=True)
    customer_delete(customer=customer, actor=request.user)
    messages.success(request, _("Customer moved to the trash with its contacts and deals."))
    return redirect("customers:list")
