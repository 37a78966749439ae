from django.db.models import Q, QuerySet

from salestrack.access.decorators import is_admin
from salestrack.access.models import Scope
from salestrack.access.policy import permissions_for
from salestrack.access.scope import visible_users
from salestrack.accounts.models import User
from salestrack.handover.models import HandOver


def handover_from_users(*, actor: User) -> QuerySet[User]:
    """Whose records the actor may hand over: the users visible_users() admits, and the
    deactivated ones in the same scope (a leaver's account is often switched off first).

    visible_users() lists active users only. Rather than restate its rule here, a deactivated
    user counts as in scope when the actor's scope is unrestricted, or when they belong to the
    team of a colleague visible_users() admits. (A deactivated user alone in a team is thus out
    of a manager's reach: ask an admin.) Use visible_users(actor, include_inactive=True) if
    access ever offers it.
    """
    if permissions_for(actor).scope("deal") == Scope.ALL:  # everyone, active or not
        return User.objects.all()
    visible = visible_users(actor)
    teams = visible.exclude(pk=actor.pk).exclude(team=None).values("team")
    return User.objects.filter(Q(pk__in=visible.values("pk")) | Q(is_active=False, team__in=teams))


def handover_to_users(*, actor: User) -> QuerySet[User]:
    """Who may take the records over: active users the actor can see."""
    return visible_users(actor)


def handover_list(*, actor: User) -> QuerySet[HandOver]:
    """Past hand-overs, newest first: all for admins, else those touching someone in scope."""
    qs = HandOver.objects.select_related("from_user", "to_user", "actor").order_by("-at", "-id")
    if is_admin(actor):
        return qs
    users = handover_from_users(actor=actor).values("pk")
    return qs.filter(Q(from_user__in=users) | Q(to_user__in=users))
