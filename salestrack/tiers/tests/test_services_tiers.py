"""Bulk recompute, manual override, proposals (boundaries, idempotence), accept and dismiss."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salestrack.audit.models import AuditEntry
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal, StageChange
from salestrack.deals.tests.factories import DealFactory
from salestrack.tiers.models import TierProposal
from salestrack.tiers.services import (
    customer_tier_clear_override,
    customer_tier_override,
    tier_proposal_accept,
    tier_proposal_dismiss,
    tier_proposals_generate,
    tier_recompute,
)
from salestrack.tiers.tests.conftest import NOW, days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def history(customer) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type="customers.customer", object_id=str(customer.pk)
        ).order_by("seq")
    )


def hot_customer(owner, stages, **kwargs) -> Customer:
    """Negotiation (50 %) closing in 10 days: 3 points, A by the rules."""
    customer = CustomerFactory(owner=owner, **kwargs)
    DealFactory(
        customer=customer,
        stage=stages["Negotiation"],
        expected_close_date=timezone.localdate() + datetime.timedelta(days=10),
    )
    return customer


def test_it_recomputes_tiers_in_bulk_with_a_fixed_number_of_queries(personas, stages):
    hot = [hot_customer(personas.alice, stages, tier="C") for _ in range(3)]
    cold = CustomerFactory(owner=personas.alice, tier="A")
    DealFactory(customer=CustomerFactory(owner=personas.bob), status=Deal.Status.WON)

    with CaptureQueriesContext(connection) as few:
        changed = tier_recompute()
    assert changed == 5  # the hot three, the cold A, and the won customer B -> C
    assert {c.tier for c in Customer.objects.filter(pk__in=[h.pk for h in hot])} == {"A"}
    cold.refresh_from_db()
    assert cold.tier == "C"
    entry = history(cold)[-1]
    assert entry.changes == {"tier": ["A", "C"]} and entry.actor is None
    assert entry.extra["tier_rules"][0]["code"] == "no_open_deal"

    more = [hot_customer(personas.alice, stages, tier="C") for _ in range(10)]
    with CaptureQueriesContext(connection) as many:
        assert tier_recompute(customer_ids=[c.pk for c in more]) == 10
    # reads do not grow with the number of customers (only the audit writes do)
    reads = [q for q in many.captured_queries if q["sql"].startswith("SELECT")]
    few_reads = [q for q in few.captured_queries if q["sql"].startswith("SELECT")]
    audit_reads = 10 - 5  # one chain-head lookup per audit entry
    assert len(reads) <= len(few_reads) + audit_reads


def test_it_uses_the_budget_against_the_average_won_deal(personas, stages):
    won = CustomerFactory(owner=personas.bob)
    DealFactory(customer=won, amount=Decimal("100000"), status=Deal.Status.WON)
    DealFactory(customer=won, amount=Decimal("300000"), status=Deal.Status.WON)
    rich = CustomerFactory(owner=personas.alice, budget=Decimal("200000"), tier="C")
    poor = CustomerFactory(owner=personas.alice, budget=Decimal("199999"), tier="C")
    tier_recompute(customer_ids=[rich.pk, poor.pk])
    rich.refresh_from_db()
    poor.refresh_from_db()
    assert (rich.tier, poor.tier) == ("B", "C")


def test_it_keeps_a_manual_tier_until_it_is_cleared(personas, stages):
    customer = hot_customer(personas.alice, stages, tier="B")
    customer = customer_tier_override(
        customer=customer,
        actor=personas.alice,
        tier="C",
        reason="集团冻结采购",
        expected_version=customer.version,
    )
    assert (customer.tier, customer.tier_source, customer.tier_reason) == (
        "C",
        "manual",
        "集团冻结采购",
    )
    assert tier_recompute() == 0
    customer.refresh_from_db()
    assert customer.tier == "C"
    assert history(customer)[-1].changes["tier_source"] == ["auto", "manual"]

    customer = customer_tier_clear_override(
        customer=customer, actor=personas.alice, expected_version=customer.version
    )
    assert (customer.tier, customer.tier_source, customer.tier_reason) == ("A", "auto", "")


def test_it_requires_a_reason_for_a_manual_tier(personas):
    customer = CustomerFactory(owner=personas.alice)
    with pytest.raises(ApplicationError):
        customer_tier_override(
            customer=customer, actor=personas.alice, tier="A", reason=" ", expected_version=1
        )


def _quiet_a(owner, days: float) -> Customer:
    customer = CustomerFactory(owner=owner, tier="A")
    Customer.objects.filter(pk=customer.pk).update(last_activity_at=days_ago(days))
    return customer


def test_it_proposes_a_downgrade_after_14_quiet_days_not_13(personas):
    thirteen = _quiet_a(personas.alice, 13.9)
    fourteen = _quiet_a(personas.alice, 14)
    never = CustomerFactory(owner=personas.alice, tier="A")
    Customer.objects.filter(pk=never.pk).update(created_at=days_ago(20))
    b = CustomerFactory(owner=personas.alice, tier="B")
    Customer.objects.filter(pk=b.pk).update(last_activity_at=days_ago(40))

    assert tier_proposals_generate() == 2
    proposals = {p.customer_id: p for p in TierProposal.objects.all()}
    assert set(proposals) == {fourteen.pk, never.pk}
    p = proposals[fourteen.pk]
    assert (p.kind, p.from_tier, p.to_tier) == ("downgrade", "A", "B")
    assert p.reasons[0]["code"] == "no_response" and p.reasons[0]["params"]["days"] == 14
    assert thirteen.pk not in proposals


def test_it_is_idempotent(personas):
    _quiet_a(personas.alice, 20)
    assert tier_proposals_generate() == 1
    assert tier_proposals_generate() == 0
    assert TierProposal.objects.count() == 1


def _move(deal, from_name, to_name, stages, days: float) -> None:
    StageChange.objects.create(
        deal=deal,
        from_stage=stages[from_name],
        to_stage=stages[to_name],
        from_kind=stages[from_name].kind,
        to_kind=stages[to_name].kind,
        entered_at=days_ago(days),
    )


def test_it_proposes_an_upgrade_for_two_stages_within_7_days_not_8(personas, stages):
    fast = CustomerFactory(owner=personas.alice, tier="C")
    slow = CustomerFactory(owner=personas.alice, tier="C")
    deal_fast = DealFactory(customer=fast, stage=stages["Proposal / quote"])
    deal_slow = DealFactory(customer=slow, stage=stages["Proposal / quote"])
    _move(deal_fast, "Lead", "Needs confirmed", stages, 7)
    _move(deal_fast, "Needs confirmed", "Proposal / quote", stages, 1)
    _move(deal_slow, "Lead", "Needs confirmed", stages, 8)
    _move(deal_slow, "Needs confirmed", "Proposal / quote", stages, 1)

    assert tier_proposals_generate() == 1
    p = TierProposal.objects.get()
    assert (p.customer_id, p.kind, p.from_tier, p.to_tier) == (fast.pk, "upgrade", "C", "B")
    assert p.reasons[0]["params"]["stages"] == 2


def test_it_counts_a_jump_by_stages_and_backward_or_lost_moves_against(personas, stages):
    jump = CustomerFactory(owner=personas.alice, tier="B")
    back = CustomerFactory(owner=personas.alice, tier="B")
    lost = CustomerFactory(owner=personas.alice, tier="B")
    _move(DealFactory(customer=jump), "Lead", "Proposal / quote", stages, 2)
    d = DealFactory(customer=back)
    _move(d, "Lead", "Proposal / quote", stages, 3)
    _move(d, "Proposal / quote", "Needs confirmed", stages, 1)
    _move(DealFactory(customer=lost), "Lead", "Lost", stages, 1)

    tier_proposals_generate()
    assert list(TierProposal.objects.values_list("customer_id", "to_tier")) == [(jump.pk, "A")]


def test_accept_writes_the_tier_and_the_history(personas):
    customer = _quiet_a(personas.alice, 20)
    tier_proposals_generate()
    proposal = TierProposal.objects.get()

    customer = tier_proposal_accept(proposal=proposal, actor=personas.alice)
    assert (customer.tier, customer.tier_source) == ("B", "manual")
    assert customer.tier_reason
    proposal.refresh_from_db()
    assert (proposal.decision, proposal.decided_by) == ("accepted", personas.alice)
    assert proposal.decided_at == NOW
    entry = history(customer)[-1]
    assert entry.changes["tier"] == ["A", "B"] and entry.actor == personas.alice
    with pytest.raises(ApplicationError):
        tier_proposal_accept(proposal=proposal, actor=personas.alice)


def test_dismiss_keeps_the_tier_and_snoozes_the_same_proposal(personas):
    customer = _quiet_a(personas.alice, 20)
    tier_proposals_generate()
    proposal = TierProposal.objects.get()

    tier_proposal_dismiss(proposal=proposal, actor=personas.alice)
    customer.refresh_from_db()
    assert (customer.tier, customer.tier_source) == ("A", "auto")
    assert history(customer)[-1].changes["tier_proposal"][1] == "dismissed"
    assert tier_proposals_generate() == 0
    with time_machine.travel(NOW + datetime.timedelta(days=15), tick=False):
        assert tier_proposals_generate() == 1


def test_the_command_recomputes_and_proposes(personas):
    customer = _quiet_a(personas.alice, 20)
    Customer.objects.filter(pk=customer.pk).update(tier_source="manual", tier_reason="老客户")
    CustomerFactory(owner=personas.alice, tier="A")  # no deal: C by the rules
    out = StringIO()
    call_command("tiers_refresh", stdout=out)
    assert out.getvalue().strip() == "Tiers changed: 1; proposals: 1"
