from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from salestrack.deals.models import Deal
from salestrack.risks.models import CycleMedian
from salestrack.risks.selectors import (
    cycle_median_book,
    cycle_warned_deals,
    is_late_stage,
    review_deals,
    risk_rows,
)
from salestrack.risks.services import cycle_medians_refresh
from salestrack.risks.tests.factories import RiskFlagFactory, open_deal, won_deal

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _medians():
    return {(m.pipeline_id, m.industry): m for m in cycle_medians_refresh(now=NOW)}


def _warned(user, book):
    return set(cycle_warned_deals(user=user, book=book, now=NOW).values_list("pk", flat=True))


def test_it_takes_the_middle_won_deal_of_an_odd_sample(personas, pipeline):
    for days in (50, 10, 40, 20, 30):
        won_deal(owner=personas.alice, days=days)
    row = _medians()[(pipeline.pk, "制造业")]
    assert (row.median_days, row.sample_size) == (30, 5)


def test_it_averages_the_two_middle_won_deals_of_an_even_sample(personas, pipeline):
    for days in (40, 10, 30, 20):
        won_deal(owner=personas.alice, days=days, industry="零售")
    for days in (1, 2, 3):
        won_deal(owner=personas.alice, days=days, industry="教育")
    medians = _medians()
    assert (
        medians[(pipeline.pk, "零售")].median_days,
        medians[(pipeline.pk, "零售")].sample_size,
    ) == (
        25,
        4,
    )
    assert medians[(pipeline.pk, "教育")].median_days == 2
    whole = medians[(pipeline.pk, None)]  # 1 2 3 10 20 30 40
    assert (whole.median_days, whole.sample_size) == (10, 7)


def test_every_pipeline_gets_a_row_even_without_won_deals(personas, pipeline):
    whole = _medians()[(pipeline.pk, None)]
    assert (whole.median_seconds, whole.sample_size) == (None, 0)


def test_it_warns_at_75_percent_of_a_60_day_median(personas, stages):
    for _ in range(5):
        won_deal(owner=personas.alice, days=60)
    _medians()
    book = cycle_median_book(now=NOW)
    warned = open_deal(owner=personas.alice, stage=stages["Lead"], created_days_ago=45, now=NOW)
    young = open_deal(owner=personas.alice, stage=stages["Lead"], created_days_ago=44, now=NOW)
    late = open_deal(owner=personas.alice, stage=stages["Contract"], created_days_ago=50, now=NOW)

    assert _warned(personas.alice, book) == {warned.pk}
    row = risk_rows(deals=[warned], book=book, now=NOW)[0]
    assert (row.cycle.age_days, row.cycle.median_days, row.cycle.sample_size) == (45, 60, 5)
    assert not row.cycle.pipeline_wide
    assert is_late_stage(stages["Contract"]) and not is_late_stage(stages["Negotiation"])
    assert risk_rows(deals=[young, late], book=book, now=NOW)[0].cycle is None
    assert risk_rows(deals=[late], book=book, now=NOW)[0].cycle is None


def test_the_late_stage_threshold_is_a_setting(personas, stages, settings):
    for _ in range(5):
        won_deal(owner=personas.alice, days=60)
    _medians()
    deal = open_deal(owner=personas.alice, stage=stages["Contract"], created_days_ago=50, now=NOW)
    settings.SALESTRACK_LATE_STAGE_PROBABILITY = 90
    assert _warned(personas.alice, cycle_median_book(now=NOW)) == {deal.pk}


def test_it_falls_back_to_the_pipeline_median_for_a_small_segment(personas, stages, settings):
    settings.SALESTRACK_CYCLE_MIN_SAMPLE = 5
    for _ in range(4):
        won_deal(owner=personas.alice, days=100, industry="零售")  # segment too small
    for _ in range(5):
        won_deal(owner=personas.alice, days=20, industry="制造业")
    _medians()  # pipeline median of 4×100 and 5×20: 20
    book = cycle_median_book(now=NOW)
    retail = open_deal(
        owner=personas.alice, stage=stages["Lead"], created_days_ago=16, industry="零售", now=NOW
    )
    unknown = open_deal(
        owner=personas.alice, stage=stages["Lead"], created_days_ago=16, industry="教育", now=NOW
    )

    assert _warned(personas.alice, book) == {retail.pk, unknown.pk}
    row = risk_rows(deals=[retail], book=book, now=NOW)[0]
    assert row.cycle.pipeline_wide and row.cycle.sample_size == 9 and row.cycle.median_days == 20

    settings.SALESTRACK_CYCLE_MIN_SAMPLE = 4  # now the retail segment counts on its own: 100 d
    book = cycle_median_book(now=NOW)
    assert _warned(personas.alice, book) == {unknown.pk}


def test_it_refreshes_medians_older_than_a_day(personas, pipeline):
    cycle_medians_refresh(now=NOW - timedelta(hours=23))
    won_deal(owner=personas.alice, days=10)
    assert cycle_median_book(now=NOW).rows[(pipeline.pk, None)].sample_size == 0
    CycleMedian.objects.update(computed_at=NOW - timedelta(hours=25))
    assert cycle_median_book(now=NOW).rows[(pipeline.pk, None)].sample_size == 1


def test_the_review_lists_every_reason_once(personas, stages):
    for _ in range(5):
        won_deal(owner=personas.alice, days=60)
    _medians()
    book = cycle_median_book(now=NOW)
    deal = open_deal(owner=personas.alice, stage=stages["Lead"], created_days_ago=50, now=NOW)
    Deal.objects.filter(pk=deal.pk).update(
        stage_entered_at=NOW - timedelta(days=20),
        stalls_at=NOW - timedelta(days=13),
        last_activity_at=NOW - timedelta(days=15),
    )
    RiskFlagFactory(deal=deal)
    rows = list(review_deals(user=personas.mia, book=book, now=NOW))
    assert [d.pk for d in rows] == [deal.pk]
    reasons = risk_rows(deals=rows, book=book, now=NOW)[0].reasons
    assert len(reasons) == 4  # stage, no follow-up, slow, flag
