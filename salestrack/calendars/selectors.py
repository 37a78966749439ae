"""Reads of the calendar feed: whose feed a token opens, and which follow-ups it lists."""

from datetime import date, timedelta

from django.db.models import QuerySet

from salestrack.access.scope import scope_queryset
from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.activities.selectors import followup_queryset
from salestrack.calendars.models import CalendarToken
from salestrack.calendars.services import token_hash

PAST_DAYS = 30
FUTURE_DAYS = 180


def calendar_token_for(*, user: User) -> CalendarToken | None:
    return CalendarToken.objects.filter(user=user).first()


def calendar_token_lookup(token: str) -> CalendarToken | None:
    """The active token row of an address, or None (unknown, revoked, or its user inactive).

    Only hashes are compared: the stored value is the SHA-256 of the secret, found through its
    unique index, so the database never holds (or compares) the secret itself."""
    if not token or len(token) > 100:
        return None
    return (
        CalendarToken.objects.select_related("user", "user__team")
        .filter(token_hash=token_hash(token), revoked=False, user__is_active=True)
        .first()
    )


def calendar_followups(*, user: User, today: date) -> QuerySet[FollowUp]:
    """The user's own open follow-ups (not done) due from 30 days ago to 180 days ahead, as
    the user's role sees them (scope and field policy; customers and deals in the trash out)."""
    qs = followup_queryset().select_related("customer", "deal")
    return (
        scope_queryset(user, qs)
        .filter(
            owner=user,
            done_at__isnull=True,
            next_due_on__gte=today - timedelta(days=PAST_DAYS),
            next_due_on__lte=today + timedelta(days=FUTURE_DAYS),
        )
        .order_by("next_due_on", "pk")
    )
