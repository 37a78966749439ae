from decimal import Decimal

import pytest

from salestrack.core.exceptions import ConflictError
from salestrack.deals.errors import StageGateError
from salestrack.deals.models import Deal, StageChange
from salestrack.deals.services import deal_move_stage
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db


def test_it_refuses_to_leave_a_stage_with_missing_facts(personas, stages):
    deal = DealFactory(owner=personas.alice, stage=stages["Needs confirmed"])
    with pytest.raises(StageGateError) as exc:
        deal_move_stage(
            deal=deal,
            to_stage=stages["Proposal / quote"],
            actor=personas.alice,
            expected_version=deal.version,
        )
    assert exc.value.missing == ["confirmed_requirements"]
    deal.refresh_from_db()
    assert deal.stage == stages["Needs confirmed"]
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_it_moves_when_the_facts_come_with_the_move(personas, stages):
    deal = DealFactory(owner=personas.alice, stage=stages["Needs confirmed"])
    deal = deal_move_stage(
        deal=deal,
        to_stage=stages["Proposal / quote"],
        actor=personas.alice,
        expected_version=deal.version,
        facts={"confirmed_requirements": "100 用户，含移动端"},
    )
    assert deal.stage == stages["Proposal / quote"]
    assert deal.version == 2
    history = list(StageChange.objects.filter(deal=deal).order_by("entered_at", "id"))
    assert [h.to_stage.name_en for h in history] == ["Needs confirmed", "Proposal / quote"]
    assert history[0].left_at == history[1].entered_at
    assert history[1].actor == personas.alice


def test_it_requires_every_skipped_stage_facts(personas, stages):
    deal = DealFactory(owner=personas.alice, stage=stages["Lead"])
    with pytest.raises(StageGateError) as exc:
        deal_move_stage(
            deal=deal,
            to_stage=stages["Negotiation"],
            actor=personas.alice,
            expected_version=deal.version,
        )
    assert exc.value.missing == ["confirmed_requirements", "quote_amount"]


def test_it_moves_backwards_without_gates_and_records_it(personas, stages):
    deal = DealFactory(owner=personas.alice, stage=stages["Proposal / quote"], quote_amount=None)
    deal = deal_move_stage(
        deal=deal, to_stage=stages["Lead"], actor=personas.alice, expected_version=1
    )
    assert deal.stage == stages["Lead"]
    assert StageChange.objects.filter(deal=deal, from_stage=stages["Proposal / quote"]).exists()


def test_it_needs_a_lost_reason_to_lose(personas, stages):
    deal = DealFactory(owner=personas.alice)
    with pytest.raises(StageGateError) as exc:
        deal_move_stage(
            deal=deal, to_stage=stages["Lost"], actor=personas.alice, expected_version=1
        )
    assert exc.value.missing == ["lost_reason"]
    deal = deal_move_stage(
        deal=deal,
        to_stage=stages["Lost"],
        actor=personas.alice,
        expected_version=1,
        facts={"lost_reason": "预算被砍"},
    )
    assert deal.status == Deal.Status.LOST
    assert deal.closed_at is not None


def test_it_refuses_a_stale_version(personas, stages):
    deal = DealFactory(owner=personas.alice, quote_amount=Decimal("5"))
    stale = Deal.objects.get(pk=deal.pk)
    deal_move_stage(
        deal=deal, to_stage=stages["Needs confirmed"], actor=personas.alice, expected_version=1
    )
    with pytest.raises(ConflictError):
        deal_move_stage(
            deal=stale, to_stage=stages["Needs confirmed"], actor=personas.bob, expected_version=1
        )
    assert StageChange.objects.filter(deal=deal).count() == 2
