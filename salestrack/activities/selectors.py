from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from salestrack.access.scope import get_for_user, scope_filter, scope_queryset
from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.core.exceptions import known_choice
from salestrack.deals.models import Deal

# Follow-ups of a customer or deal in the trash are left out everywhere (the nullable deal
# join is a LEFT JOIN, so follow-ups without a deal pass).
ALIVE = Q(customer__deleted_at__isnull=True, deal__deleted_at__isnull=True)


def followup_queryset() -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(ALIVE)


def followup_get_for_user(*, user: User, pk: int, write: bool = False) -> FollowUp:
    """404 outside the user's scope (a share of the deal or customer does not reach the
    follow-ups of others); with `write`, 403 where the user may see but not change it."""
    qs = followup_queryset().select_related("customer", "deal")
    return get_for_user(user, qs, pk, write=write)


def followup_pending(*, user: User, horizon_days: int = 7) -> dict[str, list[FollowUp]]:
    """The user's own follow-ups that ask for a next touch: overdue, today and upcoming."""
    today = timezone.localdate()
    rows = (
        followup_queryset()
        .filter(
            owner=user,
            done_at__isnull=True,
            next_due_on__isnull=False,
            next_due_on__lte=today + timezone.timedelta(days=horizon_days),
        )
        .select_related("customer", "deal", "deal__stage")
        .order_by("next_due_on", "id")[:500]
    )
    groups: dict[str, list[FollowUp]] = {"overdue": [], "today": [], "upcoming": []}
    for row in rows:
        groups[_bucket(row.next_due_on, today)].append(row)
    return groups


def _bucket(due: date, today: date) -> str:
    if due < today:
        return "overdue"
    return "today" if due == today else "upcoming"


def followup_timeline(
    *, user: User, customer_id: int | None = None, deal_id: int | None = None, limit: int = 100
) -> QuerySet[FollowUp]:
    """Newest first. The caller has already checked access to the customer or deal; on a
    customer's timeline, follow-ups on deals outside the user's scope are left out."""
    qs = followup_queryset().select_related("owner", "deal")
    if deal_id is not None:
        qs = qs.filter(deal_id=deal_id)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
        condition = scope_filter(user, model=Deal)
        if condition is not None:
            visible = Deal.objects.filter(condition, customer_id=customer_id).values("pk")
            qs = qs.filter(Q(deal__isnull=True) | Q(deal__in=visible))
    return qs.order_by("-occurred_at", "-id")[:limit]


def followup_count_due(*, user: User) -> int:
    return (
        scope_queryset(user, followup_queryset().filter(owner=user))
        .filter(done_at__isnull=True, next_due_on__lte=timezone.localdate())
        .count()
    )


def followup_list(
    *,
    user: User,
    date_from: date | None = None,
    date_to: date | None = None,
    kind: str = "",
    owner_id: int | None = None,
) -> QuerySet[FollowUp]:
    """The follow-ups in the user's scope (the follow-up export), newest first; dates are local
    days of `occurred_at`, both ends included."""
    qs = scope_queryset(user, followup_queryset()).select_related(
        "customer", "deal", "deal__stage", "owner"
    )
    if date_from is not None:
        qs = qs.filter(occurred_at__gte=_local_midnight(date_from))
    if date_to is not None:
        qs = qs.filter(occurred_at__lt=_local_midnight(date_to + timedelta(days=1)))
    if kind:
        qs = qs.filter(kind=known_choice(kind, FollowUp.Kind.values))
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs.order_by("-occurred_at", "-id")


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))
