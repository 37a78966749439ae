"""The dashboard (数据驾驶舱), its JSON endpoints and the drill-down lists. Access first (the
analytics right or a deal scope), then the filter form, then one selector per figure."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from salestrack.analytics import selectors
from salestrack.analytics.access import analytics_require
from salestrack.analytics.filters import AnalyticsFilters, amounts_visible
from salestrack.analytics.forms import AnalyticsFilterForm, BreakdownForm, DrillForm
from salestrack.analytics.selectors.common import FIGURES, GROUP_LABELS, group_readable
from salestrack.core.pagination import paginate_by_ids


def _breakdown(user, filters: AnalyticsFilters, data) -> dict:
    form = BreakdownForm(data, user=user)
    if not form.is_valid():
        raise _Invalid(form.errors)
    return selectors.analytics_breakdown(user=user, filters=filters, by=form.cleaned_data["by"])


# name -> figure(user, filters, query); every one is also served as /analytics/api/<name>.json
FIGURE_VIEWS: dict[str, Callable] = {
    "summary": lambda u, f, q: selectors.analytics_summary(user=u, filters=f),
    "funnel": lambda u, f, q: selectors.analytics_funnel(user=u, filters=f),
    "stage_times": lambda u, f, q: selectors.analytics_stage_times(user=u, filters=f),
    "cycle": lambda u, f, q: selectors.analytics_cycle(user=u, filters=f),
    "breakdown": _breakdown,
    "sources": lambda u, f, q: selectors.analytics_sources(user=u, filters=f),
    "industries": lambda u, f, q: selectors.analytics_industries(user=u, filters=f),
    "targets": lambda u, f, q: selectors.analytics_targets(user=u, filters=f),
}


class _Invalid(Exception):
    def __init__(self, errors) -> None:
        self.errors = errors


def _filters(request: HttpRequest) -> tuple[AnalyticsFilterForm, AnalyticsFilters | None]:
    form = AnalyticsFilterForm(request.GET, user=request.user)
    return form, form.to_filters() if form.is_valid() else None


def _errors_json(errors) -> JsonResponse:
    return JsonResponse(
        {"errors": {name: [str(e) for e in errs] for name, errs in errors.items()}}, status=400
    )


@login_required
@require_GET
def api(request: HttpRequest, name: str) -> HttpResponse:
    analytics_require(request.user)
    if name not in FIGURE_VIEWS:
        raise Http404
    form, filters = _filters(request)
    if filters is None:
        return _errors_json(form.errors)
    try:
        data = FIGURE_VIEWS[name](request.user, filters, request.GET)
    except _Invalid as exc:
        return _errors_json(exc.errors)
    return JsonResponse(data, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False})


# The dashboard's cards in page order: (name, heading shown while it loads, the figures it
# needs). The page renders its frame at once and each card loads from ?part=<name>.
CARDS: list[tuple[str, str | Promise, tuple[str, ...]]] = [
    ("kpis", "", ("summary", "cycle")),
    ("funnel", _("Funnel of the deals created in the period"), ("funnel",)),
    ("stage_times", _("Time in stage (days)"), ("stage_times",)),
    ("breakdown", _("Win rate, won amount and cycle"), ("breakdown",)),
    ("sources", _("Lead-source quality"), ("sources",)),
    ("industries", _("Industry mix of won business"), ("industries",)),
    ("targets", _("Target completion"), ("targets",)),
]


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The frame (filters, period, one placeholder per card) without any aggregate; with
    `part=<card>` from htmx only that card (its figures, one selector each); `part=all` (or a
    card asked for without htmx) the whole page with every card, as without JavaScript."""
    analytics_require(request.user)
    form, filters = _filters(request)
    context = {"filter_form": form, "cards": None, "figures": None}
    if filters is None:
        return render(request, "analytics/dashboard.html", context, status=400)
    user = request.user
    dimensions = [by for by in GROUP_LABELS if group_readable(user, by)]
    by = request.GET.get("by")
    by = by if by in dimensions else (dimensions[0] if dimensions else None)
    cards = [
        {"name": name, "title": title, "needs": needs}
        for name, title, needs in CARDS
        if (name != "industries" or "industry" in dimensions) and (name != "breakdown" or by)
    ]
    params = request.GET.copy()
    for name in ("part", "by"):
        params.pop(name, None)
    context |= {
        "cards": cards,
        "filters": filters,
        "dimensions": [(key, GROUP_LABELS[key]) for key in dimensions],
        "money": amounts_visible(user),
        "query": params.urlencode(),
    }
    part = request.GET.get("part", "")
    wanted = [card for card in cards if card["name"] == part] if request.htmx else cards
    if not part or not wanted:
        if part and request.htmx:
            raise Http404
        return render(request, "analytics/dashboard.html", context)
    figures = {}
    for card in wanted:
        for name in card["needs"]:
            if name == "breakdown":
                figures[name] = selectors.analytics_breakdown(user=user, filters=filters, by=by)
            else:
                figures[name] = FIGURE_VIEWS[name](user, filters, None)
    context["figures"] = figures
    if request.htmx:
        return render(request, f"analytics/dashboard.html#card-{part}", context)
    return render(request, "analytics/dashboard.html", context)


@login_required
@require_GET
def deals(request: HttpRequest) -> HttpResponse:
    analytics_require(request.user)
    form, filters = _filters(request)
    drill_form = DrillForm(request.GET, user=request.user, filters=filters)
    if filters is None or not drill_form.is_valid():
        errors = {**form.errors, **drill_form.errors} if filters is None else drill_form.errors
        return render(request, "analytics/deals.html", {"errors": errors}, status=400)
    drill = drill_form.to_drill()
    qs = selectors.analytics_drilldown(user=request.user, filters=filters, drill=drill)
    page = paginate_by_ids(qs, request.GET.get("page"), settings.SALESTRACK_LIST_PAGE_SIZE)
    params = request.GET.copy()
    params.pop("page", None)
    back = params.copy()
    for name in ("figure", "compare", "stage", "by", "key", "goal"):
        back.pop(name, None)
    context = {
        "page": page,
        "query": params.urlencode(),
        "back_query": back.urlencode(),
        "figure_label": FIGURES[drill.figure],
        "drill": drill,
        "filters": filters,
        "period": filters.pick(drill.previous),
        "money": amounts_visible(request.user),
    }
    return render(request, "analytics/deals.html", context)
