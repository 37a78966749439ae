from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.access.policy import permissions_for
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.selectors import customer_get_for_user
from salestrack.pool.forms import PoolFilterForm, ReleaseForm
from salestrack.pool.selectors import pool_claims_left, pool_due_soon, pool_may_use, pool_page
from salestrack.pool.services import pool_claim, pool_release


@login_required
@require_GET
def index(request):
    if not pool_may_use(request.user):
        raise PermissionDenied
    filter_form = PoolFilterForm(request.GET or None)
    page = pool_page(
        user=request.user,
        number=request.GET.get("page"),
        per_page=settings.SALESTRACK_LIST_PAGE_SIZE,
        **filter_form.selector_kwargs(),
    )
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "filter_form": filter_form,
        "query": params.urlencode(),
        "soon": pool_due_soon(user=request.user),
        "claims_left": pool_claims_left(user=request.user),
        "claim_limit": settings.SALESTRACK_POOL_CLAIM_LIMIT,
        "claim_days": settings.SALESTRACK_POOL_CLAIM_WINDOW_DAYS,
        "pool_days": settings.SALESTRACK_POOL_DAYS,
        "warning_days": settings.SALESTRACK_POOL_WARNING_DAYS,
        "cooling_days": settings.SALESTRACK_POOL_COOLING_DAYS,
    }
    return render(request, "pool/index.html", context)


@login_required
@require_POST
def claim(request, pk: int):
    permissions_for(request.user).require("customer", "create")  # the pool's sales roles
    try:
        customer = pool_claim(customer_id=pk, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("pool:index")
    messages.success(request, _("“%(name)s” is now yours.") % {"name": customer.name})
    return redirect(customer)


@login_required
@require_POST
def release(request, pk: int):
    customer = customer_get_for_user(user=request.user, pk=pk, write=True)
    form = ReleaseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        pool_release(customer=customer, actor=request.user, reason=reason)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(customer)
    messages.success(request, _("“%(name)s” is in the public pool now.") % {"name": customer.name})
    return redirect("pool:index")
