from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from salestrack.access.decorators import action_required
from salestrack.activities.forms import FollowUpForm
from salestrack.activities.selectors import followup_get_for_user, followup_pending
from salestrack.activities.services import followup_create, followup_mark_done
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.selectors import customer_get_for_user
from salestrack.deals.selectors import deal_get_for_user

INITIAL_FROM_QUERY = ("summary", "next_step")


def _subject(request):
    """The deal or customer the follow-up is about, from ?deal= / ?customer= (scoped, 404).

    Recording a follow-up is a write: a read-only share answers 403."""
    source = request.POST if request.method == "POST" else request.GET
    deal_id, customer_id = source.get("deal", ""), source.get("customer", "")
    if deal_id.isdigit():
        deal = deal_get_for_user(user=request.user, pk=int(deal_id), write=True)
        return deal.customer, deal
    if customer_id.isdigit():
        return customer_get_for_user(user=request.user, pk=int(customer_id), write=True), None
    return None, None


def _safe_next(request) -> str:
    target = request.POST.get("next", "")
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return target if target and ok else ""


def _initial(request) -> dict[str, str]:
    """Initial text from the link that opened the form (?summary= / ?next_step=, e.g. the
    planned step of a daily-list item)."""
    return {name: request.GET[name] for name in INITIAL_FROM_QUERY if request.GET.get(name)}


@login_required
@action_required("followup", "create")
def create(request):
    customer, deal = _subject(request)
    if customer is None:
        messages.error(request, _("Open a deal or a customer to record a follow-up."))
        return redirect("activities:mine")
    form = FollowUpForm(request.POST or None, initial=_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            followup_create(actor=request.user, customer=customer, deal=deal, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Follow-up saved."))
            target = _safe_next(request) or (deal or customer).get_absolute_url()
            if request.htmx:
                return HttpResponseClientRedirect(target)
            return redirect(target)
    context = {
        "form": form,
        "customer": customer,
        "deal": deal,
        "next": request.GET.get("next")
        or request.POST.get("next")
        or request.headers.get("HX-Current-URL", ""),
    }
    template = "activities/_form_modal.html" if request.htmx else "activities/form.html"
    return render(request, template, context)


@login_required
@require_GET
def mine(request):
    return render(request, "activities/mine.html", {"groups": followup_pending(user=request.user)})


@login_required
@require_POST
def done(request, pk: int):
    followup = followup_get_for_user(user=request.user, pk=pk, write=True)
    followup_mark_done(followup=followup, actor=request.user)
    messages.success(request, _("Marked as done."))
    return redirect("activities:mine")
