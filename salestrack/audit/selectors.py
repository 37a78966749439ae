from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.db.models import QuerySet

from salestrack.access.decorators import has_capability
from salestrack.access.models import FieldLevel
from salestrack.access.policy import mask_value, object_type_of, permissions_for
from salestrack.accounts.models import User
from salestrack.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry
from salestrack.audit.reverts import audit_mark_revertible
from salestrack.audit.services import audit_entry_content, audit_hash

VERIFY_BATCH = 1000


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def audit_verify(*, batch_size: int = VERIFY_BATCH) -> VerifyResult:
    """Walk the chain in seq order, in batches, and name the first entry that does not fit.

    A changed value breaks that entry's hash; a deleted row leaves a gap in seq and a
    prev_hash that no longer matches; swapped rows break both. The chain head catches
    entries cut off the end.
    """
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    qs = AuditEntry.objects.order_by("seq")
    while True:
        batch = list(qs.filter(seq__gte=expected_seq)[:batch_size])
        for entry in batch:
            if entry.seq != expected_seq:
                return VerifyResult(
                    False, checked, entry.seq, f"entry {expected_seq} is missing (gap in seq)"
                )
            if entry.prev_hash != prev_hash:
                return VerifyResult(
                    False, checked, entry.seq, "prev_hash does not match the previous entry"
                )
            if audit_hash(audit_entry_content(entry)) != entry.hash:
                return VerifyResult(
                    False, checked, entry.seq, "hash does not match the entry's content"
                )
            checked += 1
            expected_seq, prev_hash = entry.seq + 1, entry.hash
        if len(batch) < batch_size:
            break
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if (head_seq, head_hash) != (expected_seq - 1, prev_hash):
        return VerifyResult(
            False,
            checked,
            expected_seq,
            f"the chain head records entry {head_seq}, the last entry found is {expected_seq - 1}",
        )
    return VerifyResult(True, checked)


def audit_search(
    *,
    user: User,
    actor_id: int | None = None,
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Entries matching the filters, newest first; nothing for users who may not read the trail."""
    if not has_capability(user, "view_audit"):
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.select_related("actor").order_by("-seq")
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=str(object_id))
    if action:
        qs = qs.filter(action=action)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return qs


def audit_history_for(
    obj: models.Model,
    *,
    limit: int = 20,
    include_views: bool = False,
    user: User | None = None,
) -> list[AuditEntry]:
    """The record's latest entries (the History card); views are left out unless asked for.

    With `user`, each entry carries `revertible_fields`: the changes that user may revert."""
    qs = AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if not include_views:
        qs = qs.exclude(action=AuditEntry.Action.VIEW)
    entries = list(qs.select_related("actor").order_by("-seq")[:limit])
    if user is not None:
        audit_mark_revertible(user=user, obj=obj, entries=entries)
        _apply_field_policy(user=user, obj=obj, entries=entries)
    return entries


def _apply_field_policy(*, user: User, obj: models.Model, entries: list[AuditEntry]) -> None:
    """For display only: drop the changes of fields hidden from the user's role and mask the
    values of masked ones, as on the record itself (the stored entries stay untouched)."""
    kind = object_type_of(type(obj))
    withheld = permissions_for(user).withheld(kind) if kind else {}
    if not withheld:
        return
    for entry in entries:
        if not isinstance(entry.changes, dict):
            continue
        shown = {}
        for name, values in entry.changes.items():
            level = withheld.get(name)
            if level == FieldLevel.HIDDEN:
                continue
            if level == FieldLevel.MASKED:
                values = [None if v is None else mask_value(name, v) for v in values]
            shown[name] = values
        entry.changes = shown


def audit_object_types() -> list[str]:
    return list(
        AuditEntry.objects.order_by("object_type")
        .exclude(object_type="")
        .values_list("object_type", flat=True)
        .distinct()
    )
