"""deal.stalled: once per stay in a stage, to owner, collaborators and the team's manager."""

from datetime import timedelta

import pytest
import time_machine

from salestrack.deals.models import Deal
from salestrack.deals.services import deal_move_stage
from salestrack.deals.stalls import stalls_at_for
from salestrack.deals.tests.factories import DealFactory
from salestrack.notifications.models import Notification
from salestrack.reminders.services import stalled_deals_notify
from salestrack.reminders.tests.conftest import at, recipients, sent

pytestmark = pytest.mark.django_db
NOW = at(2026, 3, 10, 9, 0)


def in_stage_since(deal, entered):
    deal.stage_entered_at = entered
    deal.stalls_at = stalls_at_for(stage=deal.stage, entered_at=entered)
    deal.save()
    return deal


def run(now=NOW):
    with time_machine.travel(now, tick=False):
        return stalled_deals_notify()


def test_a_deal_past_its_stage_limit_is_told_once_per_stay(personas, team_a_deal):
    # Lead allows 7 days: in it for 8, stalled since yesterday
    in_stage_since(team_a_deal, NOW - timedelta(days=8))
    assert run() == 3
    assert recipients("deal.stalled") == {"alice", "bob", "mia"}
    note = Notification.objects.filter(event="deal.stalled").first()
    assert note.params["days_in_stage"] == 8 and note.params["reasons"] == ["stage"]
    assert note.params["stage"] == {"zh": "线索", "en": "Lead"}
    assert note.dedup_key == f"stalled:{team_a_deal.pk}:2026-03-02T01:00:00+00:00"
    assert run(NOW + timedelta(minutes=15)) == 0
    assert run(NOW + timedelta(days=1)) == 0


def test_a_new_stay_that_stalls_again_is_told_again(personas, stages, team_a_deal):
    in_stage_since(team_a_deal, NOW - timedelta(days=8))
    run()
    with time_machine.travel(NOW, tick=False):
        deal = deal_move_stage(
            deal=Deal.objects.get(pk=team_a_deal.pk),
            to_stage=stages["Needs confirmed"],
            actor=personas.admin,
            expected_version=team_a_deal.version,
        )
    assert run(NOW + timedelta(days=1)) == 0  # not stalled yet in the new stage
    assert run(NOW + timedelta(days=7, hours=1)) == 3
    assert [e for _u, e in sent()].count("deal.stalled") == 6
    assert deal.stage == stages["Needs confirmed"]


def test_deals_stalled_long_ago_closed_or_fresh_are_not_told(personas, stages):
    in_stage_since(DealFactory(customer__owner=personas.alice), NOW - timedelta(days=20))
    DealFactory(customer__owner=personas.alice, stage=stages["Won"], stage_entered_at=NOW)
    in_stage_since(DealFactory(customer__owner=personas.alice), NOW - timedelta(days=3))
    assert run() == 0


def test_a_deal_without_a_follow_up_for_too_long_is_stalled_too(personas, settings):
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        deal = DealFactory(customer__owner=personas.charlie)
    # moved recently (stage limit far away), last follow-up 14 days and a few hours ago
    in_stage_since(deal, NOW - timedelta(days=1))
    Deal.objects.filter(pk=deal.pk).update(last_activity_at=NOW - timedelta(days=14, hours=3))
    assert run() == 2
    assert recipients("deal.stalled") == {"charlie", "mia"}
    assert Notification.objects.first().params["reasons"] == ["no_followup"]
