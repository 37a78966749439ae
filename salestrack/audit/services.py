import datetime
import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from salestrack.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry
from salestrack.core.http import client_ip

HASHED_FIELDS = [
    "seq",
    "at",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "changes",
    "extra",
    "ip",
    "prev_hash",
]


def json_safe(value: Any) -> Any:
    """A JSON value that reads back equal: Decimal, dates and times as strings, records as ids."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Enum):
        return json_safe(value.value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, models.QuerySet)):
        items = [json_safe(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    return str(value)


def audit_hash(content: dict[str, Any]) -> str:
    """sha256 over a canonical JSON of the entry's hashed fields (prev_hash included)."""
    canonical = json.dumps(
        {name: content[name] for name in HASHED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def audit_entry_content(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": json_safe(entry.at),
        "actor_label": entry.actor_label,
        "action": str(entry.action),
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "changes": entry.changes,
        "extra": entry.extra,
        "ip": entry.ip,
        "prev_hash": entry.prev_hash,
    }


def audit_snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """JSON-safe values of the named fields: foreign keys as ids, many-to-many as sorted ids."""
    snapshot = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            value = sorted(getattr(instance, name).values_list("pk", flat=True))
        elif field.is_relation:
            value = getattr(instance, field.attname)
        else:
            value = getattr(instance, name)
        snapshot[name] = json_safe(value)
    return snapshot


def audit_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{field: [before, after]} for the fields whose value changed."""
    diff = {}
    for name in [*before, *(k for k in after if k not in before)]:
        old, new = json_safe(before.get(name)), json_safe(after.get(name))
        if old != new:
            diff[name] = [old, new]
    return diff


def _lock_head() -> AuditChainHead:
    """The chain head, locked for this transaction (PostgreSQL row lock; SQLite: the
    IMMEDIATE write transaction already holds the database write lock)."""
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    last = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(
                pk=1, seq=last.seq if last else 0, hash=last.hash if last else GENESIS_HASH
            )
    except IntegrityError:
        pass  # another writer created it first; its lock is released when it commits
    return AuditChainHead.objects.select_for_update().get(pk=1)


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    ip = client_ip(request) or None
    if ip is None:
        return None
    return AuditEntry._meta.get_field("ip").to_python(ip)


@dataclass(frozen=True)
class AuditItem:
    """One entry of audit_record_many: the record (or its type, id and label) and what changed."""

    obj: models.Model | None = None
    object_type: str | None = None
    object_id: str | int | None = None
    object_label: str | None = None
    changes: dict | None = None
    extra: dict | None = None


@transaction.atomic
def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    object_label: str | None = None,
    changes: dict | None = None,
    extra: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction.

    Call it from the service that makes the write, after the write: a refused or rolled-back
    write then leaves no entry behind.
    """
    item = AuditItem(obj, object_type, object_id, object_label, changes, extra)
    return _append(actor=actor, action=action, items=[item], request=request)[0]


@transaction.atomic
def audit_record_many(
    *, actor, action: str, items: list[AuditItem], request: HttpRequest | None = None
) -> int:
    """Append one entry per item, as audit_record would one after the other, with one lock of
    the chain head and one INSERT per 500 entries (a hand-over of thousands of records)."""
    return len(_append(actor=actor, action=action, items=items, request=request))


def _append(
    *, actor, action: str, items: list[AuditItem], request: HttpRequest | None
) -> list[AuditEntry]:
    if not items:
        return []
    if actor is not None and not actor.is_authenticated:
        actor = None
    head = _lock_head()
    seq, prev_hash = head.seq, head.hash
    at, ip = timezone.now(), _client_ip(request)
    entries = []
    for item in items:
        obj, object_type, object_id, object_label = (
            item.obj,
            item.object_type,
            item.object_id,
            item.object_label,
        )
        if obj is not None:
            object_type = object_type or obj._meta.label_lower
            object_id = obj.pk if object_id is None else object_id
            object_label = str(obj) if object_label is None else object_label
        seq += 1
        entry = AuditEntry(
            seq=seq,
            at=at,
            actor=actor,
            actor_label=actor.get_username() if actor is not None else "",
            action=AuditEntry.Action(action).value,
            object_type=object_type or "",
            object_id="" if object_id is None else str(object_id),
            object_label=(object_label or "")[:200],
            changes=json_safe(item.changes or {}),
            extra=json_safe(item.extra or {}),
            ip=ip,
            prev_hash=prev_hash,
        )
        entry.hash = prev_hash = audit_hash(audit_entry_content(entry))
        entries.append(entry)
    if len(entries) == 1:
        entries[0].save(force_insert=True)
    else:
        AuditEntry.objects.bulk_create(entries, batch_size=500)
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev_hash)
    return entries
