"""The win-probability page for administrators, its retrain button, and the JSON of one deal's
card (the card itself is drawn on the deal page by the `deal_winprob` template tag)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.access.decorators import admin_required
from salestrack.deals.selectors import deal_get_for_user
from salestrack.winprob.selectors import deal_win_card, winprob_closed_deals, winprob_overview
from salestrack.winprob.tasks import winprob_retrain_task

# Up to this many closed deals a retraining takes seconds: it runs within the request.
INLINE_CLOSED_DEALS = 2000


@login_required
@admin_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "winprob/index.html", {"overview": winprob_overview()})


@login_required
@admin_required
@require_POST
def retrain(request: HttpRequest) -> HttpResponse:
    if winprob_closed_deals() <= INLINE_CLOSED_DEALS:
        if winprob_retrain_task.call_local(request.user.pk) is None:
            messages.error(request, _("A training is already running; reload this page soon."))
        else:
            messages.success(request, _("The model was retrained and the open deals rescored."))
    else:
        transaction.on_commit(lambda: winprob_retrain_task(request.user.pk))
        messages.success(
            request,
            _("Retraining runs in the background; reload this page in a few minutes."),
        )
    return redirect("winprob:index")


@login_required
@require_GET
def deal_json(request: HttpRequest, pk: int) -> JsonResponse:
    deal = deal_get_for_user(user=request.user, pk=pk)  # 404 outside the user's scope
    return JsonResponse({"deal": deal.pk, **deal_win_card(user=request.user, deal=deal).as_dict()})
