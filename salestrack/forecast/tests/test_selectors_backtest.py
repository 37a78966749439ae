"""The backtest: the forecast re-run as of past dates with only what was known then, against
what actually closed; MAPE and bias."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.forecast.models import StageStat
from salestrack.forecast.selectors import ForecastFilters, backtest, bias, mape
from salestrack.forecast.tests.conftest import at
from salestrack.forecast.tests.factories import deal_with_history

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(at(2025, 5, 14), tick=False):
        yield


@pytest.fixture
def leaky(stages):
    """Known on 2025-01-01: Lead converted 3 of 4 (won after 10 days, lost after 4) and deal X
    entered it on 31 December (open then: at risk for half of the first week). After it, 10
    Lead deals were lost (Lead would be 3 of 14) and X moved to Negotiation (no history: its
    default 50 %) and was won on 20 January."""
    customer = CustomerFactory(industry="制造业")
    lead = stages["Lead"]
    for outcome, day in (("Won", 11), ("Won", 11), ("Won", 11), ("Lost", 5)):
        deal_with_history(
            customer=customer, path=[(lead, at(2024, 11, 1)), (stages[outcome], at(2024, 11, day))]
        )
    for _ in range(10):
        deal_with_history(
            customer=customer, path=[(lead, at(2025, 1, 2)), (stages["Lost"], at(2025, 1, 5))]
        )
    return deal_with_history(
        customer=customer,
        amount=100000,
        path=[
            (lead, at(2024, 12, 31)),
            (stages["Negotiation"], at(2025, 1, 3)),
            (stages["Won"], at(2025, 1, 20)),
        ],
    )


def test_it_forecasts_with_only_what_was_known_at_the_date(personas, leaky):
    result = backtest(user=personas.admin, filters=ForecastFilters())
    assert [row.as_of for row in result.quarters.rows] == [date(2024, 10, 1), date(2025, 1, 1)]
    q1 = result.quarters.rows[1]
    assert q1.deals == 1
    # Lead's life table as known on 1 January: not 3/14 (later losses), not Negotiation's
    # 50 %. First week: 1 lost of 4.5 at risk (X, open, counts half) -> 7/9 still open; all
    # 3 left win in the second week -> P(win) = 7/9 for X (age 0).
    assert q1.forecast.from_open == pytest.approx(100000 * 7 / 9)
    assert q1.forecast.from_new == 0  # no month of history before the first deal
    assert q1.forecast.expected == pytest.approx(100000 * 7 / 9)
    assert q1.actual == pytest.approx(100000)  # everything won in 2025 Q1
    assert q1.actual_open == pytest.approx(100000)  # of it, won by deals open on 1 January
    assert q1.error_pct == pytest.approx(-100 * 2 / 9)
    lead_then = StageStat.objects.get(
        snapshot__as_of=date(2025, 1, 1), stage__name_en="Lead", industry=None
    )
    assert (lead_then.closed, lead_then.won) == (4, 3)


def test_it_scores_only_periods_with_enough_history_and_says_so(personas, leaky):
    result = backtest(user=personas.admin, filters=ForecastFilters())
    q4 = result.quarters.rows[0]
    assert q4.history == 0 and not q4.enough_history
    assert result.quarters.used == 1
    assert result.quarters.mape == pytest.approx(100 * 2 / 9)
    assert result.quarters.bias == pytest.approx(-100 * 2 / 9)
    assert not result.quarters.enough_history
    assert [row.label for row in result.months.rows] == ["2025-03", "2025-04"]
    assert result.months.mape is None


def test_mape_and_bias():
    assert mape([(110, 100), (90, 100), (50, 0)]) == pytest.approx(10)
    assert mape([(50, 0)]) is None
    assert bias([(110, 100), (80, 100)]) == pytest.approx(-5)
    assert mape([(Decimal(120), Decimal(100))]) == pytest.approx(20)
