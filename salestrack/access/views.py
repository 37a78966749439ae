from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salestrack.access.forms import ShareForm
from salestrack.access.models import Share
from salestrack.access.scope import get_for_user
from salestrack.access.services import share_can_manage, share_grant, share_revoke
from salestrack.core.exceptions import ApplicationError


def _shared_object(request, object_type: str, object_id: int):
    """The deal or customer, if the user can see it (404) and may manage its shares (403)."""
    try:
        model = Share.target_model(object_type)
    except LookupError as exc:
        raise Http404 from exc
    obj = get_for_user(request.user, model._default_manager.all(), object_id)
    if not share_can_manage(obj=obj, actor=request.user):
        raise PermissionDenied(_("Only the owner, their manager or an administrator can share."))
    return obj


@login_required
@require_POST
def share_create(request, object_type: str, object_id: int):
    obj = _shared_object(request, object_type, object_id)
    form = ShareForm(request.POST, owner_id=obj.owner_id)
    if form.is_valid():
        try:
            share_grant(obj=obj, actor=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Shared."))
    else:
        errors = "; ".join(" ".join(e) for e in form.errors.values())
        messages.error(request, _("Not shared: %(errors)s") % {"errors": errors})
    return redirect(obj)


@login_required
@require_POST
def share_delete(request, pk: int):
    share = get_object_or_404(Share, pk=pk)
    obj = _shared_object(request, share.object_type, share.object_id)
    try:
        share_revoke(share=share, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Share revoked."))
    return redirect(obj)
