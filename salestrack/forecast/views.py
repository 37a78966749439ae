"""The forecast page (销售预测) and its JSON twins: access, filters, one selector each."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from salestrack.forecast.forms import ForecastFilterForm
from salestrack.forecast.selectors import (
    BEST_CASE,
    COMMIT,
    PIPELINE,
    backtest,
    best_case_probability,
    can_view_forecast,
    commit_probability,
    min_sample,
    stage_index,
    statistical_forecast,
    weighted_pipeline,
)


def _filter_form(request: HttpRequest) -> ForecastFilterForm:
    if not can_view_forecast(request.user):
        raise PermissionDenied(_("The forecast is for analysts and managers of a team."))
    return ForecastFilterForm(request.GET or None, user=request.user)


def _json(request: HttpRequest, build) -> JsonResponse:
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    filters = form.to_filters()
    return JsonResponse({"filters": filters.as_dict(), **build(filters).as_dict()})


def _money(value):
    return None if value is None else round(float(value), 2)


def _chart(weighted, statistical) -> dict:
    """Series for the ECharts charts (numbers as floats, None where money is hidden)."""
    return {
        "weighted": {
            "labels": [row.label for row in weighted.months],
            **{
                name: [_money(row.weighted[name]) for row in weighted.months]
                for name in (COMMIT, BEST_CASE, PIPELINE)
            },
        },
        "statistical": {
            "labels": [row.label for row in statistical.months],
            "expected": [_money(row.expected) for row in statistical.months],
            "low": [_money(row.low) for row in statistical.months],
            "high": [_money(row.high) for row in statistical.months],
        },
    }


def _backtest_chart(tests) -> dict:
    rows = tests.quarters.rows
    return {
        "labels": [row.label for row in rows],
        "forecast": [_money(row.forecast.expected) for row in rows],
        "actual": [_money(row.actual) for row in rows],
        "error": [None if row.error_pct is None else round(row.error_pct, 1) for row in rows],
    }


def _backtest_url(request: HttpRequest) -> str:
    params = request.GET.copy()
    params["part"] = "backtest"
    return f"{request.path}?{params.urlencode()}"


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The page; the backtest (seconds on large histories) loads after it through htmx
    (`?part=backtest`), or within the page without JavaScript."""
    form = _filter_form(request)
    filters = form.to_filters() if not form.is_bound or form.is_valid() else None
    with_backtest = request.GET.get("part") == "backtest"
    context = {
        "filter_form": form,
        "invalid": filters is None,
        "backtest_url": _backtest_url(request),
        "commit_probability": commit_probability(),
        "best_case_probability": best_case_probability(),
        "min_sample": min_sample(),
    }
    if filters is None:
        return render(request, "forecast/index.html", context)
    stages = stage_index()
    if with_backtest:
        tests = backtest(user=request.user, filters=filters, stages=stages)
        context |= {"backtest": tests, "backtest_chart": _backtest_chart(tests)}
        if request.htmx:
            return render(request, "forecast/index.html#backtest", context)
    weighted = weighted_pipeline(user=request.user, filters=filters, stages=stages)
    statistical = statistical_forecast(user=request.user, filters=filters, stages=stages)
    context |= {
        "weighted": weighted,
        "statistical": statistical,
        "chart": _chart(weighted, statistical),
        "money_visible": weighted.money_visible,
    }
    return render(request, "forecast/index.html", context)


@login_required
@require_GET
def weighted_json(request: HttpRequest) -> JsonResponse:
    return _json(request, lambda f: weighted_pipeline(user=request.user, filters=f))


@login_required
@require_GET
def statistical_json(request: HttpRequest) -> JsonResponse:
    return _json(request, lambda f: statistical_forecast(user=request.user, filters=f))


@login_required
@require_GET
def backtest_json(request: HttpRequest) -> JsonResponse:
    return _json(request, lambda f: backtest(user=request.user, filters=f))
