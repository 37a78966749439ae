"""Writes of the calendar feed: make (or remake) and revoke a user's feed token; audited."""

import hashlib
import secrets

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from salestrack.accounts.models import User
from salestrack.audit.services import audit_record
from salestrack.calendars.models import CalendarToken


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_token_issue(*, user: User, request: HttpRequest | None = None) -> str:
    """A new secret for the user's feed (the old address stops working at once). Returns the
    token itself: it is not stored, so this is the only time it can be shown."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    existing = CalendarToken.objects.select_for_update().filter(user=user).first()
    values = {
        "token_hash": token_hash(token),
        "created_at": now,
        "revoked": False,
        "revoked_at": None,
        "last_used_at": None,
    }
    if existing is None:
        row = CalendarToken.objects.create(user=user, **values)
        action, changes = "create", {}
    else:
        was_active = not existing.revoked
        for name, value in values.items():
            setattr(existing, name, value)
        existing.save()
        row = existing
        action = "update"
        changes = {"token": ["(previous)", "(new)"]} | (
            {} if was_active else {"revoked": [True, False]}
        )
    audit_record(
        actor=user,
        action=action,
        obj=row,
        changes=changes,
        extra={"calendar_feed": "regenerated" if existing is not None else "created"},
        request=request,
    )
    return token


@transaction.atomic
def calendar_token_revoke(*, user: User, request: HttpRequest | None = None) -> bool:
    """Switch the user's feed off. False when there was no active feed (nothing written)."""
    row = CalendarToken.objects.select_for_update().filter(user=user, revoked=False).first()
    if row is None:
        return False
    row.revoked = True
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked", "revoked_at"])
    audit_record(
        actor=user,
        action="update",
        obj=row,
        changes={"revoked": [False, True]},
        extra={"calendar_feed": "revoked"},
        request=request,
    )
    return True


def calendar_token_touch(*, token: CalendarToken) -> None:
    """Note when the feed was last fetched (at most once a minute: calendar apps poll)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        CalendarToken.objects.filter(pk=token.pk).update(last_used_at=now)
