"""Stage-to-won statistics: conversion and median time to won, per stage and industry, from
the history known at a snapshot's date only."""

from datetime import date

import pytest

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.forecast.models import StageStat
from salestrack.forecast.services import forecast_stats_compute, forecast_stats_refresh
from salestrack.forecast.tests.conftest import at
from salestrack.forecast.tests.factories import deal_with_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(stages):
    made = CustomerFactory(industry="制造业")
    finance = CustomerFactory(industry="金融")
    lead, needs = stages["Lead"], stages["Needs confirmed"]
    start = at(2025, 1, 1)
    deal_with_history(
        customer=made,
        path=[(lead, start), (needs, at(2025, 1, 11)), (stages["Won"], at(2025, 2, 1))],
    )
    deal_with_history(customer=made, path=[(lead, start), (stages["Lost"], at(2025, 1, 21))])
    # enters Lead twice: counted once, timed from the first entry
    deal_with_history(
        customer=finance,
        path=[
            (lead, start),
            (needs, at(2025, 1, 5)),
            (lead, at(2025, 1, 10)),
            (stages["Won"], at(2025, 1, 31)),
        ],
    )
    deal_with_history(customer=made, path=[(lead, start)])  # still open: not counted
    # won after 2025-03-01: unknown to that snapshot
    deal_with_history(customer=made, path=[(lead, start), (stages["Won"], at(2025, 3, 10))])
    return stages


def _stat(snapshot, stage, industry=None):
    return StageStat.objects.get(snapshot=snapshot, stage=stage, industry=industry)


def test_it_computes_conversion_and_median_time_to_won_per_stage(history):
    snapshot = forecast_stats_compute(as_of=date(2025, 3, 1))
    lead = _stat(snapshot, history["Lead"])
    assert (lead.closed, lead.won) == (3, 2)
    assert lead.median_days == 30.5  # 31 days and 30 days from the first entry
    needs = _stat(snapshot, history["Needs confirmed"])
    assert (needs.closed, needs.won) == (2, 2)
    assert needs.median_days == 23.5  # 21 and 26 days
    assert not StageStat.objects.filter(snapshot=snapshot, stage=history["Negotiation"]).exists()


def test_it_keeps_industry_segments_and_pipeline_totals(history):
    snapshot = forecast_stats_compute(as_of=date(2025, 3, 1))
    made = _stat(snapshot, history["Lead"], "制造业")
    assert (made.closed, made.won, made.median_days) == (2, 1, 31.0)
    finance = _stat(snapshot, history["Lead"], "金融")
    assert (finance.closed, finance.won, finance.median_days) == (1, 1, 30.0)
    total = StageStat.objects.get(snapshot=snapshot, stage=None)
    assert (total.closed, total.won) == (3, 2)


def test_it_uses_only_deals_closed_before_the_snapshot_date(history):
    later = forecast_stats_compute(as_of=date(2025, 4, 1))
    lead = _stat(later, history["Lead"])
    assert (lead.closed, lead.won) == (4, 3)
    early = forecast_stats_compute(as_of=date(2025, 2, 1))  # the 金融 win and the loss only
    lead = _stat(early, history["Lead"])
    assert (lead.closed, lead.won) == (2, 1)


def test_refresh_builds_missing_snapshots_and_prunes_others(history):
    forecast_stats_refresh(dates=[date(2025, 3, 1)])
    first = forecast_stats_refresh(dates=[date(2025, 3, 1)])[0]
    assert forecast_stats_refresh(dates=[date(2025, 3, 1)])[0].computed_at == first.computed_at
    snapshots = forecast_stats_refresh(dates=[date(2025, 4, 1)], prune=True)
    assert [s.as_of for s in snapshots] == [date(2025, 4, 1)]
    assert not StageStat.objects.filter(snapshot__as_of=date(2025, 3, 1)).exists()
