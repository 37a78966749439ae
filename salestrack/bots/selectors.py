from collections.abc import Iterable

from django.db.models import QuerySet

from salestrack.access.models import Scope
from salestrack.access.policy import permissions_for
from salestrack.accounts.models import Team, User
from salestrack.bots.models import Bot

MANAGER_SCOPES = (Scope.TEAM, Scope.SUBTREE, Scope.ALL)


def bots_for_event(*, team_ids: Iterable[int], event: str) -> QuerySet[Bot]:
    """The enabled bots of those teams subscribed to the event key (the notification worker's
    question). A team has a handful of bots: the JSON list is read in Python, which works the
    same on SQLite and PostgreSQL."""
    candidates = Bot.objects.filter(team_id__in=list(team_ids), enabled=True).values_list(
        "pk", "events"
    )
    ids = [pk for pk, events in candidates if isinstance(events, list) and event in events]
    return Bot.objects.filter(pk__in=ids).select_related("team")


def bot_manageable_teams(user: User) -> QuerySet[Team]:
    """Teams whose bots `user` may configure: every team for administrators (the "manage
    settings" right) and roles that reach all deals and create them (sales directors); a team
    manager (deal scope own team, or team and sub-teams, with the right to create and edit
    deals) their team, or their team's subtree. Nobody else (reps: own deals only)."""
    perms = permissions_for(user)
    if perms.has("manage_settings"):
        return Team.objects.all()
    scope = perms.scope("deal")
    if scope not in MANAGER_SCOPES or not (
        perms.can("deal", "create") and perms.can("deal", "edit")
    ):
        return Team.objects.none()
    if scope == Scope.ALL:
        return Team.objects.all()
    if not user.team_id:
        return Team.objects.none()
    if scope == Scope.SUBTREE:
        return Team.objects.filter(path__startswith=user.team.path)
    return Team.objects.filter(pk=user.team_id)


def bot_may_manage(user: User) -> bool:
    return bot_manageable_teams(user).exists()


def bot_list(*, user: User) -> QuerySet[Bot]:
    return (
        Bot.objects.filter(team__in=bot_manageable_teams(user))
        .select_related("team")
        .order_by("team__path", "name", "pk")
    )


def bot_get_for_user(*, user: User, pk: int) -> Bot:
    """The bot if `user` manages its team; 404 otherwise (existence does not leak)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(bot_list(user=user), pk=pk)
