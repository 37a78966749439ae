"""Reads for goals: who may see and set which goals, actuals, expected-to-date, the light.

Actuals are database aggregates, one query per record type however many goals and deals
(conditional aggregates, one per goal), on the goal's subject: a rep goal counts the rep's own
records (owner), a team goal those of the team and its sub-teams, a company goal all.

Who may see a goal is decided by goal_list_for_user; a goal one may see shows its whole figure
(a rep sees how the team and the company are doing: a sum, no record). A figure whose field the
viewer's role may not read (e.g. payments for marketing) is not shown at all.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from salestrack.access.models import FieldLevel, ObjectPolicy, Scope
from salestrack.access.policy import permissions_for
from salestrack.accounts.models import Team, User
from salestrack.activities.models import FollowUp
from salestrack.customers.models import Customer
from salestrack.deals.models import Deal
from salestrack.goals.models import Goal, WorkCalendarDay
from salestrack.goals.progress import Light, expected_to_date, goal_light

Metric = Goal.Metric
# Record type (access.policy) and, for sums, the governed field each metric reads.
METRIC_SOURCE: dict[str, tuple[str, str | None]] = {
    Metric.WON_AMOUNT: ("deal", "amount"),
    Metric.WON_COUNT: ("deal", None),
    Metric.PAYMENTS: ("deal", "payment_received"),
    Metric.NEW_CUSTOMERS: ("customer", None),
    Metric.FOLLOWUPS: ("followup", None),
}
SETTER_SCOPES = (Scope.TEAM, Scope.SUBTREE, Scope.ALL)
KIND_ORDER = {"week": 0, "month": 1, "quarter": 2, "year": 3}


def calendar_overrides(*, start: date, end: date) -> dict[date, bool]:
    """Holidays and make-up working days between start and end (one query)."""
    rows = WorkCalendarDay.objects.filter(date__range=(start, end)).values_list(
        "date", "is_workday"
    )
    return dict(rows)


# --- who may set goals ------------------------------------------------------------------


def goal_can_set(user: User) -> bool:
    """Whether `user` may set goals: a role whose deal scope is own team, team and sub-teams,
    or all, and which may edit and create deals (built in: managers for their subtree,
    directors and admins for the company). Reps may not (own scope); neither may finance and
    marketing, which read all deals and edit only a few fields of them but create none."""
    perms = permissions_for(user)
    return (
        perms.scope("deal") in SETTER_SCOPES
        and perms.can("deal", "edit")
        and perms.can("deal", "create")
    )


def goal_settable_teams(user: User) -> QuerySet[Team]:
    """Teams `user` may set goals for: all with the all-scope, else their team (and, with the
    sub-team scope, its sub-teams)."""
    if not goal_can_set(user):
        return Team.objects.none()
    scope = permissions_for(user).scope("deal")
    if scope == Scope.ALL:
        return Team.objects.all()
    if not user.team_id:
        return Team.objects.none()
    if scope == Scope.SUBTREE:
        return Team.objects.filter(path__startswith=user.team.path)
    return Team.objects.filter(pk=user.team_id)


def goal_can_set_company(user: User) -> bool:
    return goal_can_set(user) and permissions_for(user).scope("deal") == Scope.ALL


def goal_plan_reps(*, team: Team | None) -> list[User]:
    """The reps a plan is split over: active users of the team's subtree (or the company)
    whose role reaches only their own deals."""
    rep_roles = ObjectPolicy.objects.filter(object_type="deal", scope=Scope.OWN).values("role__key")
    qs = User.objects.filter(is_active=True, role__in=rep_roles).select_related("team")
    if team is not None:
        qs = qs.filter(team__path__startswith=team.path)
    return list(qs.order_by("team__path", "username"))


def goal_can_manage(user: User, goal: Goal) -> bool:
    """May `user` change or delete this goal (same rule as setting it)."""
    if not goal_can_set(user):
        return False
    if goal_can_set_company(user):
        return True
    teams = goal_settable_teams(user)
    if goal.scope_kind == Goal.ScopeKind.TEAM:
        return teams.filter(pk=goal.team_id).exists()
    if goal.scope_kind == Goal.ScopeKind.REP:
        return teams.filter(pk=goal.user.team_id).exists()
    return False


# --- who may see which goals --------------------------------------------------------------


def goal_visible_filter(user: User) -> Q | None:
    """Goals `user` may see (None: all).

    - deal scope "all": every goal;
    - deal scope own team / team and sub-teams (managers): the company's goals and those of
      the teams in that scope, of the teams above their own, and of the reps in it;
    - otherwise the "sees analytics" right shows every goal;
    - otherwise (reps): their own goals, their team's (and the teams above it) and the
      company's.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    perms = permissions_for(user)
    scope = perms.scope("deal")
    if scope == Scope.ALL:
        return None
    company = Q(scope_kind=Goal.ScopeKind.COMPANY)
    own = Q(scope_kind=Goal.ScopeKind.REP, user_id=user.pk)
    above = Q(scope_kind=Goal.ScopeKind.TEAM, team_id__in=_ancestor_ids(user.team))
    if scope in (Scope.TEAM, Scope.SUBTREE) and user.team_id:
        teams = (
            Team.objects.filter(path__startswith=user.team.path)
            if scope == Scope.SUBTREE
            else Team.objects.filter(pk=user.team_id)
        ).values("pk")
        return (
            company
            | own
            | above
            | Q(scope_kind=Goal.ScopeKind.TEAM, team_id__in=teams)
            | Q(scope_kind=Goal.ScopeKind.REP, user__team_id__in=teams)
        )
    if perms.has("view_analytics"):
        return None
    return company | own | above


def _ancestor_ids(team: Team | None) -> list[int]:
    if team is None:
        return []
    return [int(pk) for pk in team.path.strip("/").split("/") if pk]


def goal_queryset(*, user: User) -> QuerySet[Goal]:
    condition = goal_visible_filter(user)
    qs = Goal.objects.select_related("team", "user")
    return qs if condition is None else qs.filter(condition)


def goal_get_for_user(*, user: User, pk: int) -> Goal:
    """The goal if `user` may see it; 404 otherwise."""
    try:
        return goal_queryset(user=user).get(pk=pk)
    except Goal.DoesNotExist as exc:
        raise Http404 from exc


# --- actuals and progress -----------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _team_subtrees(goals: list[Goal]) -> dict[int, list[int]]:
    team_ids = {g.team_id for g in goals if g.team_id}
    if not team_ids:
        return {}
    teams = list(Team.objects.values_list("pk", "path"))
    paths = {pk: path for pk, path in teams if pk in team_ids}
    return {
        team_id: [pk for pk, path in teams if path.startswith(prefix)]
        for team_id, prefix in paths.items()
    }


def _between(field: str, start: date, end: date) -> Q:
    """`field` (a datetime) within the local days start..end."""
    return Q(
        **{
            f"{field}__gte": _day_start(start),
            f"{field}__lt": _day_start(end + timedelta(days=1)),
        }
    )


# Per metric: the table's aggregate over the records of one period (deals, customers, follow-ups).
def _metric_aggregate(metric: str, start: date, end: date):
    won = Q(status=Deal.Status.WON) & _between("closed_at", start, end)
    if metric == Metric.WON_AMOUNT:
        return Deal, Sum("amount", filter=won)
    if metric == Metric.WON_COUNT:
        return Deal, Count("id", filter=won)
    if metric == Metric.PAYMENTS:
        return Deal, Sum("payment_received", filter=Q(contract_signed_on__range=(start, end)))
    if metric == Metric.NEW_CUSTOMERS:
        return Customer, Count("id", filter=_between("created_at", start, end))
    made = _between("occurred_at", start, end) & Q(planned=False)
    return FollowUp, Count("id", filter=made)


def _record_ranges(goals: list[Goal]) -> dict[type, Q]:
    """Per record type, the rows any of the goals' aggregates may count (by date range)."""

    def span(metrics) -> tuple[date, date] | None:
        chosen = [g for g in goals if g.metric in metrics]
        if not chosen:
            return None
        return min(g.start for g in chosen), max(g.end for g in chosen)

    where: dict[type, Q] = {}
    won, paid = span((Metric.WON_AMOUNT, Metric.WON_COUNT)), span((Metric.PAYMENTS,))
    deal_parts = []
    if won:
        deal_parts.append(Q(status=Deal.Status.WON) & _between("closed_at", *won))
    if paid:
        deal_parts.append(Q(contract_signed_on__range=paid))
    if deal_parts:
        where[Deal] = deal_parts[0] if len(deal_parts) == 1 else deal_parts[0] | deal_parts[1]
    if created := span((Metric.NEW_CUSTOMERS,)):
        where[Customer] = _between("created_at", *created)
    if occurred := span((Metric.FOLLOWUPS,)):
        where[FollowUp] = _between("occurred_at", *occurred)
    return where


@dataclass
class _Totals:
    """One figure of one period, summed by owner, by team and overall."""

    by_owner: dict[int, Decimal]
    by_team: dict[int | None, Decimal]
    total: Decimal


def goal_actuals(
    *, user: User, goals: Iterable[Goal], subtrees: dict[int, list[int]] | None = None
) -> dict[int, Decimal]:
    """Actual per goal id (the caller has checked that `user` may see these goals).

    One GROUP BY owner, team query per record type (deals, customers, follow-ups), with one
    conditional aggregate per metric and period among the goals: the query count and the rows
    returned grow with the number of users, never with deals or goals. A rep goal then reads
    its owner's figure, a team goal adds up its subtree's teams, a company goal takes the total.

    won amount / won deals: deals won (status won) with closed_at in the period; payments:
    payment_received of deals whose contract was signed in the period; new customers: created
    in the period; follow-ups: occurred in the period.
    """
    goals = list(goals)
    if not goals:
        return {}
    subtrees = _team_subtrees(goals) if subtrees is None else subtrees
    aliases: dict[tuple[str, date, date], str] = {}
    per_model: dict[type, dict] = {Deal: {}, Customer: {}, FollowUp: {}}
    for g in goals:
        key = (g.metric, g.start, g.end)
        if key not in aliases:
            model, aggregate = _metric_aggregate(*key)
            aliases[key] = f"a{len(aliases)}"
            per_model[model][aliases[key]] = aggregate
    where = _record_ranges(goals)
    totals: dict[str, _Totals] = {}
    for model, aggregates in per_model.items():
        if not aggregates:
            continue
        qs = model.objects.filter(where[model])  # only rows some aggregate may count
        rows = list(qs.values("owner_id", "team_id").annotate(**aggregates).order_by())
        for alias in aggregates:
            by_owner: dict[int, Decimal] = defaultdict(Decimal)
            by_team: dict[int | None, Decimal] = defaultdict(Decimal)
            for row in rows:
                value = Decimal(row[alias] or 0)
                by_owner[row["owner_id"]] += value
                by_team[row["team_id"]] += value
            totals[alias] = _Totals(by_owner, by_team, sum(by_team.values(), Decimal(0)))
    actuals = {}
    for g in goals:
        figure = totals[aliases[(g.metric, g.start, g.end)]]
        if g.scope_kind == Goal.ScopeKind.REP:
            actuals[g.pk] = figure.by_owner.get(g.user_id, Decimal(0))
        elif g.scope_kind == Goal.ScopeKind.TEAM:
            teams = subtrees.get(g.team_id, [g.team_id])
            actuals[g.pk] = sum((figure.by_team.get(t, Decimal(0)) for t in teams), Decimal(0))
        else:
            actuals[g.pk] = figure.total
    return actuals


@dataclass
class GoalProgress:
    goal: Goal
    actual: Decimal | None  # None: the viewer's role may not read this figure
    expected: Decimal
    light: Light | None  # None when hidden

    @property
    def pct_of_target(self) -> int:
        if self.actual is None or not self.goal.target:
            return 0
        return int(self.actual * 100 / self.goal.target)

    @property
    def bar_pct(self) -> int:
        return min(self.pct_of_target, 100)

    @property
    def expected_pct(self) -> int:
        if not self.goal.target:
            return 0
        return min(int(self.expected * 100 / self.goal.target), 100)


def goal_progress(
    *, user: User, goals: Iterable[Goal], on: date | None = None
) -> list[GoalProgress]:
    """Actual, expected-to-date and light of each goal as `user` sees it on `on` (today)."""
    goals = list(goals)
    if not goals:
        return []
    on = on or timezone.localdate()
    perms = permissions_for(user)
    subtrees = _team_subtrees([*goals, Goal(team_id=user.team_id)] if user.team_id else goals)
    actuals = goal_actuals(user=user, goals=goals, subtrees=subtrees)
    overrides = calendar_overrides(start=min(g.start for g in goals), end=max(g.end for g in goals))
    yellow, red = settings.SALESTRACK_GOAL_YELLOW_PCT, settings.SALESTRACK_GOAL_RED_PCT
    rows = []
    for goal in goals:
        kind, field = METRIC_SOURCE[goal.metric]
        hidden = perms.scope(kind) == Scope.NONE or (
            field is not None and perms.field_level(kind, field) == FieldLevel.HIDDEN
        )
        expected = expected_to_date(
            target=goal.target, start=goal.start, end=goal.end, on=on, overrides=overrides
        )
        actual = None if hidden else actuals[goal.pk]
        light = (
            None
            if hidden
            else goal_light(actual=actual, expected=expected, yellow_pct=yellow, red_pct=red)
        )
        rows.append(GoalProgress(goal, actual, expected, light))
    return rows


def goal_list_for_user(
    *,
    user: User,
    on: date,
    period_kind: str = "",
    team: Team | None = None,
    light: str = "",
) -> dict[str, list[GoalProgress]]:
    """The goals `user` may see whose period contains `on`, grouped company / team / rep;
    `team`: only the goals of that team and its sub-teams and of their reps; `light`: only
    the goals showing that light."""
    qs = goal_queryset(user=user).filter(start__lte=on, end__gte=on)
    if period_kind:
        qs = qs.filter(period_kind=period_kind)
    if team is not None:
        subtree = Team.objects.filter(path__startswith=team.path).values("pk")
        qs = qs.filter(
            Q(scope_kind=Goal.ScopeKind.TEAM, team__in=subtree)
            | Q(scope_kind=Goal.ScopeKind.REP, user__team__in=subtree)
        )
    goals = sorted(
        qs,
        key=lambda g: (KIND_ORDER[g.period_kind], g.subject_label, g.metric),
    )
    groups: dict[str, list[GoalProgress]] = {k: [] for k in Goal.ScopeKind.values}
    for row in goal_progress(user=user, goals=goals, on=on):
        if not light or row.light == light:
            groups[row.goal.scope_kind].append(row)
    return groups


def goal_filter_teams(*, user: User) -> QuerySet[Team]:
    """The team filter's choices: the teams of the goals `user` may see (theirs, or their
    reps') and the departments above them (a department's choice takes in its sub-teams)."""
    visible = goal_queryset(user=user)
    ids = visible.filter(scope_kind=Goal.ScopeKind.TEAM).values("team_id")
    rep_teams = visible.filter(scope_kind=Goal.ScopeKind.REP).values("user__team_id")
    paths = Team.objects.filter(Q(pk__in=ids) | Q(pk__in=rep_teams)).values_list("path", flat=True)
    with_ancestors = {int(part) for path in paths for part in path.split("/") if part}
    return Team.objects.filter(pk__in=with_ancestors)


def goal_progress_for_user(*, user: User, on: date | None = None) -> list[GoalProgress]:
    """For the user's home: their own goals whose period contains `on`, then those of their
    team (shortest period first)."""
    on = on or timezone.localdate()
    if not user.is_authenticated:
        return []
    mine = Q(scope_kind=Goal.ScopeKind.REP, user_id=user.pk)
    if user.team_id:
        mine |= Q(scope_kind=Goal.ScopeKind.TEAM, team_id=user.team_id)
    goals = sorted(
        goal_queryset(user=user).filter(mine, start__lte=on, end__gte=on),
        key=lambda g: (g.scope_kind != Goal.ScopeKind.REP, KIND_ORDER[g.period_kind], g.metric),
    )
    return goal_progress(user=user, goals=goals, on=on)


def goal_tree(
    *, user: User, goal: Goal, on: date | None = None
) -> tuple[GoalProgress, list[GoalProgress]]:
    """The goal and its direct parts (sub-periods and rep shares) the user may see, with their
    progress computed together (one round of aggregates)."""
    children = goal_queryset(user=user).filter(parent=goal)
    children = sorted(children, key=lambda g: (g.scope_kind == "rep", g.start, g.metric, str(g)))
    rows = goal_progress(user=user, goals=[goal, *children], on=on)
    return rows[0], rows[1:]
