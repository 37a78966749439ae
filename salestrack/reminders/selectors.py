"""Reads of the reminders app: the settings row, who hears about a deal, and the candidates of
each periodic reminder (one query per kind of reminder, however many users).

Definitions, each in one place:
- a deal's manager(s): `team_managers` — the nearest managers above the deal's team;
- a rep (for the daily update reminder): `rep_role_keys` — an active user whose role reaches
  only its own deals (the same rule as goals.selectors.goal_plan_reps) and may record
  follow-ups. Whether they own open deals does not matter: a rep without deals still has
  customers to follow up, and a manager or admin is not reminded to fill in a daily log.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from salestrack.access.models import ObjectPolicy, Scope
from salestrack.accounts.models import Team, User
from salestrack.activities.models import FollowUp
from salestrack.activities.selectors import followup_queryset
from salestrack.deals.models import Deal
from salestrack.deals.stalls import no_followup_cutoff, stalled_condition
from salestrack.reminders.models import SINGLETON_ID, ReminderSettings

MANAGER_SCOPES = (Scope.TEAM, Scope.SUBTREE)


def reminder_settings_get() -> ReminderSettings:
    """The settings row, created with the defaults on first use."""
    row, _created = ReminderSettings.objects.get_or_create(pk=SINGLETON_ID)
    return row


def local_day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- who hears about a deal -----------------------------------------------------------------


def _ancestor_ids(team: Team) -> list[int]:
    """The team's own id and those above it, nearest first ("/1/4/9/" -> [9, 4, 1])."""
    return [int(pk) for pk in reversed(team.path.strip("/").split("/")) if pk]


def team_managers(team_id: int | None) -> list[int]:
    """Ids of the managers of a team: active users whose role manages deals of a team
    (deal scope "own team" or "team and sub-teams", with the right to create deals, as
    risks.selectors.can_review) placed on the team itself ("own team" or "sub-teams") or,
    with the sub-team scope, on a team above it. Only the nearest level that has any counts:
    a team's own manager hears of its deals, the department head above only when the team has
    none. Directors and admins (all records) are not anyone's team manager. Two queries."""
    if team_id is None:
        return []
    team = Team.objects.filter(pk=team_id).only("path").first()
    if team is None:
        return []
    levels = _ancestor_ids(team)
    policies = ObjectPolicy.objects.filter(
        object_type="deal", scope__in=MANAGER_SCOPES, can_create=True
    ).values_list("role__key", "scope")
    by_scope: dict[str, list[str]] = {Scope.TEAM: [], Scope.SUBTREE: []}
    for key, scope in policies:
        by_scope[scope].append(key)
    condition = Q(team_id=team_id, role__in=by_scope[Scope.TEAM] + by_scope[Scope.SUBTREE])
    condition |= Q(team_id__in=levels[1:], role__in=by_scope[Scope.SUBTREE])
    rows = list(
        User.objects.filter(condition, is_active=True, is_superuser=False).values_list(
            "pk", "team_id"
        )
    )
    for level in levels:
        nearest = sorted(pk for pk, member_team in rows if member_team == level)
        if nearest:
            return nearest
    return []


def deal_audience(deal: Deal) -> list[int]:
    """Who hears about a deal: its owner, its collaborators and the manager(s) of the deal's
    team, active users only, each once (owner first)."""
    ids = [deal.owner_id, *deal.collaborators.values_list("pk", flat=True)]
    ids += team_managers(deal.team_id)
    active = set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    return [pk for pk in dict.fromkeys(ids) if pk in active]


# --- candidates of the periodic reminders ---------------------------------------------------


def followups_due_through(*, today: date) -> QuerySet[FollowUp]:
    """Pending follow-ups (next touch asked for, not done) due today or earlier, of active
    owners, on live customers and deals, with what the reminder shows: one query."""
    return (
        followup_queryset()
        .filter(
            done_at__isnull=True,
            next_due_on__isnull=False,
            next_due_on__lte=today,
            owner__is_active=True,
        )
        .select_related("customer", "deal", "owner")
        .order_by("next_due_on", "id")
    )


def rep_role_keys() -> QuerySet:
    """Keys of the roles whose deal scope is the user's own deals (reps)."""
    return ObjectPolicy.objects.filter(object_type="deal", scope=Scope.OWN).values("role__key")


def reps_without_followup_today(*, today: date) -> QuerySet[User]:
    """Active reps who have recorded no follow-up today: none created today and none that took
    place today (a follow-up planned by a rule is a task, not a contact: it does not count).
    One query (the follow-ups are a NOT IN subquery)."""
    start, end = local_day_start(today), local_day_start(today + timedelta(days=1))
    today_q = Q(created_at__gte=start, created_at__lt=end) | Q(
        occurred_at__gte=start, occurred_at__lt=end
    )
    recorded = FollowUp.objects.filter(today_q, planned=False).values("owner_id")
    can_record = ObjectPolicy.objects.filter(
        object_type="followup", can_create=True, role__key__in=rep_role_keys()
    ).values("role__key")
    return (
        User.objects.filter(is_active=True, role__in=can_record)
        .exclude(pk__in=recorded)
        .only("id", "team_id")
        .order_by("id")
    )


def deals_newly_stalled(*, now: datetime, lookback: timedelta) -> QuerySet[Deal]:
    """Open deals stalled at `now` (deals.stalls, the definition the risks pages use) whose
    stall began within `lookback` before `now`: in the stage past its limit (stalls_at) or
    without a follow-up for too long (last follow-up, or creation, before the cutoff). Deals
    stalled for longer were stalled before the reminder could see them (or already heard of it);
    the scan stays small whatever the number of long-stalled deals. One query."""
    since = now - lookback
    cutoff = no_followup_cutoff(now)
    recent = (
        Q(stalls_at__gte=since, stalls_at__lt=now)
        | Q(last_activity_at__gte=cutoff - lookback, last_activity_at__lt=cutoff)
        | Q(last_activity_at__isnull=True, created_at__gte=cutoff - lookback, created_at__lt=cutoff)
    )
    return (
        Deal.objects.filter(status=Deal.Status.OPEN, owner__is_active=True)
        .filter(stalled_condition(now=now))
        .filter(recent)
        .select_related("customer", "stage")
        .order_by("id")
    )


def collaborators_of(deal_ids: Iterable[int]) -> dict[int, list[int]]:
    """Collaborator ids per deal, for a batch of deals (one query)."""
    through = Deal.collaborators.through
    result: dict[int, list[int]] = {}
    for deal_id, user_id in through.objects.filter(deal_id__in=list(deal_ids)).values_list(
        "deal_id", "user_id"
    ):
        result.setdefault(deal_id, []).append(user_id)
    return result
