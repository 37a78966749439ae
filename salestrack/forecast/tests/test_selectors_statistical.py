"""The statistical forecast: P(win) and time to win learned per stage (and industry),
expected won amount per month and quarter with a 10-90 % range."""

import math
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory
from salestrack.forecast.selectors import Z_80, ForecastFilters, statistical_forecast
from salestrack.forecast.tests.conftest import at
from salestrack.forecast.tests.factories import deal_with_history

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(at(2025, 5, 14), tick=False):
        yield


@pytest.fixture
def history(stages):
    """Lead: 制造业 3 won of 4 (30 days each), 金融 1 lost; pipeline-wide 3 of 5."""
    made, finance = CustomerFactory(industry="制造业"), CustomerFactory(industry="金融")
    for outcome in ("Won", "Won", "Won", "Lost"):
        deal_with_history(
            customer=made,
            path=[(stages["Lead"], at(2025, 1, 1)), (stages[outcome], at(2025, 1, 31))],
        )
    deal_with_history(
        customer=finance,
        path=[(stages["Lead"], at(2025, 1, 1)), (stages["Lost"], at(2025, 1, 3))],
    )
    return {"制造业": made, "金融": finance}


@pytest.fixture
def open_deals(history, stages):
    DealFactory(customer=history["制造业"], stage=stages["Lead"], amount=Decimal(100000))
    DealFactory(customer=history["金融"], stage=stages["Lead"], amount=Decimal(200000))
    # no closed deal ever passed Negotiation: its default 50 %, closing at once
    DealFactory(customer=history["金融"], stage=stages["Negotiation"], amount=Decimal(100000))


def test_it_expects_amount_times_learned_win_rate_in_the_month_of_the_past_wins(
    personas, open_deals
):
    result = statistical_forecast(user=personas.admin, filters=ForecastFilters())
    by_month = {row.start: row for row in result.months}
    assert sorted(by_month)[:3] == [date(2025, 5, 1), date(2025, 6, 1), date(2025, 7, 1)]
    assert len(by_month) == 12
    assert by_month[date(2025, 5, 1)].from_open == pytest.approx(50000)
    june = by_month[date(2025, 6, 1)]  # 14 May + 30 days: every past win took 30 days
    # 制造业 segment 3/4 x 100,000 + 金融 too small: pipeline 3/5 x 200,000
    assert june.from_open == pytest.approx(75000 + 120000)
    assert by_month[date(2025, 7, 1)].from_open == 0
    # new deals: the 3 won in January were created that month; of the 4 months before May
    # only January won anything from deals created in it -> 300,000 / 4, for the 18 of May's
    # 31 days still ahead; nothing won from new deals in a month after (the variance is that
    # of the 4 past months)
    may = by_month[date(2025, 5, 1)]
    assert may.from_new == pytest.approx(75000 * 18 / 31)
    assert june.from_new == 0 and june.expected == pytest.approx(195000)
    variance = 100000**2 * 0.75 * 0.25 + 200000**2 * 0.6 * 0.4
    assert june.low == pytest.approx(195000 - Z_80 * math.sqrt(variance))
    assert june.high == pytest.approx(195000 + Z_80 * math.sqrt(variance))
    assert [q.label for q in result.quarters] == ["2025 Q2", "2025 Q3", "2025 Q4", "2026 Q1"]
    assert result.quarters[0].from_open == pytest.approx(245000)
    # the quarter's new deals: May (18/31 of it) and June after each of the 3 month starts
    # whose two months were over by May: January's 300,000 only
    assert result.quarters[0].from_new == pytest.approx(300000 / 3 * 18 / 31)


def test_it_reports_the_basis_of_each_stage(personas, open_deals):
    result = statistical_forecast(user=personas.admin, filters=ForecastFilters())
    assert result.history == 5 and result.enough_history
    lead = next(stat for stat, _estimate in result.stats if stat.stage.name_en == "Lead")
    assert (lead.closed, lead.won, lead.median_days) == (5, 3, 30.0)


def test_it_says_when_there_is_too_little_history(personas, open_deals, settings):
    settings.SALESTRACK_FORECAST_MIN_SAMPLE = 20
    result = statistical_forecast(user=personas.admin, filters=ForecastFilters())
    assert not result.enough_history
    # every stage falls back to its default probability (Lead 10 %), at the median time to
    # win where known (Lead: 30 days), else at once (Negotiation)
    assert result.quarters[0].from_open == pytest.approx(30000 + 50000)
    assert [m.from_open for m in result.months[:3]] == pytest.approx([50000, 30000, 0])
