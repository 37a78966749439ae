"""Reads for data hygiene (数据清洗): duplicate customers and customers gone quiet.

Duplicates are looked for among the customers the user may change (their write scope; admins:
all). Candidate pairs come from three sources, none of them a comparison of every customer with
every other:
- names: one streamed query of (id, name); each name is reduced to its `company_key` and the
  keys are blocked by their first BLOCK_PREFIX characters. Equal keys match outright; distinct
  keys are compared with rapidfuzz only inside their block.
- phones and e-mails: a GROUP BY in the database finds the values shared by contacts of more
  than one customer; only those rows are read.
Pairs are joined into groups (a customer matching two others puts all three in one group).
"""

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from rapidfuzz import fuzz

from salestrack.access.models import FieldLevel
from salestrack.access.policy import mask_value, permissions_for
from salestrack.access.scope import scope_queryset
from salestrack.accounts.models import User
from salestrack.core.names import company_key
from salestrack.customers.models import Contact, Customer

BLOCK_PREFIX = 2  # characters of the company key two names must share to be compared at all
MAX_GROUPS = 200  # groups shown on one page (largest first)


@dataclass(frozen=True)
class Match:
    """Why two customers look like one: kind is name / similar_name / phone / email."""

    kind: str
    a: int
    b: int
    score: int = 100
    value: str = ""  # the shared phone or e-mail, as the user's role may see it


@dataclass
class DuplicateGroup:
    customers: list[Customer]
    matches: list[Match] = field(default_factory=list)


def _writable_customers(user: User) -> QuerySet[Customer]:
    return scope_queryset(user, Customer.objects.all(), write=True)


def duplicate_name_matches(*, user: User, min_score: int | None = None) -> list[Match]:
    """Pairs of customers whose company keys are equal (score 100) or alike (≥ min_score)."""
    min_score = settings.SALESTRACK_DUPLICATE_MIN_SIMILARITY if min_score is None else min_score
    blocks: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    rows = _writable_customers(user).order_by("pk").values_list("pk", "name")
    for pk, name in rows.iterator(chunk_size=5000):
        key = company_key(name)
        if key:
            blocks[key[:BLOCK_PREFIX]][key].append(pk)
    matches: list[Match] = []
    for by_key in blocks.values():
        keys = sorted(by_key)
        for key in keys:
            first, *others = by_key[key]
            matches += [Match("name", first, other) for other in others]
        for i, key in enumerate(keys):
            for other in keys[i + 1 :]:
                score = fuzz.ratio(key, other, score_cutoff=min_score)
                if score:
                    matches.append(
                        Match("similar_name", by_key[key][0], by_key[other][0], round(score))
                    )
    return matches


def _contact_matches(*, user: User, kind: str) -> list[Match]:
    """Pairs of customers whose live contacts share a phone (as stored) or an e-mail (any case)."""
    level = permissions_for(user).field_level("contact", kind)
    if level == FieldLevel.HIDDEN:
        return []  # a value the role may not see is no reason it may be shown
    value = Lower("email") if kind == "email" else F("phone")
    contacts = (
        Contact.objects.filter(customer__in=_writable_customers(user).values("pk"))
        .exclude(**{kind: ""})
        .annotate(value=value)
    )
    shared = (
        contacts.order_by()
        .values("value")
        .annotate(n=Count("customer", distinct=True))
        .filter(n__gt=1)
        .values("value")
    )
    by_value: dict[str, list[int]] = defaultdict(list)
    rows = contacts.filter(value__in=shared).order_by("value", "customer_id")
    for shown, customer_id in rows.values_list("value", "customer_id").distinct():
        if customer_id not in by_value[shown]:
            by_value[shown].append(customer_id)
    masked = level == FieldLevel.MASKED
    return [
        Match(kind, ids[0], other, value=mask_value(kind, shown) if masked else shown)
        for shown, ids in by_value.items()
        for other in ids[1:]
    ]


def customer_duplicate_groups(*, user: User, limit: int = MAX_GROUPS) -> list[DuplicateGroup]:
    """Groups of customers that look like one company, largest first, with why they match.

    Query count does not depend on the number of customers or groups (names, phones, e-mails,
    then the customers of the groups shown)."""
    matches = [
        *duplicate_name_matches(user=user),
        *_contact_matches(user=user, kind="phone"),
        *_contact_matches(user=user, kind="email"),
    ]
    parent: dict[int, int] = {}

    def root(pk: int) -> int:
        parent.setdefault(pk, pk)
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for match in matches:
        a, b = root(match.a), root(match.b)
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[int, set[int]] = defaultdict(set)
    for pk in list(parent):
        members[root(pk)].add(pk)
    ordered = sorted(members.items(), key=lambda item: (-len(item[1]), item[0]))[:limit]
    shown = {pk for _, ids in ordered for pk in ids}
    customers = {
        c.pk: c
        for c in _writable_customers(user)
        .filter(pk__in=shown)
        .select_related("owner")
        .annotate(
            contact_count=Count(
                "contacts", filter=Q(contacts__deleted_at__isnull=True), distinct=True
            ),
            deal_count=Count("deals", filter=Q(deals__deleted_at__isnull=True), distinct=True),
        )
    }
    by_root: dict[int, list[Match]] = defaultdict(list)
    for match in matches:
        by_root[root(match.a)].append(match)
    return [
        DuplicateGroup(
            customers=[customers[pk] for pk in sorted(ids) if pk in customers],
            matches=sorted(by_root[key], key=lambda m: (m.a, m.b, m.kind)),
        )
        for key, ids in ordered
    ]


def _months_before(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last_day))


def stale_cutoff() -> datetime.datetime:
    """Local midnight of the day SALESTRACK_STALE_MONTHS months ago: a customer whose last
    interaction is before it counts as stale."""
    day = _months_before(timezone.localdate(), settings.SALESTRACK_STALE_MONTHS)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def customer_stale_list(*, user: User) -> QuerySet[Customer]:
    """Customers the user may change, not archived and not in the public pool, with no
    interaction (follow-up; else their creation) since the cutoff; longest quiet first."""
    return (
        _writable_customers(user)
        .filter(archived_at__isnull=True, in_pool_since__isnull=True)
        .annotate(last_touch=Coalesce("last_activity_at", "created_at"))
        .filter(last_touch__lt=stale_cutoff())
        .select_related("owner")
        .order_by("last_touch", "id")
    )


def customer_archived_list(*, user: User) -> QuerySet[Customer]:
    """Archived customers the user may change, most recently archived first."""
    return (
        _writable_customers(user)
        .filter(archived_at__isnull=False)
        .select_related("owner")
        .order_by("-archived_at", "-id")
    )
