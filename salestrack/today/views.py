from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.today.selectors import daily_list_rows, today_team_users, today_user_for
from salestrack.today.services import daily_list_generate, daily_list_get_or_generate


def _list_url(user, viewer) -> str:
    url = reverse("today:index")
    return url if user.pk == viewer.pk else f"{url}?user={user.pk}"


@login_required
@require_GET
def index(request):
    user = today_user_for(viewer=request.user, user_id=request.GET.get("user"))
    daily = daily_list_get_or_generate(user=user)
    context = {
        "owner": user,
        "daily": daily,
        "rows": daily_list_rows(viewer=request.user, daily=daily),
        "team_users": today_team_users(viewer=request.user),
        "list_url": _list_url(user, request.user),
    }
    return render(request, "today/index.html", context)


@login_required
@require_POST
def refresh(request):
    user = today_user_for(viewer=request.user, user_id=request.POST.get("user"))
    daily_list_generate(user=user)
    messages.success(request, _("The list was generated again."))
    return redirect(_list_url(user, request.user))
