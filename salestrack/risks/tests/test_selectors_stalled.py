from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.selectors import DealFilters, deal_board, is_stalled
from salestrack.deals.services import deal_create, deal_move_stage
from salestrack.deals.stalls import REASON_NO_FOLLOWUP, REASON_STAGE, stall_reasons
from salestrack.deals.tests.factories import DealFactory
from salestrack.pipeline.services import stage_save
from salestrack.risks.selectors import stalled_deals

pytestmark = pytest.mark.django_db

DAY_0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _travel(when: datetime):
    return time_machine.travel(when, tick=False)


def _new_deal(personas, stage, title="华信 ERP"):
    with _travel(DAY_0):
        return deal_create(
            actor=personas.alice,
            customer=CustomerFactory(owner=personas.alice),
            title=title,
            stage=stage,
        )


def _late_deal(personas, stages):
    """A deal in Payment (rot_days 30) since DAY_0, created then, never followed up."""
    with _travel(DAY_0):
        return DealFactory(owner=personas.alice, stage=stages["Payment"], stage_entered_at=DAY_0)


def _stalled_ids(user, now=None):
    return set(stalled_deals(user=user, now=now).values_list("pk", flat=True))


def test_it_stalls_in_the_stage_only_after_rot_days_have_passed(personas, stages):
    deal = _new_deal(personas, stages["Lead"])  # rot_days 7
    assert deal.stalls_at == DAY_0 + timedelta(days=7)

    with _travel(DAY_0 + timedelta(days=7)):  # exactly at the limit: not yet
        assert deal.pk not in _stalled_ids(personas.alice)
        assert not is_stalled(Deal.objects.select_related("stage").get(pk=deal.pk))
    with _travel(DAY_0 + timedelta(days=7, seconds=1)):
        assert deal.pk in _stalled_ids(personas.alice)
        assert stall_reasons(Deal.objects.get(pk=deal.pk)) == [REASON_STAGE]


def test_it_stalls_without_follow_up(personas, stages, settings):
    settings.SALESTRACK_STALL_NO_FOLLOWUP_DAYS = 14
    deal = _late_deal(personas, stages)

    with _travel(DAY_0 + timedelta(days=14)):
        assert deal.pk not in _stalled_ids(personas.alice)
    with _travel(DAY_0 + timedelta(days=14, seconds=1)):
        assert deal.pk in _stalled_ids(personas.alice)
        assert stall_reasons(Deal.objects.get(pk=deal.pk)) == [REASON_NO_FOLLOWUP]

    Deal.objects.filter(pk=deal.pk).update(last_activity_at=DAY_0 + timedelta(days=10))
    with _travel(DAY_0 + timedelta(days=24)):
        assert deal.pk not in _stalled_ids(personas.alice)
    with _travel(DAY_0 + timedelta(days=24, seconds=1)):
        assert deal.pk in _stalled_ids(personas.alice)


def test_it_takes_the_no_follow_up_days_from_the_setting(personas, stages, settings):
    settings.SALESTRACK_STALL_NO_FOLLOWUP_DAYS = 3
    deal = _late_deal(personas, stages)
    with _travel(DAY_0 + timedelta(days=3, seconds=1)):
        assert deal.pk in _stalled_ids(personas.alice)


def test_it_lists_both_reasons(personas, stages):
    deal = _new_deal(personas, stages["Lead"])
    with _travel(DAY_0 + timedelta(days=20)):
        assert stall_reasons(Deal.objects.get(pk=deal.pk)) == [REASON_STAGE, REASON_NO_FOLLOWUP]


def test_moving_the_deal_clears_the_stage_reason(personas, stages):
    deal = _new_deal(personas, stages["Lead"])
    with _travel(DAY_0 + timedelta(days=8)):
        assert deal.pk in _stalled_ids(personas.alice)
        deal = deal_move_stage(
            deal=deal,
            to_stage=stages["Needs confirmed"],
            actor=personas.alice,
            expected_version=deal.version,
        )
        assert deal.stalls_at == DAY_0 + timedelta(days=8 + 7)
        assert deal.pk not in _stalled_ids(personas.alice)


def test_a_closed_deal_never_stalls(personas, stages):
    deal = _new_deal(personas, stages["Lead"])
    with _travel(DAY_0 + timedelta(days=1)):
        deal = deal_move_stage(
            deal=deal,
            to_stage=stages["Lost"],
            actor=personas.alice,
            expected_version=deal.version,
            facts={"lost_reason": "预算取消"},
        )
    assert deal.stalls_at is None
    with _travel(DAY_0 + timedelta(days=100)):
        assert deal.pk not in _stalled_ids(personas.alice)
        assert stall_reasons(Deal.objects.get(pk=deal.pk)) == []


def test_changing_rot_days_restamps_the_deals_in_the_stage(personas, stages, pipeline):
    deal = _new_deal(personas, stages["Lead"])
    other = _new_deal(personas, stages["Needs confirmed"], title="别的")
    lead = stages["Lead"]

    with _travel(DAY_0 + timedelta(days=4)):
        assert deal.pk not in _stalled_ids(personas.alice)
        stage_save(
            pipeline=pipeline,
            stage=lead,
            data={"rot_days": 3},
            requirements=[],
            actor=personas.admin,
        )
        assert deal.pk in _stalled_ids(personas.alice)
    deal.refresh_from_db()
    other.refresh_from_db()
    assert deal.stalls_at == DAY_0 + timedelta(days=3)
    assert other.stalls_at == DAY_0 + timedelta(days=7)  # other stages untouched


def test_it_keeps_to_the_users_scope(personas, stages):
    deal = _new_deal(personas, stages["Lead"])
    with _travel(DAY_0 + timedelta(days=30)):
        assert deal.pk in _stalled_ids(personas.alice)
        assert deal.pk in _stalled_ids(personas.mia)
        assert deal.pk not in _stalled_ids(personas.charlie)


def test_the_board_badge_names_the_reasons(personas, stages, pipeline):
    _new_deal(personas, stages["Lead"])
    with _travel(DAY_0 + timedelta(days=20)):
        columns = deal_board(user=personas.alice, pipeline=pipeline, filters=DealFilters())
    card = next(c for c in columns if c.stage == stages["Lead"]).cards[0]
    assert card.stalled
    assert card.stall_reasons == [REASON_STAGE, REASON_NO_FOLLOWUP]
    assert "; " in card.stall_title
