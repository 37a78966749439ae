from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.core.exceptions import ApplicationError
from salestrack.core.pagination import paginate_by_ids
from salestrack.handover.forms import HandOverExecuteForm, HandOverForm
from salestrack.handover.selectors import handover_list
from salestrack.handover.services import handover_execute, handover_preview, may_hand_over

COUNTS = ("customers", "deals", "followups")


def hand_over_required(view):
    """Only who may_hand_over; others get 403. Goes after login_required."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_hand_over(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@login_required
@hand_over_required
@require_GET
def index(request):
    """The form; with from_user and to_user in the query, also the preview and the confirm form."""
    bound = "from_user" in request.GET or "to_user" in request.GET
    form = HandOverForm(request.GET if bound else None, actor=request.user)
    preview = confirm = None
    if bound and form.is_valid():
        try:
            preview = handover_preview(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            initial = {**form.cleaned_data, **dict(zip(COUNTS, preview.counts, strict=True))}
            confirm = HandOverExecuteForm(actor=request.user, initial=initial)
    page = paginate_by_ids(
        handover_list(actor=request.user),
        request.GET.get("page"),
        settings.SALESTRACK_LIST_PAGE_SIZE,
    )
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "preview": preview,
        "confirm": confirm,
        "page": page,
        "query": params.urlencode(),
    }
    return render(request, "handover/index.html", context)


@login_required
@hand_over_required
@require_POST
def execute(request):
    form = HandOverExecuteForm(request.POST, actor=request.user)
    if not form.is_valid():
        errors = "; ".join(" ".join(e) for e in form.errors.values())
        messages.error(request, _("Nothing was handed over: %(errors)s") % {"errors": errors})
        return redirect("handover:index")
    try:
        handover = handover_execute(actor=request.user, **form.service_kwargs())
    except ApplicationError as exc:
        messages.error(request, exc.message)
        people = {name: form.cleaned_data[name].pk for name in ("from_user", "to_user")}
        return redirect(f"{reverse('handover:index')}?{urlencode(people)}")
    messages.success(
        request,
        _(
            "Handed over from %(from)s to %(to)s. Customers: %(customers)d, deals: %(deals)d,"
            " open follow-ups: %(followups)d."
        )
        % {
            "from": handover.from_user,
            "to": handover.to_user,
            "customers": handover.customers,
            "deals": handover.deals,
            "followups": handover.followups,
        },
    )
    return redirect("handover:index")
