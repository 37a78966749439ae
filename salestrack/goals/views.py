from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salestrack.core.exceptions import ApplicationError
from salestrack.goals import services
from salestrack.goals.decomposition import PlanRep, plan_decompose
from salestrack.goals.forms import GoalForm, PeriodPickerForm, PlanForm, parse_decimal
from salestrack.goals.models import Goal
from salestrack.goals.selectors import (
    GoalProgress,
    calendar_overrides,
    goal_can_manage,
    goal_can_set,
    goal_filter_teams,
    goal_get_for_user,
    goal_list_for_user,
    goal_plan_reps,
    goal_queryset,
    goal_tree,
)


def _thresholds() -> dict:
    return {
        "yellow_pct": settings.SALESTRACK_GOAL_YELLOW_PCT,
        "red_pct": settings.SALESTRACK_GOAL_RED_PCT,
    }


def _parts_chart(parts: list[GoalProgress]) -> dict:
    """Series for the ECharts bar chart of a goal's parts (numbers as floats for JSON)."""
    return {
        "labels": [
            f"{p.goal.period_label} {p.goal.subject_label}"
            if p.goal.scope_kind == Goal.ScopeKind.REP
            else p.goal.period_label
            for p in parts
        ],
        "target": [float(p.goal.target) for p in parts],
        "actual": [float(p.actual) if p.actual is not None else None for p in parts],
        "expected": [float(p.expected) for p in parts],
    }


def _require_setter(user) -> None:
    if not goal_can_set(user):
        raise PermissionDenied(_("Your role may not set goals."))


@login_required
@require_GET
def index(request):
    picker = PeriodPickerForm(request.GET or None, teams=goal_filter_teams(user=request.user))
    on, kind = picker.values()
    groups = goal_list_for_user(user=request.user, on=on, period_kind=kind, **picker.narrowing())
    context = {
        "picker": picker,
        "on": on,
        "groups": [(Goal.ScopeKind(k).label, rows) for k, rows in groups.items()],
        "can_set": goal_can_set(request.user),
        **_thresholds(),
    }
    return render(request, "goals/index.html", context)


@login_required
@require_GET
def detail(request, pk: int):
    goal = goal_get_for_user(user=request.user, pk=pk)
    parent = goal_queryset(user=request.user).filter(pk=goal.parent_id).first()
    progress, parts = goal_tree(user=request.user, goal=goal)
    context = {
        "goal": goal,
        "progress": progress,
        "parts": parts,
        "parent": parent,
        "can_manage": goal_can_manage(request.user, goal),
        "chart": _parts_chart(parts),
        **_thresholds(),
    }
    return render(request, "goals/detail.html", context)


@login_required
@require_POST
def delete(request, pk: int):
    goal = goal_get_for_user(user=request.user, pk=pk)
    count = services.goal_delete(actor=request.user, goal=goal)
    messages.success(request, _("Deleted %(count)s goals.") % {"count": count})
    return redirect("goals:index")


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    _require_setter(request.user)
    form = GoalForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        scope_kind, team, user = form.cleaned_data["subject"]
        data = form.cleaned_data
        try:
            goal = services.goal_create(
                actor=request.user,
                period_kind=data["period_kind"],
                start=data["start"],
                end=data["end"],
                scope_kind=scope_kind,
                team=team,
                user=user,
                metric=data["metric"],
                target=data["target"],
                note=data["note"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Goal saved."))
            return redirect(goal)
    return render(request, "goals/form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def plan(request):
    """The decomposition tool: propose (recalculate) → adjust the rows → save the tree."""
    _require_setter(request.user)
    form = PlanForm(request.POST or None, user=request.user)
    context: dict = {"form": form, "proposal": None}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scope_kind, team, _user = data["subject"]
        reps = goal_plan_reps(team=team)
        weights = {u.pk: parse_decimal(request.POST.get(f"weight_{u.pk}", "1")) for u in reps}
        plan = plan_decompose(
            period_kind=data["period_kind"],
            start=data["start"],
            end=data["end"],
            target=data["target"],
            avg_deal_size=data["avg_deal_size"],
            conversion_pct=data["conversion_pct"],
            margin_pct=data["margin_pct"],
            time_split=data["time_split"],
            rep_split=data["rep_split"],
            reps=[
                PlanRep(u.pk, str(u), weights[u.pk])
                for u in reps
                if weights[u.pk] is not None and weights[u.pk] > 0
            ],
            overrides=calendar_overrides(start=data["start"], end=data["end"]),
        )
        if request.POST.get("action") == "save":
            posted = {r.key: request.POST.get(f"row_{r.key}") for r in plan.rows}
            values = {k: parse_decimal(v) for k, v in posted.items() if v is not None}
            rows = {r.key: r.target for r in plan.rows}
            adjusted = {k: v for k, v in values.items() if v is None or v != rows[k]}
            try:
                root = services.goal_plan_save(
                    actor=request.user,
                    plan=plan,
                    scope_kind=scope_kind,
                    team=team,
                    adjusted=adjusted,
                    with_activity_goals=data["with_activity_goals"],
                    note=data["note"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                for row in plan.rows:
                    row.posted = posted.get(row.key)
            else:
                messages.success(request, _("Goals saved."))
                return redirect(root)
        context.update(
            proposal=plan,
            subject_label=dict(form.fields["subject"].choices).get(request.POST.get("subject")),
            reps=[(u, weights[u.pk] if weights[u.pk] is not None else Decimal(0)) for u in reps],
        )
    return render(request, "goals/plan.html", context)
