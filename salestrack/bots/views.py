from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.bots.forms import BotForm
from salestrack.bots.selectors import (
    bot_get_for_user,
    bot_list,
    bot_manageable_teams,
    bot_may_manage,
)
from salestrack.bots.senders import BotDeliveryError
from salestrack.bots.services import bot_create, bot_delete, bot_send_test, bot_update
from salestrack.core.exceptions import ApplicationError


def _require_manager(user) -> None:
    """Administrators, directors and team managers; reps and the others get 403."""
    if not bot_may_manage(user):
        raise PermissionDenied


@login_required
@require_GET
def index(request):
    _require_manager(request.user)
    return render(request, "bots/index.html", {"bots": bot_list(user=request.user)})


@login_required
def edit(request, pk: int | None = None):
    _require_manager(request.user)
    bot = bot_get_for_user(user=request.user, pk=pk) if pk else None
    teams = bot_manageable_teams(request.user)
    form = BotForm(request.POST or None, instance=bot, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            if bot is None:
                bot_create(actor=request.user, data=form.cleaned_data, request=request)
            else:
                bot_update(actor=request.user, bot=bot, data=form.cleaned_data, request=request)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Bot saved."))
            return redirect("bots:index")
    return render(request, "bots/form.html", {"form": form, "bot": bot})


@login_required
@require_POST
def delete(request, pk: int):
    _require_manager(request.user)
    bot = bot_get_for_user(user=request.user, pk=pk)
    bot_delete(actor=request.user, bot=bot, request=request)
    messages.success(request, _("Bot “%(name)s” deleted.") % {"name": bot.name})
    return redirect("bots:index")


@login_required
@require_POST
def test(request, pk: int):
    """Send a test message now and show what the service answered."""
    _require_manager(request.user)
    bot = bot_get_for_user(user=request.user, pk=pk)
    try:
        delivery = bot_send_test(actor=request.user, bot=bot)
    except BotDeliveryError as exc:
        messages.error(
            request,
            _("The test message to “%(name)s” failed: %(error)s")
            % {"name": bot.name, "error": exc},
        )
    else:
        messages.success(
            request,
            _("Test message sent to “%(name)s”. The service answered: HTTP %(status)s %(answer)s")
            % {"name": bot.name, "status": delivery.status, "answer": delivery.answer},
        )
    return redirect("bots:index")
