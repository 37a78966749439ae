"""Reads of the reports: one rep's or one team's day, week or month, next to the one before.

Every figure comes from the dashboard's own definitions and queries (analytics): deals created,
won and lost and their amounts are analytics_summary, the won amount by rep of a team is
analytics_breakdown(by="rep"), goal progress is goals.selectors.goal_progress. The dashboard
looks at one pipeline at a time; a report covers every pipeline, so it asks the dashboard once
per pipeline and adds the counts and sums up (one query each). Stage moves and follow-ups made,
which the dashboard does not count, are one conditional aggregate each over the same deals
(the user's deal scope, narrowed to the rep or the team subtree).

Access: the viewer must be allowed the dashboard (analytics_may_view); a rep report is for a
user the viewer may filter by (access.scope.visible_users: a rep only themselves), a team
report for a team within the viewer's deal scope (own team, its subtree, or all); anything else
answers 404. Money figures are None for roles whose deal amount is hidden.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.models import Scope
from salestrack.access.policy import permissions_for
from salestrack.access.scope import scope_queryset, visible_users
from salestrack.accounts.models import Team, User
from salestrack.activities.selectors import followup_queryset
from salestrack.analytics.access import analytics_may_view
from salestrack.analytics.filters import (
    CUSTOM,
    AnalyticsFilters,
    Period,
    amounts_visible,
    compared,
)
from salestrack.analytics.selectors import analytics_breakdown, analytics_summary
from salestrack.analytics.selectors.common import group_readable
from salestrack.deals.models import StageChange
from salestrack.deals.selectors import deal_queryset
from salestrack.goals.models import Goal
from salestrack.goals.progress import Light
from salestrack.goals.selectors import KIND_ORDER, GoalProgress, goal_progress, goal_queryset
from salestrack.pipeline.models import Pipeline, Stage
from salestrack.reports.periods import (
    KIND_TITLES,
    KINDS,
    previous_period,
    report_period,
    report_period_label,
)

REP, TEAM = "rep", "team"
SUBJECTS = (REP, TEAM)
LIGHT_ORDER = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2}


# --- who may see which report -------------------------------------------------------------


def report_may_view(user: User) -> bool:
    """Reports are the dashboard's figures: the same roles (all but those without deals)."""
    return analytics_may_view(user)


def report_require(user: User) -> None:
    if not report_may_view(user):
        raise PermissionDenied(_("Your role may not see reports."))


def report_teams(user: User) -> QuerySet[Team]:
    """Teams whose report the user may open: every team with the all scope, their own team
    with the team scope, their team's subtree with the subtree scope; none for own-scope roles
    (a rep sees their own report only)."""
    scope = permissions_for(user).scope("deal")
    teams = Team.objects.order_by("path")
    if scope == Scope.ALL:
        return teams
    if user.team_id is None:
        return teams.none()
    if scope == Scope.SUBTREE:
        return teams.filter(path__startswith=user.team.path)
    if scope == Scope.TEAM:
        return teams.filter(pk=user.team_id)
    return teams.none()


def report_reps(user: User) -> QuerySet[User]:
    """Users whose rep report the user may open: those they may filter the dashboard by."""
    return visible_users(user).select_related("team").order_by("team__path", "username")


def report_subject(*, user: User, subject: str, subject_id: int) -> User | Team:
    """The rep or team of a report, if the user may see its report; 404 otherwise."""
    report_require(user)
    qs = report_reps(user) if subject == REP else report_teams(user) if subject == TEAM else None
    if qs is None:
        raise Http404
    found = qs.filter(pk=subject_id).first()
    if found is None:
        raise Http404
    return found


# --- the report ---------------------------------------------------------------------------


@dataclass
class StageMove:
    stage: Stage
    count: int
    previous: int


@dataclass
class RepRow:
    """One rep of a team report: deals won in the period and their amount."""

    user_id: int
    label: str
    won: int = 0
    won_amount: Decimal | None = None


@dataclass
class Report:
    kind: str
    subject: str  # rep | team
    subject_obj: User | Team
    period: Period
    previous: Period
    amounts_visible: bool
    # compared figures: {"value", "previous", "change_pct"}; money ones None when hidden
    created: dict
    created_amount: dict | None
    won: dict
    won_amount: dict | None
    lost: dict
    stage_moves: dict
    moves_by_stage: list[StageMove]
    followups: dict | None  # None: the role reads no follow-ups
    goals: list[GoalProgress]
    goals_on: date
    by_rep: list[RepRow] = field(default_factory=list)

    @property
    def subject_id(self) -> int:
        return self.subject_obj.pk

    @property
    def subject_label(self) -> str:
        return str(self.subject_obj)

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])

    @property
    def title(self) -> str:
        return str(KIND_TITLES[self.kind])

    @property
    def period_label(self) -> str:
        return report_period_label(self.kind, self.period)

    @property
    def light(self) -> str | None:
        """The worst light among the goals (red before yellow before green); None: no goal
        whose figure the user may read."""
        lights = [g.light for g in self.goals if g.light is not None]
        return min(lights, key=lambda light: LIGHT_ORDER[light]) if lights else None

    @property
    def light_label(self) -> str:
        return str(Light(self.light).label) if self.light else ""

    @property
    def url(self) -> str:
        return report_url(self.kind, self.subject, self.subject_id, self.period.start)


def report_url(kind: str, subject: str, subject_id: int, start: date) -> str:
    return reverse("reports:report", args=[kind, subject, subject_id, start.isoformat()])


def _summary(*, user: User, period: Period, previous: Period, team, rep, money: bool) -> dict:
    """analytics_summary of every pipeline, added up: created, won, lost (+ amounts)."""
    names = ["created", "won", "lost"] + (["created_amount", "won_amount"] if money else [])
    totals = {name: [0, 0] for name in names}
    for pipeline in Pipeline.objects.order_by("pk"):
        filters = AnalyticsFilters(
            period=period,
            previous=previous,
            history=previous,
            history_count=1,
            pipeline=pipeline,
            preset=CUSTOM,
            team=team,
            rep=rep,
        )
        summary = analytics_summary(user=user, filters=filters)
        for name in names:
            totals[name][0] += summary[name]["value"] or 0
            totals[name][1] += summary[name]["previous"] or 0
    out = {name: compared(*totals[name]) for name in names}
    return out | ({} if money else {"created_amount": None, "won_amount": None})


def _by_rep(*, user: User, period: Period, previous: Period, team: Team, money: bool):
    """Won deals and amount per rep of the team: analytics_breakdown(by="rep") per pipeline."""
    if not group_readable(user, "rep"):
        return []
    rows: dict[int, RepRow] = {}
    for pipeline in Pipeline.objects.order_by("pk"):
        filters = AnalyticsFilters(
            period=period,
            previous=previous,
            history=previous,
            history_count=1,
            pipeline=pipeline,
            preset=CUSTOM,
            team=team,
        )
        for r in analytics_breakdown(user=user, filters=filters, by="rep")["rows"]:
            if not r["won"]["value"]:
                continue
            key = int(r["key"])
            row = rows.setdefault(key, RepRow(key, r["label"], 0, Decimal(0) if money else None))
            row.won += r["won"]["value"]
            if money:
                row.won_amount += r["won_amount"]["value"]
    return sorted(rows.values(), key=lambda row: (-(row.won_amount or 0), -row.won, row.label))


def _subtree_ids(team: Team) -> list[int]:
    """The team and its sub-teams, as ids (a join on the team path per row is ~15× slower)."""
    return list(Team.objects.filter(path__startswith=team.path).values_list("pk", flat=True))


def _subject_deals(*, user: User, team: Team | None, rep: User | None):
    """The deals the subject's figures count, as analytics_deals narrows them (any pipeline)."""
    qs = deal_queryset(user=user)
    if team is not None:
        qs = qs.filter(team_id__in=_subtree_ids(team))
    if rep is not None:
        qs = qs.filter(owner=rep)
    return qs


def _stage_moves(*, user: User, period: Period, previous: Period, team, rep):
    """Moves from one stage to another (won and lost included; a deal's first stage is not a
    move) that entered the new stage in the period, in total and by stage. One GROUP BY."""
    # A deal moved within the range entered its current stage at that move or later
    # (stage_entered_at is the latest history row's entered_at): only those deals are looked
    # at, which lets the history index (deal, entered_at) serve a handful of deals, not all.
    deals = _subject_deals(user=user, team=team, rep=rep).filter(
        stage_entered_at__gte=previous.since
    )
    rows = list(
        StageChange.objects.filter(
            deal__in=deals.values("pk"),
            from_stage__isnull=False,
            entered_at__gte=previous.since,
            entered_at__lt=period.until,
        )
        .values("to_stage_id")
        .annotate(
            n=Count("id", filter=period.contains("entered_at")),
            p=Count("id", filter=previous.contains("entered_at")),
        )
        .order_by()
    )
    stages = Stage.objects.in_bulk([r["to_stage_id"] for r in rows])
    moves = [StageMove(stages[r["to_stage_id"]], r["n"], r["p"]) for r in rows if r["n"] or r["p"]]
    moves.sort(key=lambda m: (m.stage.pipeline_id, m.stage.position))
    total = compared(sum(m.count for m in moves), sum(m.previous for m in moves))
    return total, [m for m in moves if m.count]


def _followups(*, user: User, period: Period, previous: Period, team, rep) -> dict | None:
    """Follow-ups made (not the ones a rule planned) in the period, as the goals count them."""
    if permissions_for(user).scope("followup") == Scope.NONE:
        return None
    qs = scope_queryset(user, followup_queryset()).filter(
        planned=False, occurred_at__gte=previous.since, occurred_at__lt=period.until
    )
    if team is not None:
        qs = qs.filter(team_id__in=_subtree_ids(team))
    if rep is not None:
        qs = qs.filter(owner=rep)
    t = qs.aggregate(
        n=Count("id", filter=period.contains("occurred_at")),
        p=Count("id", filter=previous.contains("occurred_at")),
    )
    return compared(t["n"], t["p"])


def _goals(*, user: User, period: Period, team, rep, on: date) -> list[GoalProgress]:
    """The subject's own goals whose period covers the report period, with their progress on
    `on` (the goals app's actual, expected-to-date and light)."""
    if rep is not None:
        subject = Q(scope_kind=Goal.ScopeKind.REP, user=rep)
    else:
        subject = Q(scope_kind=Goal.ScopeKind.TEAM, team=team)
    goals = sorted(
        goal_queryset(user=user).filter(subject, start__lte=period.start, end__gte=period.end),
        key=lambda g: (KIND_ORDER[g.period_kind], g.metric),
    )
    return goal_progress(user=user, goals=goals, on=on)


def report_for(
    *,
    user: User,
    subject: str,
    subject_id: int,
    kind: str,
    period_start: date,
    today: date | None = None,
) -> Report:
    """The report of `kind` (daily / weekly / monthly) whose period contains `period_start`,
    for a rep or a team, as `user` may see it (404 / 403 otherwise). Goal progress is as of
    `today` (the goals' actual so far and the share of their target due by then)."""
    if kind not in KINDS:
        raise Http404
    obj = report_subject(user=user, subject=subject, subject_id=subject_id)
    team, rep = (obj, None) if subject == TEAM else (None, obj)
    period = report_period(kind, period_start)
    previous = previous_period(kind, period)
    money = amounts_visible(user)
    today = today or timezone.localdate()
    figures = _summary(user=user, period=period, previous=previous, team=team, rep=rep, money=money)
    moves, by_stage = _stage_moves(user=user, period=period, previous=previous, team=team, rep=rep)
    return Report(
        kind=kind,
        subject=subject,
        subject_obj=obj,
        period=period,
        previous=previous,
        amounts_visible=money,
        created=figures["created"],
        created_amount=figures["created_amount"],
        won=figures["won"],
        won_amount=figures["won_amount"],
        lost=figures["lost"],
        stage_moves=moves,
        moves_by_stage=by_stage,
        followups=_followups(user=user, period=period, previous=previous, team=team, rep=rep),
        goals=_goals(user=user, period=period, team=team, rep=rep, on=today),
        goals_on=today,
        by_rep=_by_rep(user=user, period=period, previous=previous, team=team, money=money)
        if team is not None
        else [],
    )
