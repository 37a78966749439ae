"""Revert one field change recorded by an UPDATE entry, through the record's own update service.

The audit app cannot import the domain apps (they sit above it), so each domain app registers
a reverter per record type in its AppConfig.ready() (see customers/reverts.py, deals/reverts.py).
A reverter loads the record for writing (404 out of scope, 403 read-only), checks the entry with
the helpers below and calls its update service, so validation, the version bump and the UPDATE
entry happen as for a normal edit; `revert_field_change` then appends the REVERT entry that
names the reverted entry, in the same transaction.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from salestrack.access.models import FieldLevel
from salestrack.access.policy import object_type_of, permissions_for
from salestrack.access.scope import can_write
from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_record, audit_snapshot
from salestrack.core.exceptions import ApplicationError

# (*, entry, field, actor) -> the record, after its update service saved the old value
RevertFn = Callable[..., models.Model]


def _absolute_url(record: models.Model) -> str:
    return record.get_absolute_url()


@dataclass(frozen=True)
class Reverter:
    revert: RevertFn
    load: Callable[[User, str], models.Model]  # (actor, object_id) -> record for writing
    fields: frozenset[str]  # what the update service accepts and a revert may restore
    may_write: Callable[[User, models.Model], bool] = can_write
    url: Callable[[models.Model], str] = _absolute_url


_REVERTERS: dict[str, Reverter] = {}


def register_reverter(
    object_type: str,
    fn: RevertFn,
    *,
    load: Callable[[User, str], models.Model],
    fields: Iterable[str],
    may_write: Callable[[User, models.Model], bool] = can_write,
    url: Callable[[models.Model], str] = _absolute_url,
) -> None:
    """Make changes to `object_type` records ("customers.customer") revertible.

    `fn(*, entry, field, actor)` reverts; `load(actor, object_id)` returns the record for
    writing (404/403); `fields` are the revertible fields; `may_write(user, record)` says
    whether the user may change the record at all; `url(record)` is where the user goes back.
    """
    _REVERTERS[object_type] = Reverter(
        revert=fn, load=load, fields=frozenset(fields), may_write=may_write, url=url
    )


def _reverter(entry: AuditEntry) -> Reverter:
    reverter = _REVERTERS.get(entry.object_type)
    if reverter is None:
        raise Http404
    return reverter


def revert_target(*, entry: AuditEntry, actor: User) -> models.Model:
    """The entry's record, loaded for writing: 404 out of scope (or not revertible), 403
    read-only. Nothing is written."""
    return _reverter(entry).load(actor, entry.object_id)


def revert_url(record: models.Model) -> str:
    """Where to send the user back to after a revert of `record` (its page)."""
    reverter = _REVERTERS.get(record._meta.label_lower)
    return reverter.url(record) if reverter else record.get_absolute_url()


def revert_field_change(*, entry: AuditEntry, field: str, actor: User) -> models.Model:
    """Put `field` of the entry's record back to the value it had before the entry.

    Refusals raise ApplicationError (nothing written), Http404 or PermissionDenied.
    """
    reverter = _reverter(entry)
    with transaction.atomic():
        record = reverter.revert(entry=entry, field=field, actor=actor)
        before, after = entry.changes[field]
        audit_record(
            actor=actor,
            action=AuditEntry.Action.REVERT,
            obj=record,
            changes={field: [after, before]},
            extra={"reverted_seq": entry.seq, "field": field},
        )
    return record


# Helpers for the reverters -------------------------------------------------------------------


def _label(model: type[models.Model], field: str) -> str:
    try:
        return str(model._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


def reverted_change(
    *, entry: AuditEntry, field: str, record: models.Model, fields: Iterable[str]
) -> tuple[Any, Any]:
    """[before, after] of the entry's change to `field`, if it is one a revert may undo."""
    change = entry.changes.get(field) if isinstance(entry.changes, dict) else None
    if entry.action != AuditEntry.Action.UPDATE or not (
        isinstance(change, list) and len(change) == 2
    ):
        raise ApplicationError(
            _("This history entry records no change to “%(field)s” that could be reverted.")
            % {"field": _label(type(record), field)}
        )
    if field not in fields:
        raise ApplicationError(
            _("A change to “%(field)s” cannot be reverted here; edit the record instead.")
            % {"field": _label(type(record), field)}
        )
    return change[0], change[1]


def require_field_editable(*, actor: User, record: models.Model, field: str) -> None:
    """403 unless the actor's role may edit this field of records of this type."""
    kind = object_type_of(type(record))
    if kind is None or permissions_for(actor).field_level(kind, field) != FieldLevel.EDIT:
        raise PermissionDenied(_("Your role may not change this field."))


def audit_value_to_python(model: type[models.Model], field: str, value: Any) -> Any:
    """The Python value of a JSON-safe audit value: Decimal strings, ISO dates, ids for
    foreign keys (the caller turns the id into a record), None."""
    if value is None:
        return None
    try:
        return model._meta.get_field(field).to_python(value)
    except ValidationError as exc:
        raise value_no_longer_valid(model, field) from exc


def value_no_longer_valid(model: type[models.Model], field: str) -> ApplicationError:
    return ApplicationError(
        _("The earlier value of “%(field)s” is no longer valid, so it cannot be restored.")
        % {"field": _label(model, field)}
    )


def _same_value(model: type[models.Model], field: str, a: Any, b: Any) -> bool:
    try:
        return audit_value_to_python(model, field, a) == audit_value_to_python(model, field, b)
    except ApplicationError:
        return a == b


def _is_current(record: models.Model, field: str, after: Any) -> bool:
    current = audit_snapshot(record, [field])[field]
    return _same_value(type(record), field, current, after)


def require_unchanged_since(*, record: models.Model, field: str, after: Any) -> None:
    """Refuse when the field no longer holds the entry's new value: a later edit would be lost."""
    if not _is_current(record, field, after):
        raise ApplicationError(
            _(
                "“%(field)s” has been changed again since this entry; reverting it would silently "
                "undo the later change. Edit the record instead."
            )
            % {"field": _label(type(record), field)}
        )


# The History card ----------------------------------------------------------------------------


def revertible_fields(*, user: User, obj: models.Model) -> frozenset[str]:
    """Fields of `obj` the user may revert: registered as revertible, and editable by them."""
    reverter = _REVERTERS.get(obj._meta.label_lower)
    kind = object_type_of(type(obj))
    if reverter is None or kind is None or not reverter.may_write(user, obj):
        return frozenset()
    perms = permissions_for(user)
    return frozenset(f for f in reverter.fields if perms.field_level(kind, f) == FieldLevel.EDIT)


def audit_mark_revertible(
    *, user: User, obj: models.Model, entries: list[AuditEntry]
) -> list[AuditEntry]:
    """Set `entry.revertible_fields` on the record's entries: the field changes of UPDATE
    entries the user may revert and that still hold (the field was not changed again since)."""
    allowed = revertible_fields(user=user, obj=obj)
    for entry in entries:
        entry.revertible_fields = (
            [
                field
                for field, change in entry.changes.items()
                if field in allowed
                and isinstance(change, list)
                and len(change) == 2
                and _is_current(obj, field, change[1])
            ]
            if allowed and entry.action == AuditEntry.Action.UPDATE
            else []
        )
    return entries
