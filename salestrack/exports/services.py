from typing import Any

from django.http import HttpRequest

from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_record, json_safe


def export_record(
    *,
    actor: User,
    object_type: str,
    filters: dict[str, Any],
    rows: int,
    fields: list[str],
    fmt: str,
    filename: str,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """The audit entry of one export, written before the file leaves the server."""
    return audit_record(
        actor=actor,
        action=AuditEntry.Action.EXPORT,
        object_type=object_type,
        object_label=filename,
        extra={
            "filters": json_safe(filters),
            "rows": rows,
            "fields": list(fields),
            "format": fmt,
        },
        request=request,
    )
