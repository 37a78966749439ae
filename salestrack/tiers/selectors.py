import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from salestrack.access.scope import scope_queryset, with_field_policy
from salestrack.accounts.models import User
from salestrack.customers.models import Customer
from salestrack.customers.selectors import customer_get_for_user
from salestrack.deals.models import Deal
from salestrack.tiers.models import TierProposal
from salestrack.tiers.rules import TierFacts, TierResult, tier_score


def typical_deal_amount() -> Decimal | None:
    """The typical deal size: the average amount of won deals (one aggregate query)."""
    value = Deal.objects.filter(status=Deal.Status.WON).aggregate(avg=Avg("amount"))["avg"]
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def tier_facts_annotate(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """Customers with the facts the rules need, as two correlated subqueries:
    `top_probability` (the most advanced open deal's probability, the deal's own or its
    stage's default) and `next_close_date` (nearest expected close date of an open deal, today
    or later)."""
    open_deals = Deal.objects.filter(customer=OuterRef("pk"), status=Deal.Status.OPEN)
    top = (
        open_deals.annotate(p=Coalesce("probability", "stage__probability"))
        .order_by("-p")
        .values("p")[:1]
    )
    next_close = (
        open_deals.filter(expected_close_date__gte=timezone.localdate())
        .order_by("expected_close_date")
        .values("expected_close_date")[:1]
    )
    return qs.annotate(top_probability=Subquery(top), next_close_date=Subquery(next_close))


def tier_facts_of(row, *, typical: Decimal | None, today: datetime.date | None = None) -> TierFacts:
    """TierFacts from an annotated customer (instance or values() dict)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return TierFacts(
        top_probability=get("top_probability"),
        budget=get("budget"),
        typical_amount=typical,
        next_close_date=get("next_close_date"),
        today=today or timezone.localdate(),
        close_days=settings.SALESTRACK_TIER_CLOSE_DAYS,
    )


def customer_tier_auto(*, customer: Customer) -> TierResult:
    """What the rules say about one customer (for the card and for clearing an override)."""
    row = tier_facts_annotate(Customer.objects.filter(pk=customer.pk)).values(
        "top_probability", "next_close_date", "budget"
    )
    return tier_score(tier_facts_of(row.get(), typical=typical_deal_amount()))


@dataclass
class TierCard:
    customer: Customer
    auto: TierResult
    proposal: TierProposal | None


def customer_tier_card(*, user: User, customer: Customer) -> TierCard:
    """The tier card of the customer page: rules result and the open proposal, if any.

    The customer was already loaded through customer_get_for_user by the page."""
    proposal = TierProposal.objects.filter(customer=customer, decision="").first()
    return TierCard(
        customer=customer, auto=customer_tier_auto(customer=customer), proposal=proposal
    )


def tier_proposal_list(*, user: User) -> QuerySet[TierProposal]:
    """Open proposals for customers in the user's scope, newest first."""
    customers = scope_queryset(user, Customer.objects.all()).values("pk")
    qs = (
        TierProposal.objects.filter(decision="", customer__in=customers)
        .select_related("customer", "customer__owner")
        .order_by("-created_at", "-id")
    )
    return with_field_policy(user, qs)  # the customers come masked as the role requires


def tier_proposal_get_for_user(*, user: User, pk: int, write: bool = False) -> TierProposal:
    """The proposal if its customer is in the user's scope (404 otherwise; with `write`, 403
    for a customer shared read-only)."""
    proposal = TierProposal.objects.filter(pk=pk).first()
    if proposal is None:
        raise Http404
    proposal.customer = customer_get_for_user(user=user, pk=proposal.customer_id, write=write)
    return proposal
