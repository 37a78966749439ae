"""Receivers for Django's auth signals (connected in AuditConfig.ready)."""

from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_record


def record_login(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action=AuditEntry.Action.LOGIN, obj=user, request=request)


def record_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Only the username that was tried; the password (even the masked one) is never kept.
    username = str(credentials.get("username") or "")[:150]
    audit_record(
        actor=None,
        action=AuditEntry.Action.LOGIN_FAILED,
        object_type="accounts.user",
        extra={"username": username},
        request=request,
    )
