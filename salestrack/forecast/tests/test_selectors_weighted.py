"""Weighted pipeline: amount x probability per expected close month and quarter, with the
commit / best case / pipeline categories."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory
from salestrack.forecast.selectors import ForecastFilters, weighted_pipeline
from salestrack.forecast.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(at(2025, 5, 14), tick=False):
        yield


@pytest.fixture
def deals(personas, stages):
    customer = CustomerFactory(owner=personas.alice)

    def deal(stage, amount, close, probability=None):
        return DealFactory(
            customer=customer,
            stage=stages[stage],
            amount=Decimal(amount),
            expected_close_date=close,
            probability=probability,
        )

    return [
        deal("Lead", 100000, date(2025, 5, 20)),  # 10 % (stage): pipeline
        deal("Lead", 200000, date(2025, 5, 31), probability=50),  # best case
        deal("Negotiation", 100000, date(2025, 6, 10), probability=30),  # pipeline
        deal("Contract", 100000, date(2025, 7, 1), probability=30),  # contract stage: commit
        deal("Lead", 100000, None, probability=90),  # commit, no expected close date
        deal("Won", 500000, date(2025, 5, 1)),  # closed: left out
    ]


def _row(rows, start):
    return next(row for row in rows if row.start == start)


def test_it_buckets_weighted_amounts_by_month_and_category(personas, deals):
    result = weighted_pipeline(user=personas.admin, filters=ForecastFilters())
    assert [row.label for row in result.months] == ["2025-05", "2025-06", "2025-07", "—"]
    may = _row(result.months, date(2025, 5, 1))
    assert (may.deals, may.amount) == (2, Decimal("300000"))
    assert may.weighted == {
        "commit": Decimal("0"),
        "best_case": Decimal("100000"),
        "pipeline": Decimal("10000"),
    }
    assert _row(result.months, date(2025, 6, 1)).weighted["pipeline"] == Decimal("30000")
    assert _row(result.months, date(2025, 7, 1)).weighted["commit"] == Decimal("30000")
    undated = _row(result.months, None)
    assert (undated.deals, undated.weighted["commit"]) == (1, Decimal("90000"))


def test_quarters_are_the_sums_of_their_months(personas, deals):
    result = weighted_pipeline(user=personas.admin, filters=ForecastFilters())
    assert [row.label for row in result.quarters] == ["2025 Q2", "2025 Q3", "—"]
    q2 = _row(result.quarters, date(2025, 4, 1))
    assert q2.deals == 3
    assert q2.weighted == {
        "commit": Decimal("0"),
        "best_case": Decimal("100000"),
        "pipeline": Decimal("40000"),
    }
    assert q2.total == Decimal("140000")
    assert result.total.total == Decimal("260000")
    assert result.total.counts == {"commit": 2, "best_case": 1, "pipeline": 2}


def test_the_commit_threshold_is_a_setting(personas, deals, settings):
    settings.SALESTRACK_FORECAST_COMMIT_PROBABILITY = 50
    result = weighted_pipeline(user=personas.admin, filters=ForecastFilters())
    assert _row(result.months, date(2025, 5, 1)).weighted["commit"] == Decimal("100000")
