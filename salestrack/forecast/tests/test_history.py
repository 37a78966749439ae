"""The stage a deal was in at a past moment, read from its stays (StageChange)."""

import pytest

from salestrack.forecast.history import add_months, quarter_start, stays_at
from salestrack.forecast.tests.conftest import at
from salestrack.forecast.tests.factories import deal_with_history

pytestmark = pytest.mark.django_db


def _stage_at(deal, moment):
    stay = stays_at(moment=moment).filter(deal=deal).select_related("to_stage").first()
    return stay.to_stage.name_en if stay else None


def test_it_reconstructs_the_stage_of_a_deal_at_past_dates(stages):
    deal = deal_with_history(
        path=[
            (stages["Lead"], at(2025, 1, 1)),
            (stages["Negotiation"], at(2025, 2, 1)),
            (stages["Needs confirmed"], at(2025, 2, 10)),  # moved back
            (stages["Won"], at(2025, 3, 1)),
        ]
    )
    assert _stage_at(deal, at(2024, 12, 31)) is None  # not created yet
    assert _stage_at(deal, at(2025, 1, 1)) == "Lead"  # entered that moment
    assert _stage_at(deal, at(2025, 1, 31)) == "Lead"
    assert _stage_at(deal, at(2025, 2, 1)) == "Negotiation"
    assert _stage_at(deal, at(2025, 2, 15)) == "Needs confirmed"
    assert _stage_at(deal, at(2025, 6, 1)) == "Won"


def test_it_counts_one_stay_per_deal_at_any_moment(stages):
    for _ in range(3):
        deal_with_history(path=[(stages["Lead"], at(2025, 1, 1)), (stages["Lost"], at(2025, 1, 5))])
    assert stays_at(moment=at(2025, 1, 3)).count() == 3
    assert stays_at(moment=at(2025, 1, 3)).filter(to_kind="open").count() == 3
    assert stays_at(moment=at(2025, 1, 6)).filter(to_kind="lost").count() == 3


def test_period_helpers():
    from datetime import date

    assert add_months(date(2025, 11, 20), 2) == date(2026, 1, 1)
    assert add_months(date(2025, 1, 31), -1) == date(2024, 12, 1)
    assert quarter_start(date(2025, 5, 14)) == date(2025, 4, 1)
