"""Writes for goals: one goal, a whole decomposition (one transaction), deletion. Audited.

Who may set goals (goals.selectors.goal_can_set): roles whose deal scope is own team, team and
sub-teams, or all, and which may edit and create deals. Built in, that is managers (for their
team, its sub-teams and the reps in them) and directors and admins (also for the whole
company). Reps may not, nor may finance and marketing: every service here raises
PermissionDenied (403) for them.
"""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from salestrack.accounts.models import Team, User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_diff, audit_record, audit_snapshot
from salestrack.core.exceptions import ApplicationError
from salestrack.core.money import quantize_cny
from salestrack.goals.decomposition import Plan, contacts_for, won_deals_for
from salestrack.goals.models import Goal
from salestrack.goals.periods import WEEK
from salestrack.goals.selectors import (
    goal_can_manage,
    goal_can_set,
    goal_can_set_company,
    goal_settable_teams,
)

AUDITED = ["period_kind", "start", "end", "scope_kind", "team", "user", "metric", "target", "note"]


def _require_subject(actor: User, *, scope_kind: str, team: Team | None, user: User | None):
    if not goal_can_set(actor):
        raise PermissionDenied(_("Your role may not set goals."))
    if scope_kind == Goal.ScopeKind.COMPANY:
        allowed = goal_can_set_company(actor)
    elif scope_kind == Goal.ScopeKind.TEAM:
        allowed = team is not None and goal_settable_teams(actor).filter(pk=team.pk).exists()
    else:
        allowed = (
            user is not None
            and user.team_id is not None
            and goal_settable_teams(actor).filter(pk=user.team_id).exists()
        ) or goal_can_set_company(actor)
    if not allowed:
        raise PermissionDenied(_("You may not set goals for them."))


def _conflicts(goals: list[Goal]) -> list[Goal]:
    """Goals among `goals` that would duplicate existing ones (same metric, period, subject)."""
    keys = {(g.metric, g.period_kind, g.start, g.scope_kind, g.team_id, g.user_id) for g in goals}
    starts = {g.start for g in goals}
    existing = Goal.objects.filter(start__in=starts, metric__in={g.metric for g in goals})
    return [
        g
        for g in existing.select_related("team", "user")
        if (g.metric, g.period_kind, g.start, g.scope_kind, g.team_id, g.user_id) in keys
    ]


def _refuse_duplicates(goals: list[Goal]) -> None:
    clashes = _conflicts(goals)
    if clashes:
        names = "; ".join(str(g) for g in clashes[:5])
        more = len(clashes) - 5
        raise ApplicationError(
            _("These goals exist already: %(names)s. Delete them first.")
            % {"names": names + (f" (+{more})" if more > 0 else "")},
            extra={"conflicts": [g.pk for g in clashes]},
        )


@transaction.atomic
def goal_create(
    *,
    actor: User,
    period_kind: str,
    start,
    end,
    scope_kind: str,
    metric: str,
    target: Decimal,
    team: Team | None = None,
    user: User | None = None,
    note: str = "",
    parent: Goal | None = None,
) -> Goal:
    _require_subject(actor, scope_kind=scope_kind, team=team, user=user)
    goal = Goal(
        period_kind=period_kind,
        start=start,
        end=end,
        scope_kind=scope_kind,
        team=team if scope_kind == Goal.ScopeKind.TEAM else None,
        user=user if scope_kind == Goal.ScopeKind.REP else None,
        metric=metric,
        target=quantize_cny(Decimal(target)),
        note=note,
        parent=parent,
        created_by=actor,
    )
    if goal.end < goal.start or goal.target < 0:
        raise ApplicationError(_("A goal needs an end after its start and a target of 0 or more."))
    _refuse_duplicates([goal])
    goal.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=goal,
        changes=audit_diff({}, audit_snapshot(goal, AUDITED)),
    )
    return goal


@transaction.atomic
def goal_plan_save(
    *,
    actor: User,
    plan: Plan,
    scope_kind: str,
    team: Team | None = None,
    adjusted: dict[str, Decimal] | None = None,
    with_activity_goals: bool = False,
    note: str = "",
) -> Goal:
    """Store a (possibly adjusted) decomposition as a goal tree on the won amount, in one
    transaction: the period goal, its months and weeks, and every rep share. With
    `with_activity_goals`, each week also gets won-deal and effective-contact goals (follow-ups)
    derived from its adjusted amount. One audit entry for the tree, on its root."""
    _require_subject(actor, scope_kind=scope_kind, team=team, user=None)
    adjusted = adjusted or {}
    for key, value in adjusted.items():
        if value is None or value < 0:
            raise ApplicationError(_("Targets must be 0 or more (row %(key)s).") % {"key": key})
    for row in plan.rows:
        if row.key in adjusted:
            row.target = quantize_cny(adjusted[row.key])
            row.won_deals = won_deals_for(row.target, plan.avg_deal_size)
            row.contacts = contacts_for(row.won_deals, plan.conversion_pct)
    if any(row.rep is not None for row in plan.rows):
        _require_reps_in_scope(actor, {row.rep.user_id for row in plan.rows if row.rep})

    goals: dict[str, Goal] = {}
    by_depth: dict[int, list[tuple[str | None, Goal]]] = defaultdict(list)
    for row in plan.rows:
        is_rep = row.rep is not None
        goal = Goal(
            period_kind=row.period_kind,
            start=row.start,
            end=row.end,
            scope_kind=Goal.ScopeKind.REP if is_rep else scope_kind,
            team=None if is_rep or scope_kind == Goal.ScopeKind.COMPANY else team,
            user_id=row.rep.user_id if is_rep else None,
            metric=Goal.Metric.WON_AMOUNT,
            target=row.target,
            note=note if row.key == "p" else "",
            created_by=actor,
        )
        goals[row.key] = goal
        by_depth[row.depth].append((row.parent_key, goal))
        if with_activity_goals and row.period_kind == WEEK:
            for metric, value in (
                (Goal.Metric.WON_COUNT, row.won_deals),
                (Goal.Metric.FOLLOWUPS, row.contacts),
            ):
                extra = Goal(
                    period_kind=goal.period_kind,
                    start=goal.start,
                    end=goal.end,
                    scope_kind=goal.scope_kind,
                    team=goal.team,
                    user_id=goal.user_id,
                    metric=metric,
                    target=Decimal(value),
                    created_by=actor,
                )
                by_depth[row.depth + 1].append((row.key, extra))
    all_goals = [g for level in by_depth.values() for _parent, g in level]
    _refuse_duplicates(all_goals)
    for depth in sorted(by_depth):
        level = by_depth[depth]
        for parent_key, goal in level:
            goal.parent = goals[parent_key] if parent_key else None
        Goal.objects.bulk_create([g for _parent, g in level])
    root = goals["p"]
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=root,
        changes=audit_diff({}, audit_snapshot(root, AUDITED)),
        extra={
            "decomposition": {
                "goals": len(all_goals),
                "planned": plan.planned,
                "margin_pct": plan.margin_pct,
                "avg_deal_size": plan.avg_deal_size,
                "conversion_pct": plan.conversion_pct,
                "adjusted": sorted(adjusted),
            }
        },
    )
    return root


def _require_reps_in_scope(actor: User, user_ids: set[int]) -> None:
    if goal_can_set_company(actor):
        return
    teams = goal_settable_teams(actor).values("pk")
    reachable = User.objects.filter(pk__in=user_ids, team__in=teams).count()
    if reachable != len(user_ids):
        raise PermissionDenied(_("You may not set goals for them."))


@transaction.atomic
def goal_delete(*, actor: User, goal: Goal) -> int:
    """Delete the goal and all its parts; returns how many goals went."""
    if not goal_can_manage(actor, goal):
        raise PermissionDenied(_("You may not change this goal."))
    before = audit_snapshot(goal, AUDITED)
    label, pk = str(goal), goal.pk
    deleted, per_model = goal.delete()
    count = per_model.get(Goal._meta.label, deleted)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        object_type=Goal._meta.label_lower,
        object_id=pk,
        object_label=label,
        changes=audit_diff(before, {}),
        extra={"goals_deleted": count},
    )
    return count
