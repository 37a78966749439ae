"""Receivers for the auth signals and django-axes' lock-out (connected in AuditConfig.ready)."""

from axes.helpers import get_failure_limit

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


def record_lockout(sender, request, username, ip_address, **kwargs) -> None:
    """django-axes locked the username + address: one entry when the lock starts.

    Axes sends the signal again for each attempt refused during the lock; those attempts are
    already recorded as failed logins.
    """
    failures = getattr(request, "axes_failures_since_start", None)
    credentials = getattr(request, "axes_credentials", None)
    if failures is not None and failures != get_failure_limit(request, credentials):
        return
    username = str(username or "")[:150]
    audit_record(
        actor=None,
        action=AuditEntry.Action.LOCKOUT,
        object_type="accounts.user",
        object_label=username,
        extra={"username": username, "failures": failures},
        request=request,
    )
