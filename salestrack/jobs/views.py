from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from salestrack.access.decorators import admin_required
from salestrack.core.pagination import paginate_by_ids
from salestrack.jobs.selectors import job_failures
from salestrack.jobs.services import job_failures_resolve


@login_required
@admin_required
@require_GET
def failures(request):
    include_resolved = request.GET.get("all") == "1"
    page = paginate_by_ids(
        job_failures(include_resolved=include_resolved),
        request.GET.get("page"),
        settings.SALESTRACK_LIST_PAGE_SIZE,
    )
    return render(
        request, "jobs/failures.html", {"page": page, "include_resolved": include_resolved}
    )


@login_required
@admin_required
@require_POST
def resolve(request):
    raw = request.POST.getlist("id")
    ids = [int(value) for value in raw if value.isdigit()] if raw else None
    count = job_failures_resolve(actor=request.user, ids=ids)
    messages.success(
        request,
        ngettext("%(count)d failure marked as seen.", "%(count)d failures marked as seen.", count)
        % {"count": count},
    )
    return redirect("jobs:failures")
