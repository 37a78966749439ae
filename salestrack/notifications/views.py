from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salestrack.access.decorators import admin_required
from salestrack.core.pagination import paginate_by_ids
from salestrack.notifications import selectors, services
from salestrack.notifications.forms import PreferencesForm

PAGE_SIZE = 20


def _items(notifications, user) -> list[tuple]:
    return [(n, selectors.notification_message(n, user=user)) for n in notifications]


def _bell(request) -> HttpResponse:
    """The top bar's bell, for htmx out-of-band swaps after a read mark."""
    return render(request, "notifications/_bell.html", {"oob": True})


@login_required
@require_GET
def index(request):
    unread_only = request.GET.get("unread") == "1"
    page = paginate_by_ids(
        selectors.notification_list(user=request.user, unread_only=unread_only),
        request.GET.get("page"),
        PAGE_SIZE,
    )
    return render(
        request,
        "notifications/index.html",
        {
            "page": page,
            "items": _items(page.object_list, request.user),
            "unread_only": unread_only,
            "query": "unread=1" if unread_only else "",
        },
    )


@login_required
@require_GET
def open_(request, pk: int):
    """Follow a notification's link, marking it read (404 for someone else's)."""
    notification = services.notification_mark_read(user=request.user, pk=pk)
    if notification is None:
        raise Http404
    url = selectors.notification_message(notification, user=request.user).url
    if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return redirect("notifications:index")
    return redirect(url)


@login_required
@require_POST
def read(request, pk: int):
    notification = services.notification_mark_read(user=request.user, pk=pk)
    if notification is None:
        raise Http404
    if request.htmx:
        return render(
            request,
            "notifications/index.html#item",
            {
                "item": (
                    notification,
                    selectors.notification_message(notification, user=request.user),
                ),
                "oob_bell": True,
            },
        )
    return redirect("notifications:index")


@login_required
@require_POST
def read_all(request):
    count = services.notification_mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked as read.",
            "%(count)d notifications marked as read.",
            count,
        )
        % {"count": count},
    )
    return redirect("notifications:index")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    rows = selectors.preference_matrix(user=request.user)
    current = selectors.notification_settings_get(user=request.user)
    initial = {"quiet_start": current.quiet_start, "quiet_end": current.quiet_end}
    if request.method == "POST":
        form = PreferencesForm(request.POST, rows=rows, initial=initial)
        if form.is_valid():
            services.preferences_update(
                user=request.user,
                choices=form.choices(),
                quiet_start=form.cleaned_data["quiet_start"],
                quiet_end=form.cleaned_data["quiet_end"],
            )
            messages.success(request, _("Notification settings saved."))
            return redirect("notifications:settings")
    else:
        form = PreferencesForm(rows=rows, initial=initial)
    return render(request, "notifications/settings.html", {"form": form})


@login_required
@require_POST
def send_test(request):
    services.notification_send_test(user=request.user)
    if request.user.email:
        text = _(
            "A test notification is in your notification centre, and an e-mail to %(email)s is "
            "on its way (after your quiet hours, if they are now)."
        ) % {"email": request.user.email}
    else:
        text = _(
            "A test notification is in your notification centre. Your account has no e-mail "
            "address, so no e-mail was sent."
        )
    messages.success(request, text)
    return redirect("notifications:settings")


@login_required
@admin_required
@require_GET
def failed(request):
    page = paginate_by_ids(
        selectors.delivery_failed_list(),
        request.GET.get("page"),
        settings.SALESTRACK_LIST_PAGE_SIZE,
    )
    selectors.delivery_label(page.object_list)
    return render(request, "notifications/failed.html", {"page": page})


@login_required
@admin_required
@require_POST
def retry(request):
    raw = request.POST.getlist("id")
    ids = [int(value) for value in raw if value.isdigit()] if raw else None
    count = services.delivery_retry(actor=request.user, pks=ids)
    messages.success(
        request,
        ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
        % {"count": count},
    )
    return redirect("notifications:failed")
