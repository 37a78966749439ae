from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.core.exceptions import ApplicationError
from salestrack.core.pagination import paginate_by_ids
from salestrack.customers.selectors import customer_get_for_user
from salestrack.tiers import rules as tier_rules
from salestrack.tiers.forms import TierOverrideForm, VersionForm
from salestrack.tiers.selectors import (
    tier_proposal_get_for_user,
    tier_proposal_list,
    typical_deal_amount,
)
from salestrack.tiers.services import (
    customer_tier_clear_override,
    customer_tier_override,
    tier_proposal_accept,
    tier_proposal_dismiss,
)


def _back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
@require_GET
def rules(request):
    context = {
        "strong": tier_rules.STRONG_INTENT_PROBABILITY,
        "some": tier_rules.SOME_INTENT_PROBABILITY,
        "a_points": tier_rules.A_POINTS,
        "b_points": tier_rules.B_POINTS,
        "typical": typical_deal_amount(),
        "close_days": settings.SALESTRACK_TIER_CLOSE_DAYS,
        "downgrade_days": settings.SALESTRACK_TIER_DOWNGRADE_DAYS,
        "upgrade_stages": settings.SALESTRACK_TIER_UPGRADE_STAGES,
        "upgrade_days": settings.SALESTRACK_TIER_UPGRADE_DAYS,
        "snooze_days": settings.SALESTRACK_TIER_SNOOZE_DAYS,
    }
    return render(request, "tiers/rules.html", context)


@login_required
@require_GET
def proposals(request):
    page = paginate_by_ids(
        tier_proposal_list(user=request.user),
        request.GET.get("page"),
        settings.SALESTRACK_LIST_PAGE_SIZE,
    )
    return render(request, "tiers/proposals.html", {"page": page, "query": ""})


@login_required
@require_POST
def proposal_accept(request, pk: int):
    proposal = tier_proposal_get_for_user(user=request.user, pk=pk, write=True)
    try:
        tier_proposal_accept(proposal=proposal, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Tier changed to %(tier)s.") % {"tier": proposal.to_tier})
    return _back(request, "tiers:proposals")


@login_required
@require_POST
def proposal_dismiss(request, pk: int):
    proposal = tier_proposal_get_for_user(user=request.user, pk=pk, write=True)
    try:
        tier_proposal_dismiss(proposal=proposal, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Proposal dismissed; the tier stays."))
    return _back(request, "tiers:proposals")


@login_required
@require_POST
def override(request, pk: int):
    customer = customer_get_for_user(user=request.user, pk=pk, write=True)
    form = TierOverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a tier and give a reason."))
        return redirect(customer)
    try:
        customer_tier_override(
            customer=customer,
            actor=request.user,
            tier=form.cleaned_data["tier"],
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Tier set by hand."))
    return redirect(customer)


@login_required
@require_POST
def clear_override(request, pk: int):
    customer = customer_get_for_user(user=request.user, pk=pk, write=True)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return redirect(customer)
    try:
        customer_tier_clear_override(
            customer=customer, actor=request.user, expected_version=form.cleaned_data["version"]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The tier is set by the rules again."))
    return redirect(customer)
