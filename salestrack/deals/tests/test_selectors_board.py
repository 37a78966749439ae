from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.core.tests.factories import UserFactory
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.selectors import (
    DealFilters,
    deal_board,
    deal_board_cards,
    deal_stage_history,
    deal_stage_progress,
    is_stalled,
)
from salestrack.deals.services import deal_create, deal_move_stage
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_0 = datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI)


def _at(days: float) -> datetime:
    return DAY_0 + timedelta(days=days)


def _columns(user, pipeline, **filters):
    return {
        c.stage.name_en: c
        for c in deal_board(user=user, pipeline=pipeline, filters=DealFilters(**filters))
    }


def _deals(owner, stage, amounts, start_days_ago=0):
    """Deals of `owner` in `stage`, the first one oldest in the stage."""
    now = datetime.now(tz=SHANGHAI)
    return [
        DealFactory(
            owner=owner,
            customer=CustomerFactory(owner=owner),
            stage=stage,
            amount=Decimal(amount),
            stage_entered_at=now - timedelta(days=start_days_ago + len(amounts) - i),
        )
        for i, amount in enumerate(amounts)
    ]


def test_it_counts_and_sums_each_stage(personas, pipeline, stages):
    _deals(personas.alice, stages["Lead"], ["100000.00", "250000.50"])
    _deals(personas.alice, stages["Proposal / quote"], ["30000.00"])
    columns = _columns(personas.alice, pipeline)
    assert list(columns) == [
        "Lead",
        "Needs confirmed",
        "Proposal / quote",
        "Negotiation",
        "Contract",
        "Payment",
        "Won",
        "Lost",
    ]
    assert (columns["Lead"].count, columns["Lead"].total) == (2, Decimal("350000.50"))
    assert (columns["Proposal / quote"].count, columns["Proposal / quote"].total) == (
        1,
        Decimal("30000.00"),
    )
    assert (columns["Won"].count, columns["Won"].total, columns["Won"].cards) == (
        0,
        Decimal("0"),
        [],
    )


def test_it_takes_counts_and_totals_from_one_group_by(personas, pipeline, stages):
    _deals(personas.alice, stages["Lead"], ["1.00", "2.00"])
    _deals(personas.alice, stages["Negotiation"], ["3.00"])
    with CaptureQueriesContext(connection) as ctx:
        deal_board(user=personas.alice, pipeline=pipeline, filters=DealFilters())
    sqls = [q["sql"].upper() for q in ctx.captured_queries]
    assert len([s for s in sqls if "GROUP BY" in s]) == 1
    assert len([s for s in sqls if "COUNT(" in s]) == 1


def test_it_never_counts_others_deals_on_a_reps_board(personas, pipeline, stages):
    mine = _deals(personas.alice, stages["Lead"], ["100.00"])
    _deals(personas.bob, stages["Lead"], ["200.00", "300.00"])
    _deals(personas.charlie, stages["Contract"], ["400.00"])
    columns = _columns(personas.alice, pipeline)
    assert (columns["Lead"].count, columns["Lead"].total) == (1, Decimal("100.00"))
    assert columns["Lead"].cards == mine
    assert columns["Contract"].count == 0
    assert _columns(personas.alice, pipeline, owner_id=personas.bob.pk)["Lead"].count == 0
    assert _columns(personas.alice, pipeline, scope="team")["Lead"].count == 1


def test_it_counts_the_whole_subtree_on_a_managers_board(personas, pipeline, stages):
    _deals(personas.alice, stages["Lead"], ["100.00"])
    _deals(personas.bob, stages["Lead"], ["200.00"])
    _deals(personas.charlie, stages["Lead"], ["400.00"])
    _deals(UserFactory(), stages["Lead"], ["800.00"])  # another department
    lead = _columns(personas.mia, pipeline)["Lead"]
    assert (lead.count, lead.total) == (3, Decimal("700.00"))


def test_it_pages_the_cards_oldest_in_stage_first(personas, pipeline, stages, settings):
    settings.SALESTRACK_BOARD_PAGE_SIZE = 2
    deals = _deals(personas.alice, stages["Lead"], ["1.00"] * 5)
    lead = _columns(personas.alice, pipeline)["Lead"]
    assert lead.count == 5
    assert lead.cards == deals[:2]
    assert lead.has_more is True
    filters = DealFilters()
    page_2 = deal_board_cards(user=personas.alice, stage=stages["Lead"], filters=filters, page=2)
    page_3 = deal_board_cards(user=personas.alice, stage=stages["Lead"], filters=filters, page=3)
    assert page_2 == (deals[2:4], True)
    assert page_3 == (deals[4:], False)


def test_it_has_no_more_when_a_column_fits_one_page(personas, pipeline, stages, settings):
    settings.SALESTRACK_BOARD_PAGE_SIZE = 2
    deals = _deals(personas.alice, stages["Lead"], ["1.00"] * 2)
    lead = _columns(personas.alice, pipeline)["Lead"]
    assert (lead.cards, lead.has_more) == (deals, False)


def test_it_shows_the_newest_first_in_a_closed_column(personas, pipeline, stages):
    older, newer = _deals(personas.alice, stages["Won"], ["1.00", "2.00"])
    assert _columns(personas.alice, pipeline)["Won"].cards == [newer, older]


def test_it_loads_card_details_without_more_queries(
    personas, pipeline, stages, django_assert_num_queries
):
    _deals(personas.alice, stages["Lead"], ["1.00", "2.00"])
    cards = _columns(personas.alice, pipeline)["Lead"].cards
    with django_assert_num_queries(0):
        for card in cards:
            assert card.customer.name
            assert str(card.owner)
            assert card.stage.name_en == "Lead"


def test_it_filters_to_my_deals(personas, pipeline, stages):
    _deals(personas.alice, stages["Lead"], ["100.00"])
    _deals(personas.mia, stages["Lead"], ["200.00"])
    lead = _columns(personas.mia, pipeline, scope="mine")["Lead"]
    assert (lead.count, lead.total) == (1, Decimal("200.00"))


def test_it_filters_to_my_team(personas, pipeline, stages):
    lead_admin = UserFactory(role=User.Role.ADMIN, team=personas.team_a)
    _deals(personas.alice, stages["Lead"], ["100.00"])
    _deals(personas.bob, stages["Lead"], ["200.00"])
    _deals(personas.charlie, stages["Lead"], ["400.00"])
    assert _columns(lead_admin, pipeline)["Lead"].count == 3
    lead = _columns(lead_admin, pipeline, scope="team")["Lead"]
    assert (lead.count, lead.total) == (2, Decimal("300.00"))


def test_it_filters_by_owner(personas, pipeline, stages):
    _deals(personas.alice, stages["Lead"], ["100.00"])
    bobs = _deals(personas.bob, stages["Lead"], ["200.00"])
    lead = _columns(personas.mia, pipeline, owner_id=personas.bob.pk)["Lead"]
    assert (lead.count, lead.cards) == (1, bobs)


def test_it_filters_by_amount_range_inclusive(personas, pipeline, stages):
    small, middle, large = _deals(personas.alice, stages["Lead"], ["99.99", "100.00", "500.00"])
    lead = _columns(
        personas.alice, pipeline, min_amount=Decimal("100.00"), max_amount=Decimal("500.00")
    )["Lead"]
    assert (lead.count, lead.total, lead.cards) == (2, Decimal("600.00"), [middle, large])
    assert _columns(personas.alice, pipeline, max_amount=Decimal("99.99"))["Lead"].cards == [small]


@pytest.mark.parametrize("persona", ["alice", "mia", "admin"])
def test_it_keeps_the_query_count_flat_as_cards_grow(personas, pipeline, stages, persona):
    user = getattr(personas, persona)
    permissions_for(user)  # the role is loaded once per request, whatever the board holds

    def board_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            columns = deal_board(user=user, pipeline=pipeline, filters=DealFilters())
            for column in columns:
                for card in column.cards:
                    str(card.customer.name)
                    str(card.owner)
        return len(ctx.captured_queries)

    _deals(personas.alice, stages["Lead"], ["1.00"] * 2)
    _deals(personas.alice, stages["Proposal / quote"], ["1.00"])
    with_3 = board_queries()
    _deals(personas.alice, stages["Lead"], ["1.00"] * 15)
    _deals(personas.alice, stages["Proposal / quote"], ["1.00"] * 12)
    with_30 = board_queries()
    assert with_3 == with_30


def _travel(days: float):
    return time_machine.travel(_at(days), tick=False)


def test_it_gives_first_reached_dates_and_days_spent_across_a_backwards_move(personas, stages):
    alice = personas.alice
    with _travel(0):
        deal = deal_create(actor=alice, customer=CustomerFactory(owner=alice), title="ERP")
    with _travel(2):
        deal = deal_move_stage(
            deal=deal, to_stage=stages["Needs confirmed"], actor=alice, expected_version=1
        )
    with _travel(5):
        deal = deal_move_stage(
            deal=deal,
            to_stage=stages["Proposal / quote"],
            actor=alice,
            expected_version=deal.version,
            facts={"confirmed_requirements": "200 用户"},
        )
    with _travel(6):  # backwards
        deal = deal_move_stage(
            deal=deal, to_stage=stages["Lead"], actor=alice, expected_version=deal.version
        )
    with _travel(7.5):
        deal = deal_move_stage(
            deal=deal,
            to_stage=stages["Needs confirmed"],
            actor=alice,
            expected_version=deal.version,
        )
    with _travel(10):
        progress = deal_stage_progress(deal=deal, history=deal_stage_history(deal=deal))
    rows = {p.stage.name_en: (p.first_reached_at, p.days_spent, p.state) for p in progress}
    assert rows == {
        "Lead": (_at(0), 3.5, "done"),  # 2 days, then 1.5 after moving back
        "Needs confirmed": (_at(2), 5.5, "current"),  # 3 days, then 2.5 so far
        "Proposal / quote": (_at(5), 1.0, "done"),
        "Negotiation": (None, 0, "ahead"),
        "Contract": (None, 0, "ahead"),
        "Payment": (None, 0, "ahead"),
    }


def test_it_lists_the_stages_in_pipeline_order(personas, stages):
    deal = DealFactory(owner=personas.alice)
    progress = deal_stage_progress(deal=deal, history=deal_stage_history(deal=deal))
    assert [p.stage.name_en for p in progress] == [
        "Lead",
        "Needs confirmed",
        "Proposal / quote",
        "Negotiation",
        "Contract",
        "Payment",
    ]


def test_it_shows_a_closed_stage_only_when_the_deal_is_in_it(personas, stages):
    with _travel(0):
        deal = DealFactory(owner=personas.alice, stage=stages["Won"])
    with _travel(3):
        progress = deal_stage_progress(deal=deal, history=deal_stage_history(deal=deal))
    states = {p.stage.name_en: (p.state, p.days_spent) for p in progress}
    assert "Lost" not in states
    assert states["Won"] == ("current", 3.0)
    assert states["Payment"] == ("done", 0)


def test_it_lists_the_stage_history_in_order(personas, stages):
    with _travel(0):
        deal = deal_create(
            actor=personas.alice, customer=CustomerFactory(owner=personas.alice), title="ERP"
        )
    with _travel(1):
        deal_move_stage(
            deal=deal, to_stage=stages["Needs confirmed"], actor=personas.bob, expected_version=1
        )
    history = deal_stage_history(deal=deal)
    assert [(h.to_stage.name_en, h.entered_at, h.left_at) for h in history] == [
        ("Lead", _at(0), _at(1)),
        ("Needs confirmed", _at(1), None),
    ]
    assert history[0].duration_seconds == 86400
    assert history[1].actor == personas.bob


@pytest.mark.parametrize(
    "stage_name, days_in_stage, stalled",
    [
        ("Lead", 7, False),  # rot_days 7: exactly at the limit is not yet stalled
        ("Lead", 8, True),
        ("Proposal / quote", 8, False),  # rot_days 10
        ("Proposal / quote", 11, True),
        ("Won", 100, False),  # closed deals never stall
        ("Lost", 100, False),
    ],
)
def test_it_tells_a_stalled_deal(personas, stages, stage_name, days_in_stage, stalled):
    deal = DealFactory(owner=personas.alice, stage=stages[stage_name], stage_entered_at=_at(0))
    with _travel(days_in_stage):
        assert is_stalled(deal) is stalled
