"""The one place that decides which owned records a user may see or change.

Every selector and view goes through `scope_queryset` / `get_for_user`. The record scope comes
from the user's role (access.policy: none / own / team / team and sub-teams / all, per record
type); on top of it a user sees deals and customers shared with them (access.Share, not
expired); `write=True` admits only records the role may edit and shares that allow editing.
Records loaded through `scope_queryset` come back with the role's field policy applied
(hidden fields blanked, masked fields masked).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.db.models.query import ModelIterable
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.models import SHAREABLE, Scope, Share
from salestrack.access.policy import (
    apply_field_policy,
    object_type_of,
    permissions_for,
)
from salestrack.accounts.models import Team, User


def shared_ids(user: User, object_type: str, *, write: bool = False) -> QuerySet:
    """Ids of the records of `object_type` shared with the user and not expired (a subquery)."""
    qs = Share.objects.filter(user=user, object_type=object_type).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )
    if write:
        qs = qs.filter(can_edit=True)
    return qs.values("object_id")


def scope_condition(
    user: User, scope: str, *, owner_field: str = "owner", team_field: str = "team"
) -> Q | None:
    """Q for one scope level, or None for no restriction."""
    if scope == Scope.ALL:
        return None
    own = Q(**{owner_field: user.pk})
    if scope == Scope.TEAM and user.team_id:
        return own | Q(**{team_field: user.team_id})
    if scope == Scope.SUBTREE and user.team_id:
        subtree = Team.objects.filter(path__startswith=user.team.path).values("pk")
        return own | Q(**{f"{team_field}__in": subtree})
    if scope == Scope.NONE:
        return Q(pk__in=[])
    return own


def scope_filter(
    user: User,
    *,
    model: type[Model] | None = None,
    write: bool = False,
    owner_field: str = "owner",
    team_field: str = "team",
    object_type: str | None = None,
) -> Q | None:
    """Q restricting owned records to the user's scope, or None for no restriction.

    The record type comes from `model` (or `object_type` for a query through a relation). With
    `write`, a role that may not edit the type reaches only records shared editable with it.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    perms = permissions_for(user)
    kind = object_type or (object_type_of(model) if model is not None else None)
    if kind is None:
        raise ValueError("scope_filter needs a governed model or an object_type")
    condition = (
        Q(pk__in=[])
        if write and not perms.can(kind, "edit")
        else scope_condition(
            user, perms.scope(kind), owner_field=owner_field, team_field=team_field
        )
    )
    if model is not None and model._meta.label_lower in SHAREABLE:
        if condition is None:
            return None
        return condition | Q(pk__in=shared_ids(user, model._meta.label_lower, write=write))
    return condition


class PolicyIterable(ModelIterable):
    """Yields model instances with `user`'s field policy applied (see access.policy)."""

    user: User

    def __iter__(self):
        perms = permissions_for(self.user)
        for obj in super().__iter__():
            yield apply_field_policy(perms, obj)


def with_field_policy(user: User, qs: QuerySet) -> QuerySet:
    """The queryset, yielding instances masked for `user` (values()/aggregates unaffected).

    The iterable class survives .filter() / .order_by() clones, unlike a plain attribute."""
    qs = qs.all()
    if qs._iterable_class is ModelIterable:
        qs._iterable_class = type("PolicyIterable", (PolicyIterable,), {"user": user})
    return qs


def scope_queryset(user: User, qs: QuerySet, *, write: bool = False, **fields: str) -> QuerySet:
    condition = scope_filter(user, model=qs.model, write=write, **fields)
    return with_field_policy(user, qs if condition is None else qs.filter(condition))


def get_for_user(user: User, qs: QuerySet, pk: int, *, write: bool = False, **fields: str) -> Model:
    """The record if it is in the user's scope; 404 otherwise, so existence does not leak.

    With `write=True`, a record the user may see but not change (a read-only share, or a role
    that only reads this type) answers 403 (PermissionDenied).
    """
    try:
        obj = scope_queryset(user, qs, **fields).get(pk=pk)
    except qs.model.DoesNotExist as exc:
        raise Http404 from exc
    if write and not scope_queryset(user, qs.filter(pk=pk), write=True, **fields).exists():
        raise PermissionDenied(_("You may read this record but not change it."))
    return obj


def can_write(user: User, obj: Model) -> bool:
    """Whether the user may change `obj` (it is in scope and not only shared read-only)."""
    qs = type(obj)._default_manager.filter(pk=obj.pk)
    return scope_queryset(user, qs, write=True).exists()


def visible_users(user: User) -> QuerySet:
    """Users whose records this user may filter by or assign to (the role's deal scope)."""
    qs = User.objects.filter(is_active=True)
    scope = permissions_for(user).scope("deal")
    if scope == Scope.ALL:
        return qs
    if scope in (Scope.TEAM, Scope.SUBTREE) and user.team_id:
        condition = scope_condition(user, scope, owner_field="pk", team_field="team")
        return qs.filter(condition)
    return qs.filter(pk=user.pk)
