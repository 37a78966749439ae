"""Deal.reached_stage (the funnel's furthest stage reached) kept by the services that set the
stage: created, moved forward, forward over skipped stages, backwards, won and lost."""

from datetime import date
from decimal import Decimal

import pytest

from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.deals.errors import StageGateError
from salestrack.deals.models import Deal
from salestrack.deals.services import deal_create, deal_move_stage, reached_stage_after
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(personas):
    """A deal in Lead carrying every fact the gates ask for, so any forward move passes."""
    customer = CustomerFactory(owner=personas.alice)
    return DealFactory(
        owner=personas.alice,
        customer=customer,
        confirmed_requirements="100 用户",
        quote_amount=Decimal("5"),
        decision_maker=ContactFactory(customer=customer),
        contract_number="HT-1",
        contract_signed_on=date(2025, 1, 1),
        payment_received=Decimal("5"),
    )


def move(deal, stage, actor, **facts):
    return deal_move_stage(
        deal=deal, to_stage=stage, actor=actor, expected_version=deal.version, facts=facts
    )


def stored(deal) -> str | None:
    reached = Deal.objects.get(pk=deal.pk).reached_stage
    return reached.name_en if reached else None


def test_it_starts_at_the_stage_a_deal_is_created_in(personas, stages):
    customer = CustomerFactory(owner=personas.alice)
    first = deal_create(actor=personas.alice, customer=customer, title="ERP 一期")
    assert stored(first) == "Lead"
    later = deal_create(
        actor=personas.alice,
        customer=customer,
        title="ERP 二期",
        stage=stages["Needs confirmed"],
    )
    assert stored(later) == "Needs confirmed"


def test_it_follows_forward_moves_and_skipped_stages(personas, stages, deal):
    deal = move(deal, stages["Needs confirmed"], personas.alice)
    assert stored(deal) == "Needs confirmed"
    deal = move(deal, stages["Contract"], personas.alice)  # over Proposal and Negotiation
    assert stored(deal) == "Contract"


def test_a_backward_move_keeps_what_was_reached(personas, stages, deal):
    deal = move(deal, stages["Negotiation"], personas.alice)
    deal = move(deal, stages["Needs confirmed"], personas.alice)
    assert stored(deal) == "Negotiation"
    deal = move(deal, stages["Proposal / quote"], personas.alice)
    assert stored(deal) == "Negotiation"
    deal = move(deal, stages["Contract"], personas.alice)
    assert stored(deal) == "Contract"


def test_won_is_beyond_every_open_stage(personas, stages, deal):
    deal = move(deal, stages["Proposal / quote"], personas.alice)
    deal = move(deal, stages["Won"], personas.alice)
    assert stored(deal) == "Won"


def test_lost_keeps_the_stage_the_deal_was_lost_from(personas, stages, deal):
    deal = move(deal, stages["Proposal / quote"], personas.alice)
    deal = move(deal, stages["Lost"], personas.alice, lost_reason="预算被砍")
    assert stored(deal) == "Proposal / quote"
    deal = move(deal, stages["Lead"], personas.alice)  # reopened further back
    assert stored(deal) == "Proposal / quote"


def test_a_refused_move_changes_nothing(personas, stages):
    bare = DealFactory(owner=personas.alice, stage=stages["Needs confirmed"])
    with pytest.raises(StageGateError):
        move(bare, stages["Proposal / quote"], personas.alice)
    assert stored(bare) == "Needs confirmed"


def test_only_position_decides_not_the_order_of_moves(stages):
    lead, needs, won, lost = (stages[k] for k in ("Lead", "Needs confirmed", "Won", "Lost"))
    assert reached_stage_after(reached=None, stage=lost) is None
    assert reached_stage_after(reached=needs, stage=lead) == needs
    assert reached_stage_after(reached=needs, stage=lost) == needs
    assert reached_stage_after(reached=needs, stage=won) == won


def test_swapping_two_stages_recomputes_what_each_deal_reached(personas, stages, deal):
    from salestrack.pipeline.services import stage_move

    deal = move(deal, stages["Negotiation"], personas.alice)
    deal = move(deal, stages["Needs confirmed"], personas.alice)
    assert stored(deal) == "Negotiation"
    untouched = DealFactory(owner=personas.alice)  # still in Lead

    # Negotiation now comes before Proposal / quote, and Proposal / quote before it: the
    # deal visited Negotiation and Needs confirmed, so Negotiation is still the furthest...
    stage_move(stage=stages["Negotiation"], offset=-1, actor=personas.admin)
    assert stored(deal) == "Negotiation"
    # ...until Needs confirmed is moved after Negotiation.
    stage_move(stage=stages["Needs confirmed"], offset=1, actor=personas.admin)
    assert stored(deal) == "Needs confirmed"
    assert stored(untouched) == "Lead"
