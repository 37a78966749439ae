from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from salestrack.access.decorators import capability_required
from salestrack.audit.forms import AuditFilterForm
from salestrack.audit.models import AuditEntry
from salestrack.audit.selectors import audit_object_types, audit_search
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
