"""The checks every bulk change makes before it writes anything (all or nothing)."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from salestrack.access.models import FieldLevel
from salestrack.access.policy import permissions_for
from salestrack.access.scope import scope_queryset, visible_users
from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import AuditItem, audit_diff, audit_record_many
from salestrack.core.exceptions import ApplicationError

BULK_LIMIT = 500


def bulk_rows(
    *,
    actor: User,
    qs: QuerySet,
    object_type: str,
    ids: list[int],
    fields: list[str],
    read: tuple[str, ...] = (),
) -> list[dict]:
    """Current values of `fields` (and `read`) for the records `ids`, locked for update.

    Refuses (PermissionDenied) a role without bulk and edit rights on the type or edit level on
    a field, and (ApplicationError) an empty or oversized selection, or one holding any record
    the actor may not change — then nothing at all is changed.
    """
    perms = permissions_for(actor)
    perms.require(object_type, "bulk")
    perms.require(object_type, "edit")
    for name in fields:
        if perms.field_level(object_type, name) != FieldLevel.EDIT:
            raise PermissionDenied(_("Your role may not change this field."))
    ids = sorted(set(ids))
    if not ids:
        raise ApplicationError(_("Select at least one record."))
    if len(ids) > BULK_LIMIT:
        raise ApplicationError(
            _("Select at most %(limit)d records at a time.") % {"limit": BULK_LIMIT}
        )
    writable = scope_queryset(actor, qs.filter(pk__in=ids), write=True)
    rows = list(writable.select_for_update().values("pk", *fields, *read))
    missing = len(ids) - len(rows)
    if missing:
        raise ApplicationError(
            ngettext(
                "%(count)d of the selected records is not yours to change: nothing was changed.",
                "%(count)d of the selected records are not yours to change: nothing was changed.",
                missing,
            )
            % {"count": missing}
        )
    return rows


def check_assignable(*, actor: User, owner: User) -> None:
    """A new owner must be an active user within the actor's reach."""
    if not visible_users(actor).filter(pk=owner.pk).exists():
        raise ApplicationError(_("%(name)s is outside your teams.") % {"name": owner})


def audit_bulk_update(
    *, actor: User, object_type: str, rows: list[dict], after: dict, label: str
) -> None:
    """One UPDATE entry per changed record: {field: [before, after]} from `rows` to `after`."""
    audit_record_many(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        items=[
            AuditItem(
                object_type=object_type,
                object_id=row["pk"],
                object_label=str(row.get(label, "")),
                changes=audit_diff({k: row[k] for k in after}, after),
                extra={"event": "bulk"},
            )
            for row in rows
        ],
    )
