"""The one place that decides which owned records a user may see or change.

Every selector and view goes through `scope_queryset` / `get_for_user`; the full role and field
policy (a later issue) replaces the body of these functions, not their callers.

Besides own and team records, a user sees deals and customers shared with them (access.Share,
not expired); `write=True` admits only shares that allow editing.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.models import SHAREABLE, Share
from salestrack.accounts.models import Team, User


def shared_ids(user: User, object_type: str, *, write: bool = False) -> QuerySet:
    """Ids of the records of `object_type` shared with the user and not expired (a subquery)."""
    qs = Share.objects.filter(user=user, object_type=object_type).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )
    if write:
        qs = qs.filter(can_edit=True)
    return qs.values("object_id")


def scope_filter(
    user: User,
    *,
    model: type[Model] | None = None,
    write: bool = False,
    owner_field: str = "owner",
    team_field: str = "team",
) -> Q | None:
    """Q restricting owned records to the user's scope, or None for no restriction.

    With `model` a shareable model, records shared with the user are admitted too (with
    `write`, only editable shares).
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.role == User.Role.ADMIN or user.is_superuser:
        return None
    if user.role == User.Role.MANAGER and user.team_id:
        subtree = Team.objects.filter(path__startswith=user.team.path).values("pk")
        condition = Q(**{f"{team_field}__in": subtree}) | Q(**{owner_field: user})
    else:
        condition = Q(**{owner_field: user})
    if model is not None and model._meta.label_lower in SHAREABLE:
        condition |= Q(pk__in=shared_ids(user, model._meta.label_lower, write=write))
    return condition


def scope_queryset(user: User, qs: QuerySet, *, write: bool = False, **fields: str) -> QuerySet:
    condition = scope_filter(user, model=qs.model, write=write, **fields)
    return qs if condition is None else qs.filter(condition)


def get_for_user(user: User, qs: QuerySet, pk: int, *, write: bool = False, **fields: str) -> Model:
    """The record if it is in the user's scope; 404 otherwise, so existence does not leak.

    With `write=True`, a record the user may see but not change (a read-only share) answers
    403 (PermissionDenied).
    """
    try:
        obj = scope_queryset(user, qs, **fields).get(pk=pk)
    except qs.model.DoesNotExist as exc:
        raise Http404 from exc
    if write and not scope_queryset(user, qs.filter(pk=pk), write=True, **fields).exists():
        raise PermissionDenied(_("This record was shared with you read-only."))
    return obj


def can_write(user: User, obj: Model) -> bool:
    """Whether the user may change `obj` (it is in scope and not only shared read-only)."""
    qs = type(obj)._default_manager.filter(pk=obj.pk)
    return scope_queryset(user, qs, write=True).exists()


def visible_users(user: User) -> QuerySet:
    """Users whose records this user may filter by or assign to."""
    qs = User.objects.filter(is_active=True)
    if user.role == User.Role.ADMIN or user.is_superuser:
        return qs
    if user.role == User.Role.MANAGER and user.team_id:
        subtree = Team.objects.filter(path__startswith=user.team.path).values("pk")
        return qs.filter(Q(team__in=subtree) | Q(pk=user.pk))
    return qs.filter(pk=user.pk)
