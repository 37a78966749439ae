"""When the forecast expects wins: open deals spread over the life table of their stage (given
their age in it), deals not created yet through the run rate, and a backtest that compares
the same definition on both sides. Hand-built histories with known answers."""

import math
from datetime import date, timedelta

import pytest
import time_machine

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.forecast.lifetable import EDGES, LifeTable
from salestrack.forecast.selectors import Z_80, ForecastFilters, backtest, statistical_forecast
from salestrack.forecast.tests.conftest import at
from salestrack.forecast.tests.factories import deal_with_history

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(at(2025, 5, 14), tick=False):
        yield


@pytest.fixture
def always_45_days(stages):
    """In 2023 four Lead deals were won exactly 45 days after entering Lead and one was lost
    after 10 days: 4 of 5 win, all of them on day 45."""
    customer = CustomerFactory(industry="制造业")
    for month in (1, 2, 3, 4):
        entered = at(2023, month, 2)
        deal_with_history(
            customer=customer,
            path=[(stages["Lead"], entered), (stages["Won"], entered + timedelta(days=45))],
        )
    deal_with_history(
        customer=customer,
        path=[(stages["Lead"], at(2023, 5, 2)), (stages["Lost"], at(2023, 5, 12))],
    )
    return customer


def test_it_puts_a_deal_in_the_month_its_stage_wins_in(personas, stages, always_45_days):
    # as of 1 May 2025 the deal had been in Lead since 30 April: 45 days on is mid-June
    deal_with_history(
        customer=always_45_days, amount=200000, path=[(stages["Lead"], at(2025, 4, 30))]
    )
    result = statistical_forecast(
        user=personas.admin, filters=ForecastFilters(), today=date(2025, 5, 1)
    )
    by_month = {row.start: row for row in result.months}
    assert by_month[date(2025, 5, 1)].from_open == 0
    june = by_month[date(2025, 6, 1)]
    assert june.from_open == pytest.approx(200000 * 0.8)
    assert by_month[date(2025, 7, 1)].from_open == 0
    # nothing was won from new deals in the twelve months before: no run rate, no variance
    assert june.from_new == 0
    spread = Z_80 * math.sqrt(200000**2 * 0.8 * 0.2)
    assert (june.low, june.high) == pytest.approx((160000 - spread, 160000 + spread))
    quarters = {row.label: row for row in result.quarters}
    assert quarters["2025 Q2"].expected == pytest.approx(160000)
    assert quarters["2025 Q3"].expected == 0


def test_it_expects_nothing_from_a_deal_older_than_every_past_win(personas, stages, always_45_days):
    # in Lead for 100 days on 1 May: every past Lead deal had won or lost by day 45
    deal_with_history(
        customer=always_45_days, amount=200000, path=[(stages["Lead"], at(2025, 1, 21))]
    )
    result = statistical_forecast(
        user=personas.admin, filters=ForecastFilters(), today=date(2025, 5, 1)
    )
    assert sum(row.from_open for row in result.months) == 0
    assert result.quarters[0].deals == 0


def test_the_life_table_counts_open_deals_as_at_risk_until_their_age():
    zeros = [0] * len(EDGES)
    won, lost, censored = list(zeros), list(zeros), list(zeros)
    won[1] = 2  # 2 won in the second week
    censored[0] = 2  # 2 still open, younger than a week
    table = LifeTable(won, lost, censored)
    # the 2 open deals were at risk for half the first week: nobody closed then, so all of
    # the 2 at risk in week two win
    assert table.win_eventually(age=0) == pytest.approx(1.0)
    assert table.win_between(age=0, start=0, end=7) == 0
    assert table.win_between(age=0, start=7, end=14) == pytest.approx(1.0)
    lost[0] = 2  # now 2 lost in the first week too: 2 of 6 - 1 at risk
    table = LifeTable(won, lost, censored)
    assert table.win_eventually(age=0) == pytest.approx(1 - 2 / 5)
    assert table.win_eventually(age=30) == 0  # nobody was ever open that long


@pytest.fixture
def monthly_new_deals(stages):
    """Every month from January 2024 to April 2025, one deal created on the 3rd and won on
    the 20th (1,000): all won business comes from deals created in the same month."""
    customer = CustomerFactory(industry="制造业")
    month = date(2024, 1, 1)
    while month < date(2025, 5, 1):
        deal_with_history(
            customer=customer,
            amount=1000,
            path=[
                (stages["Lead"], at(month.year, month.month, 3)),
                (stages["Won"], at(month.year, month.month, 20)),
            ],
        )
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


def test_the_run_rate_forecasts_deals_not_created_yet(personas, monthly_new_deals):
    result = backtest(user=personas.admin, filters=ForecastFilters())
    q1 = next(row for row in result.quarters.rows if row.label == "2025 Q1")
    assert q1.deals == 0  # nothing open on 1 January
    assert q1.forecast.from_open == 0
    assert q1.forecast.from_new == pytest.approx(3000)  # 1,000 a month, every past month
    assert q1.forecast.low == pytest.approx(3000)  # the past run rates never varied
    # both sides count everything won in the quarter
    assert (q1.actual, q1.actual_open) == (pytest.approx(3000), 0)
    assert q1.error_pct == pytest.approx(0)
    assert result.quarters.mape == pytest.approx(0)
    assert [row.forecast.expected for row in result.months.rows] == pytest.approx([1000, 1000])
    assert result.months.mape == pytest.approx(0)


def test_the_live_run_rate_counts_only_what_is_left_of_this_month(personas, monthly_new_deals):
    result = statistical_forecast(user=personas.admin, filters=ForecastFilters())
    assert result.months[0].from_new == pytest.approx(1000 * 18 / 31)  # 14 May: 18 days left
    assert result.months[1].from_new == pytest.approx(1000)
    assert result.quarters[1].from_new == pytest.approx(3000)


@pytest.fixture
def movers_and_stayers(stages):
    """In 2023: 4 deals left Lead for Negotiation after 2 days and were won on day 45; 4 stayed
    in Lead for 40 days and were lost. Of all Lead deals still open on day 35 half win; of
    those still in Lead on day 35 none does."""
    customer = CustomerFactory(industry="制造业")
    for month in (1, 2, 3, 4):
        entered = at(2023, month, 2)
        deal_with_history(
            customer=customer,
            path=[
                (stages["Lead"], entered),
                (stages["Negotiation"], entered + timedelta(days=2)),
                (stages["Won"], entered + timedelta(days=45)),
            ],
        )
        deal_with_history(
            customer=customer,
            path=[(stages["Lead"], entered), (stages["Lost"], entered + timedelta(days=40))],
        )
    return customer


def test_a_deal_lingering_in_a_stage_is_compared_with_deals_that_lingered(
    personas, stages, movers_and_stayers
):
    fresh = deal_with_history(
        customer=movers_and_stayers, amount=100000, path=[(stages["Lead"], at(2025, 4, 30))]
    )
    result = statistical_forecast(
        user=personas.admin, filters=ForecastFilters(), today=date(2025, 5, 1)
    )
    assert sum(row.from_open for row in result.months) == pytest.approx(50000)
    # the same deal in Lead since 27 March (35 days): only the 4 that stayed 30+ days count
    fresh.stage_changes.update(entered_at=at(2025, 3, 27))
    result = statistical_forecast(
        user=personas.admin, filters=ForecastFilters(), today=date(2025, 5, 1)
    )
    assert sum(row.from_open for row in result.months) == 0
