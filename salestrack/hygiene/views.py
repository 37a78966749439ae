"""Data hygiene pages (数据清洗): duplicates and their merge, stale customers, the archive.

Every page needs the bulk right on customers (the nav link shows for those roles); a merge
also needs edit and delete, which the service checks.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.access.bulk_views import handle_bulk
from salestrack.access.decorators import action_required
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.selectors import customer_get_for_user
from salestrack.hygiene.forms import MergeForm, SelectionForm
from salestrack.hygiene.selectors import (
    customer_archived_list,
    customer_duplicate_groups,
    customer_stale_list,
    stale_cutoff,
)
from salestrack.hygiene.services import (
    customer_bulk_archive,
    customer_bulk_unarchive,
    customer_merge,
    customer_unarchive,
)

hygiene_required = action_required("customer", "bulk")


@login_required
@hygiene_required
@require_GET
def duplicates(request):
    groups = customer_duplicate_groups(user=request.user)
    return render(request, "hygiene/duplicates.html", {"groups": groups})


@login_required
@hygiene_required
def merge(request, first: int, second: int):
    one = customer_get_for_user(user=request.user, pk=first, write=True)
    two = customer_get_for_user(user=request.user, pk=second, write=True)
    form = MergeForm(request.POST or None, first=one, second=two, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            survivor = customer_merge(actor=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Merged into “%(name)s”.") % {"name": survivor.name})
            return redirect(survivor)
    return render(request, "hygiene/merge.html", {"form": form, "first": one, "second": two})


def _page(request, qs):
    return Paginator(qs, settings.SALESTRACK_LIST_PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
@hygiene_required
@require_GET
def stale(request):
    context = {
        "page": _page(request, customer_stale_list(user=request.user)),
        "cutoff": stale_cutoff(),
        "months": settings.SALESTRACK_STALE_MONTHS,
    }
    return render(request, "hygiene/stale.html", context)


@login_required
@hygiene_required
@require_GET
def archived(request):
    page = _page(request, customer_archived_list(user=request.user))
    return render(request, "hygiene/archived.html", {"page": page})


@login_required
@hygiene_required
@require_POST
def archive(request):
    form = SelectionForm(request.POST, user=request.user)
    return handle_bulk(request, form, customer_bulk_archive, reverse("hygiene:stale"))


@login_required
@hygiene_required
@require_POST
def unarchive_many(request):
    form = SelectionForm(request.POST, user=request.user)
    return handle_bulk(request, form, customer_bulk_unarchive, reverse("hygiene:archived"))


@login_required
@require_POST
def unarchive(request, pk: int):
    """One customer back to the lists: the edit right on it is enough (no bulk right)."""
    customer = customer_get_for_user(user=request.user, pk=pk, write=True)
    try:
        customer_unarchive(customer=customer, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("“%(name)s” is back in the lists.") % {"name": customer.name})
    return redirect(customer)
