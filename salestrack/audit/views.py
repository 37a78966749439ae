from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.access.decorators import capability_required
from salestrack.audit.forms import AuditFilterForm
from salestrack.audit.models import AuditEntry
from salestrack.audit.reverts import revert_field_change, revert_target, revert_url
from salestrack.audit.selectors import audit_object_types, audit_search
from salestrack.core.exceptions import ApplicationError
from salestrack.core.pagination import paginate_by_ids


@login_required
@capability_required("view_audit")
@require_GET
def list_view(request):
    form = AuditFilterForm(request.GET or None, object_types=audit_object_types())
    if form.is_bound and not form.is_valid():
        qs = AuditEntry.objects.none()
    else:
        kwargs = form.selector_kwargs() if form.is_bound else {}
        qs = audit_search(user=request.user, **kwargs)
    page = paginate_by_ids(qs, request.GET.get("page"), settings.SALESTRACK_LIST_PAGE_SIZE)
    params = request.GET.copy()
    params.pop("page", None)
    context = {"form": form, "page": page, "query": params.urlencode()}
    return render(request, "audit/list.html", context)


@login_required
@require_POST
def revert(request, seq: int):
    """Put one field of a record back to its value before history entry `seq`."""
    entry = get_object_or_404(AuditEntry, seq=seq)
    record = revert_target(entry=entry, actor=request.user)  # 404 out of scope, 403 read-only
    field = request.POST.get("field", "")
    try:
        revert_field_change(entry=entry, field=field, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("“%(field)s” is back to its earlier value.")
            % {"field": record._meta.get_field(field).verbose_name},
        )
    return redirect(revert_url(record))
