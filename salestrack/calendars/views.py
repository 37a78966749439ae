"""The calendar page (make, remake or revoke one's feed address) and the feed itself, which
calendar apps fetch without a login: the secret in the address is the only key."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.calendars.feeds import calendar_feed
from salestrack.calendars.selectors import (
    FUTURE_DAYS,
    PAST_DAYS,
    calendar_token_for,
    calendar_token_lookup,
)
from salestrack.calendars.services import (
    calendar_token_issue,
    calendar_token_revoke,
    calendar_token_touch,
)


def _page(request: HttpRequest, *, token: str = "") -> HttpResponse:
    context = {
        "feed": calendar_token_for(user=request.user),
        "past_days": PAST_DAYS,
        "future_days": FUTURE_DAYS,
    }
    if token:
        https_url = request.build_absolute_uri(reverse("calendars:feed", args=[token]))
        context |= {
            "https_url": https_url,
            "webcal_url": "webcal://" + https_url.split("://", 1)[1],
        }
    response = render(request, "calendars/index.html", context)
    if token:  # the secret is in this page only: never cached, never sent as a referrer
        response["Cache-Control"] = "no-store, private"
        response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def issue(request: HttpRequest) -> HttpResponse:
    """Make the address (or a new one: the old one stops working) and show it once."""
    token = calendar_token_issue(user=request.user, request=request)
    return _page(request, token=token)


@login_required
@require_POST
def revoke(request: HttpRequest) -> HttpResponse:
    if calendar_token_revoke(user=request.user, request=request):
        messages.success(request, _("The calendar address is switched off."))
    else:
        messages.info(request, _("There was no calendar address to switch off."))
    return redirect("calendars:index")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    row = calendar_token_lookup(token)
    if row is None:
        raise Http404
    base_url = request.build_absolute_uri("/").rstrip("/")
    body = calendar_feed(
        user=row.user,
        base_url=base_url,
        host=request.get_host().split(":")[0],
        today=timezone.localdate(),
    )
    calendar_token_touch(token=row)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="followups.ics"'
    response["Referrer-Policy"] = "no-referrer"
    return response
