from django.db.models import Q, QuerySet

from salestrack.access.scope import get_for_user, scope_queryset, with_field_policy
from salestrack.accounts.models import User
from salestrack.core.exceptions import known_choice
from salestrack.customers.models import Contact, Customer

SORTS = {"updated": "-updated_at", "name": "name", "tier": "tier", "activity": "-last_activity_at"}


def customer_queryset(*, user: User, write: bool = False) -> QuerySet[Customer]:
    """Customers in the user's scope; with `write`, only those they may change (so not the
    ones shared with them read-only): the choices wherever a record is created under one."""
    return scope_queryset(user, Customer.objects.all(), write=write)


def customer_get_for_user(*, user: User, pk: int, write: bool = False) -> Customer:
    """404 outside the user's scope; with `write`, 403 for a customer shared read-only."""
    qs = Customer.objects.select_related("owner", "team")
    return get_for_user(user, qs, pk, write=write)


def contact_list(*, user: User, customer: Customer) -> QuerySet[Contact]:
    """The customer's contacts as the user's role may see them (masked or hidden fields)."""
    return with_field_policy(user, customer.contacts.all())


def customer_search_condition(q: str) -> Q:
    """Name, pinyin initials/full pinyin, contact name, phone or e-mail: one denormalised key."""
    return Q(search_key__contains=q.strip().lower())


def customer_list(
    *,
    user: User,
    q: str = "",
    tier: str = "",
    industry: str = "",
    region: str = "",
    source: str = "",
    owner_id: int | None = None,
    sort: str = "updated",
    archived: bool = False,
) -> QuerySet[Customer]:
    # Customers waiting in the public pool (salestrack.pool) are listed on the pool page only.
    qs = customer_queryset(user=user).filter(in_pool_since__isnull=True).select_related("owner")
    if not archived:  # archived customers (salestrack.hygiene) only with "include archived"
        qs = qs.filter(archived_at__isnull=True)
    if q.strip():
        qs = qs.filter(customer_search_condition(q))
    filters = {"tier": tier, "industry": industry, "region": region, "source": source}
    qs = qs.filter(**{k: v for k, v in filters.items() if v})
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs.order_by(SORTS[known_choice(sort, SORTS)], "-id")


def customer_filter_options(*, user: User) -> dict[str, list[str]]:
    qs = customer_queryset(user=user)
    return {
        field: list(
            qs.exclude(**{field: ""}).order_by(field).values_list(field, flat=True).distinct()[:200]
        )
        for field in ("industry", "region")
    }
