"""Reads of the public pool (公海).

The pool is a shared space: every sales role (a role that may create customers) sees all pooled
customers, whatever its record scope, so the visibility is decided here and not in
access.scope. Field levels still apply: customers and contacts are loaded through
access.scope.with_field_policy, so hidden and masked fields stay hidden and masked.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from salestrack.access.policy import permissions_for
from salestrack.access.scope import scope_queryset, with_field_policy
from salestrack.accounts.models import User
from salestrack.core.pagination import paginate_by_ids
from salestrack.customers.models import Contact, Customer
from salestrack.pool.models import PoolEvent


def pool_may_use(user: User) -> bool:
    """Sales roles (those that may create customers) see the pool and claim from it."""
    return permissions_for(user).can("customer", "create")


def pool_clock(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """`pool_clock`: when the owner's follow-up clock started: the last activity, or, if later,
    the claim from the pool; the creation for a customer with neither."""
    return qs.annotate(
        pool_clock=Greatest(
            Coalesce("last_activity_at", "created_at"),
            Coalesce("pool_claimed_at", "last_activity_at", "created_at"),
        )
    )


def pool_due_condition(*, at: datetime.datetime, ahead_days: int = 0) -> Q:
    """Customers (annotated by pool_clock) due for the pool at `at` + `ahead_days`: no follow-up
    for SALESTRACK_POOL_DAYS[tier] days."""
    condition = Q(pk__in=[])
    for tier, days in settings.SALESTRACK_POOL_DAYS.items():
        cutoff = at - datetime.timedelta(days=days - ahead_days)
        condition |= Q(tier=tier, pool_clock__lte=cutoff)
    return condition


def pool_due_queryset(*, at: datetime.datetime) -> QuerySet[Customer]:
    """Customers that go to the pool now (the daily pool_sweep)."""
    return pool_clock(Customer.objects.filter(in_pool_since__isnull=True)).filter(
        pool_due_condition(at=at)
    )


@dataclass
class SoonInPool:
    customer: Customer
    due_at: datetime.datetime

    @property
    def days_left(self) -> int:
        return max(0, (self.due_at.date() - timezone.localdate()).days)


def pool_due_soon(*, user: User, at: datetime.datetime | None = None) -> list[SoonInPool]:
    """The user's own customers that go to the pool within SALESTRACK_POOL_WARNING_DAYS,
    soonest first ("yours, soon in the pool"; the notification job will send the same list)."""
    at = at or timezone.now()
    warning = settings.SALESTRACK_POOL_WARNING_DAYS
    qs = pool_clock(
        scope_queryset(user, Customer.objects.filter(owner=user, in_pool_since__isnull=True))
    )
    qs = qs.filter(pool_due_condition(at=at, ahead_days=warning)).exclude(pool_due_condition(at=at))
    rows = []
    for customer in qs.order_by("pool_clock", "pk"):
        days = settings.SALESTRACK_POOL_DAYS.get(customer.tier, 30)
        rows.append(SoonInPool(customer, customer.pool_clock + datetime.timedelta(days=days)))
    rows.sort(key=lambda r: (r.due_at, r.customer.pk))
    return rows


def pool_list(*, user: User, q: str = "", tier: str = "") -> QuerySet[Customer]:
    """Customers waiting in the pool, longest waiting first, with their contacts (masked as the
    user's role requires); nothing for roles that may not use the pool."""
    if not pool_may_use(user):
        return Customer.objects.none()
    qs = Customer.objects.filter(in_pool_since__isnull=False)
    if q.strip():
        qs = qs.filter(search_key__contains=q.strip().lower())
    if tier:
        qs = qs.filter(tier=tier)
    return with_field_policy(
        user, qs.select_related("owner", "released_by").order_by("in_pool_since", "pk")
    )


def pool_page(*, user: User, number: str | int | None, per_page: int, **filters: str) -> Page:
    """One page of pool_list, each customer with its contacts loaded in one more query through
    the user's field policy (hidden contact fields blank, masked ones masked)."""
    page = paginate_by_ids(pool_list(user=user, **filters), number, per_page)
    contacts = with_field_policy(user, Contact.objects.order_by("id"))
    prefetch_related_objects(page.object_list, Prefetch("contacts", queryset=contacts))
    return page


def pool_claims_used(*, user: User, at: datetime.datetime | None = None) -> int:
    """Customers the user claimed from the pool within the claim window."""
    at = at or timezone.now()
    since = at - datetime.timedelta(days=settings.SALESTRACK_POOL_CLAIM_WINDOW_DAYS)
    return PoolEvent.objects.filter(
        user=user, kind=PoolEvent.Kind.CLAIMED, at__gt=since, at__lte=at
    ).count()


def pool_claims_left(*, user: User) -> int:
    return max(0, settings.SALESTRACK_POOL_CLAIM_LIMIT - pool_claims_used(user=user))


def pool_cooling_until(
    *, user: User, customer_id: int, at: datetime.datetime | None = None
) -> datetime.datetime | None:
    """Until when the user may not claim the customer back, if they released it (or it left
    them for the pool) within SALESTRACK_POOL_COOLING_DAYS; None if they may."""
    at = at or timezone.now()
    cooling = datetime.timedelta(days=settings.SALESTRACK_POOL_COOLING_DAYS)
    last = (
        PoolEvent.objects.filter(
            customer_id=customer_id,
            kind__in=[PoolEvent.Kind.RELEASED, PoolEvent.Kind.EXPIRED],
            at__gt=at - cooling,
        )
        .filter(Q(user=user) | Q(previous_owner=user))
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return None if last is None else last + cooling
