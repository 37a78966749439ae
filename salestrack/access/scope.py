"""The one place that decides which owned records a user may see or change.

Every selector and view goes through `scope_queryset` / `get_for_user`; the full role and field
policy (a later issue) replaces the body of these functions, not their callers.
"""

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from salestrack.accounts.models import Team, User


def scope_filter(user: User, *, owner_field: str = "owner", team_field: str = "team") -> Q | None:
    """Q restricting owned records to the user's scope, or None for no restriction."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.role == User.Role.ADMIN or user.is_superuser:
        return None
    if user.role == User.Role.MANAGER and user.team_id:
        subtree = Team.objects.filter(path__startswith=user.team.path).values("pk")
        return Q(**{f"{team_field}__in": subtree}) | Q(**{owner_field: user})
    return Q(**{owner_field: user})


def scope_queryset(user: User, qs: QuerySet, **fields: str) -> QuerySet:
    condition = scope_filter(user, **fields)
    return qs if condition is None else qs.filter(condition)


def get_for_user(user: User, qs: QuerySet, pk: int, **fields: str) -> Model:
    """The record if it is in the user's scope; 404 otherwise, so existence does not leak."""
    try:
        return scope_queryset(user, qs, **fields).get(pk=pk)
    except qs.model.DoesNotExist as exc:
        raise Http404 from exc


def visible_users(user: User) -> QuerySet:
    """Users whose records this user may filter by or assign to."""
    qs = User.objects.filter(is_active=True)
    if user.role == User.Role.ADMIN or user.is_superuser:
        return qs
    if user.role == User.Role.MANAGER and user.team_id:
        subtree = Team.objects.filter(path__startswith=user.team.path).values("pk")
        return qs.filter(Q(team__in=subtree) | Q(pk=user.pk))
    return qs.filter(pk=user.pk)
