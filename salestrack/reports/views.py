"""Reports: the picker, and one report (cards, goals, moves by stage; by rep for a team)."""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from salestrack.reports.forms import ReportPickForm
from salestrack.reports.periods import DAILY, KINDS, MONTHLY, WEEKLY, last_complete, report_period
from salestrack.reports.selectors import (
    REP,
    TEAM,
    report_for,
    report_require,
    report_teams,
    report_url,
)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    report_require(user)
    form = ReportPickForm(request.GET or None, user=user)
    if request.GET and form.is_valid():
        return redirect(report_url(*form.target()))
    today = timezone.localdate()
    starts = {kind: last_complete(kind, today).start for kind in (DAILY, WEEKLY, MONTHLY)}
    own_team = report_teams(user).filter(pk=user.team_id).first() if user.team_id else None
    shortcuts = [
        (
            KINDS[kind],
            report_url(kind, REP, user.pk, start),
            report_url(kind, TEAM, own_team.pk, start) if own_team else "",
        )
        for kind, start in starts.items()
    ]
    return render(
        request,
        "reports/index.html",
        {"filter_form": form, "shortcuts": shortcuts, "own_team": own_team},
    )


@login_required
@require_GET
def report(request: HttpRequest, kind: str, subject: str, subject_id: int, start: str):
    try:
        day = date.fromisoformat(start)
    except ValueError as exc:
        raise Http404 from exc
    if kind not in KINDS:
        raise Http404
    report = report_for(
        user=request.user, subject=subject, subject_id=subject_id, kind=kind, period_start=day
    )
    if report.period.start != day:  # a day inside the period: the period's own address
        return redirect(report.url)
    chart = None
    if report.by_rep:
        chart = {
            "height": 60 + 36 * len(report.by_rep),
            "labels": [row.label for row in report.by_rep],
            "won": [row.won for row in report.by_rep],
            "amount": [float(row.won_amount) for row in report.by_rep]
            if report.amounts_visible
            else None,
        }
    period_next = report_period(kind, report.period.end + timedelta(days=1))
    return render(
        request,
        "reports/report.html",
        {
            "report": report,
            "chart": chart,
            "previous_url": report_url(kind, subject, subject_id, report.previous.start),
            "next_url": report_url(kind, subject, subject_id, period_next.start)
            if period_next.start <= timezone.localdate()
            else "",
        },
    )
