"""Risk pages: stalled deals, slow deals, the weekly review (红点会议) with its Excel export, and
the risk-flag and decision forms. Access first (scope and rights), then one selector or service.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salestrack.access.policy import permissions_for
from salestrack.core.exceptions import ApplicationError
from salestrack.core.pagination import paginate_by_ids
from salestrack.deals.selectors import deal_get_for_user
from salestrack.deals.stalls import no_followup_days
from salestrack.exports.services import export_record
from salestrack.exports.writers import XLSX_CONTENT_TYPE, xlsx_bytes
from salestrack.risks import services
from salestrack.risks.exports import review_columns, review_export_rows
from salestrack.risks.forms import ReviewDecisionForm, RiskFilterForm, RiskFlagForm
from salestrack.risks.models import RiskFlag, week_start
from salestrack.risks.selectors import (
    can_review,
    cycle_median_book,
    cycle_warned_deals,
    late_stage_probability,
    review_deals,
    risk_rows,
    stalled_deals,
)


def _require_review(request: HttpRequest) -> None:
    if not can_review(request.user):
        raise PermissionDenied(_("The risk review is for managers of a team."))


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _list_page(request: HttpRequest, template: str, qs, book=None, **extra) -> HttpResponse:
    now = timezone.now()
    page = paginate_by_ids(qs, request.GET.get("page"), settings.SALESTRACK_LIST_PAGE_SIZE)
    week = timezone.localdate()
    context = {
        "page": page,
        "rows": risk_rows(deals=list(page.object_list), book=book, now=now, week=week),
        "filter_form": extra.pop("filter_form"),
        "query": _query_without_page(request),
        "week": week_start(week),
        "no_followup_days": no_followup_days(),
        "late_probability": late_stage_probability(),
        "book": book,
        **extra,
    }
    return render(request, f"{template}#results" if request.htmx else template, context)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return redirect("risks:review" if can_review(request.user) else "risks:stalled")


@login_required
@require_GET
def stalled(request: HttpRequest) -> HttpResponse:
    form = RiskFilterForm(request.GET or None, user=request.user)
    qs = stalled_deals(user=request.user, filters=form.to_filters())
    return _list_page(request, "risks/stalled.html", qs, filter_form=form)


@login_required
@require_GET
def cycle(request: HttpRequest) -> HttpResponse:
    form = RiskFilterForm(request.GET or None, user=request.user)
    book = cycle_median_book()
    qs = cycle_warned_deals(user=request.user, book=book, filters=form.to_filters())
    return _list_page(request, "risks/cycle.html", qs, book=book, filter_form=form)


@login_required
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    _require_review(request)
    form = RiskFilterForm(request.GET or None, user=request.user)
    book = cycle_median_book()
    qs = review_deals(user=request.user, book=book, filters=form.to_filters())
    return _list_page(
        request,
        "risks/review.html",
        qs,
        book=book,
        filter_form=form,
        decision_form=ReviewDecisionForm(),
        can_export=permissions_for(request.user).can("deal", "export"),
    )


@login_required
@require_GET
def review_export(request: HttpRequest) -> HttpResponse:
    _require_review(request)
    perms = permissions_for(request.user)
    if not perms.can("deal", "export"):
        raise PermissionDenied(_("Your role may not export these records."))
    form = RiskFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(
            _("The filters are not valid, so nothing was exported."),
            content_type="text/plain; charset=utf-8",
        )
    now = timezone.now()
    book = cycle_median_book(now=now)
    qs = review_deals(user=request.user, book=book, filters=form.to_filters(), now=now)
    count = qs.count()
    limit = settings.SALESTRACK_EXPORT_MAX_ROWS
    if count > limit:
        message = _(
            "This export would have %(rows)d rows, more than the limit of %(limit)d. "
            "Narrow the filters and export in parts."
        ) % {"rows": count, "limit": limit}
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    columns = review_columns(perms)
    week = timezone.localdate()
    filename = f"risk-review-{week_start(week):%Y%m%d}.xlsx"
    export_record(
        actor=request.user,
        object_type="deals.deal",
        filters={**(form.cleaned_data if form.is_bound else {}), "report": "risk_review"},
        rows=count,
        fields=[c.key for c in columns],
        fmt="xlsx",
        filename=filename,
        request=request,
    )
    rows = review_export_rows(qs=qs, columns=columns, book=book, now=now, week=week)
    content = xlsx_bytes(_("Risk review"), [str(c.label) for c in columns], rows)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _back(request: HttpRequest, fallback: str, *args) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(fallback, *args)


@login_required
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_review(request)
    deal = deal_get_for_user(user=request.user, pk=pk, write=True)  # 404 outside the scope
    form = ReviewDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose continue, change approach or drop."))
        return _back(request, "risks:review")
    decided = services.review_decision_save(deal=deal, actor=request.user, **form.cleaned_data)
    if request.htmx:
        return render(request, "risks/review.html#decision", {"deal": deal, "decision": decided})
    messages.success(request, _("Decision saved for %(deal)s.") % {"deal": deal.title})
    return _back(request, "risks:review")


def _require_sales(request: HttpRequest) -> None:
    """Risk flags are the sales team's judgement: roles that may create deals."""
    permissions_for(request.user).require("deal", "create")


@login_required
@require_POST
def flag_raise(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(user=request.user, pk=pk, write=True)
    _require_sales(request)
    form = RiskFlagForm(request.POST)
    if form.is_valid():
        try:
            services.risk_flag_raise(deal=deal, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Risk raised."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Choose the kind of risk."))
    return redirect("deals:detail", pk=deal.pk)


@login_required
@require_POST
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_object_or_404(RiskFlag, pk=pk)
    deal = deal_get_for_user(user=request.user, pk=flag.deal_id, write=True)
    _require_sales(request)
    services.risk_flag_resolve(flag=flag, actor=request.user)
    messages.success(request, _("Risk resolved."))
    return redirect("deals:detail", pk=deal.pk)
