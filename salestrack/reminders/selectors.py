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

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
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


def _ancestor_ids(path: str) -> list[int]:
    """A team's own id and those above it, nearest first ("/1/4/9/" -> [9, 4, 1])."""
    return [int(pk) for pk in reversed(path.strip("/").split("/")) if pk]


def _manager_roles(scopes: tuple[str, ...]) -> QuerySet:
    return ObjectPolicy.objects.filter(
        object_type="deal", scope__in=scopes, can_create=True
    ).values("role__key")


def team_managers(team: Team | None) -> list[int]:
    """Ids of the managers of a team: active users whose role manages deals of a team
    (deal scope "own team" or "team and sub-teams", with the right to create deals, as
    risks.selectors.can_review) placed on the team itself or, with the sub-team scope, on a
    team above it. Only the nearest level that has any counts: a team's own manager hears of
    its deals, the department head above only when the team has none. Directors and admins
    (all records) are not anyone's team manager. One query (the roles are subqueries)."""
    if team is None:
        return []
    levels = _ancestor_ids(team.path) or [team.pk]
    condition = Q(team_id=team.pk, role__in=_manager_roles(MANAGER_SCOPES))
    if levels[1:]:
        condition |= Q(team_id__in=levels[1:], role__in=_manager_roles((Scope.SUBTREE,)))
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


def deal_audience(deal: Deal) -> list[User]:
    """Who hears about a deal (loaded with its team): its owner, its collaborators and the
    manager(s) of the deal's team, active users only, each once, owner first. Two queries."""
    managers = team_managers(deal.team)
    people = {
        u.pk: u
        for u in User.objects.filter(
            Q(pk=deal.owner_id) | Q(collaborating_deals=deal.pk) | Q(pk__in=managers),
            is_active=True,
        ).distinct()
    }
    collaborators = sorted(pk for pk in people if pk != deal.owner_id and pk not in managers)
    order = [deal.owner_id, *collaborators, *managers]
    return [people[pk] for pk in dict.fromkeys(order) if pk in people]


# --- candidates of the periodic reminders ---------------------------------------------------


def _pending() -> QuerySet[FollowUp]:
    """Pending follow-ups (a next touch asked for, not done) of active owners, on live
    customers and deals (served by the partial index followup_pending_due)."""
    return followup_queryset().filter(
        done_at__isnull=True, next_due_on__isnull=False, owner__is_active=True
    )


def followups_due_on(*, today: date) -> QuerySet[FollowUp]:
    """Pending follow-ups due today, with what the reminder shows: one query."""
    return (
        _pending()
        .filter(next_due_on=today)
        .select_related("customer", "deal", "owner")
        .order_by("id")
    )


def overdue_counts(*, today: date) -> dict[int, int]:
    """Owner id -> number of pending follow-ups due before today: one GROUP BY query."""
    rows = (
        _pending()
        .filter(next_due_on__lt=today)
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("owner_id", "n")
    )
    return dict(rows)


def overdue_oldest(*, today: date, owner_ids: Iterable[int], limit: int) -> list[FollowUp]:
    """The `limit` oldest overdue follow-ups of each of these owners, oldest first: one query
    (ROW_NUMBER over each owner's rows, on SQLite and PostgreSQL alike)."""
    owner_ids = list(owner_ids)
    if not owner_ids:
        return []
    ranked = (
        _pending()
        .filter(next_due_on__lt=today, owner_id__in=owner_ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("owner_id")],
                order_by=[F("next_due_on").asc(), F("id").asc()],
            )
        )
        .filter(rank__lte=limit)
        .select_related("customer", "deal")
        .order_by("owner_id", "rank")
    )
    return list(ranked)


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
        .select_related("customer", "stage", "team")
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
