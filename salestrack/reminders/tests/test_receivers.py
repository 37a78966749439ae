"""Deal events through the real services: deal_move_stage and risk_flag_raise write the
notifications in their own transaction, to owner, collaborators and the team's manager."""

from decimal import Decimal

import pytest
from django.db import transaction

from salestrack.core.tests.factories import UserFactory
from salestrack.deals.services import deal_move_stage
from salestrack.deals.tests.factories import DealFactory
from salestrack.notifications.models import Notification
from salestrack.reminders.tests.conftest import recipients, sent
from salestrack.risks.models import RiskFlag
from salestrack.risks.services import risk_flag_raise

pytestmark = pytest.mark.django_db


def move(deal, stage, actor, **facts):
    return deal_move_stage(
        deal=deal, to_stage=stage, actor=actor, expected_version=deal.version, facts=facts or None
    )


def test_it_tells_owner_collaborators_and_manager_of_a_stage_change_but_not_the_mover(
    personas, stages, team_a_deal
):
    move(team_a_deal, stages["Needs confirmed"], personas.bob)

    assert recipients("deal.stage_changed") == {"alice", "mia"}
    note = Notification.objects.get(recipient=personas.alice)
    assert note.object_id == team_a_deal.pk
    assert note.params["from_stage"] == {"zh": "线索", "en": "Lead"}
    assert note.params["to_stage"] == {"zh": "需求确认", "en": "Needs confirmed"}
    assert note.params["actor"] == "鲍勃"
    assert note.params["customer"] == "华信科技"
    assert note.params["amount"] == "100000.00"
    # charlie (other team) and the admin hear nothing
    assert {u for u, _e in sent()} == {"alice", "mia"}


def test_it_sends_won_and_lost_instead_of_a_stage_change(personas, stages):
    won = DealFactory(customer__owner=personas.alice, stage=stages["Payment"])
    move(won, stages["Won"], personas.mia, payment_received=Decimal("5000"))
    lost = DealFactory(customer__owner=personas.alice)
    move(lost, stages["Lost"], personas.alice, lost_reason="预算被砍")

    assert sent() == [("alice", "deal.won"), ("mia", "deal.lost")]
    assert Notification.objects.get(event="deal.lost").params["lost_reason"] == "预算被砍"


def test_the_nearest_manager_is_told_not_the_one_above(personas, stages, team_a_deal):
    UserFactory(username="tina", team=personas.team_a, role="manager")
    move(team_a_deal, stages["Needs confirmed"], personas.alice)
    assert recipients("deal.stage_changed") == {"bob", "tina"}


def test_a_team_without_a_manager_anywhere_above_tells_owner_and_collaborators(personas, stages):
    lone_team_user = UserFactory(username="lone")
    deal = DealFactory(customer__owner=lone_team_user)
    move(deal, stages["Needs confirmed"], personas.admin)
    assert recipients("deal.stage_changed") == {"lone"}


def test_inactive_people_are_left_out(personas, stages, team_a_deal):
    personas.mia.is_active = False
    personas.mia.save()
    move(team_a_deal, stages["Needs confirmed"], personas.alice)
    assert recipients("deal.stage_changed") == {"bob"}


def test_a_rolled_back_move_leaves_no_notification(personas, stages, team_a_deal):
    with pytest.raises(RuntimeError), transaction.atomic():
        move(team_a_deal, stages["Needs confirmed"], personas.alice)
        assert Notification.objects.count() == 2  # written inside the move's transaction
        raise RuntimeError("the request failed after the move")
    assert Notification.objects.count() == 0


def test_a_new_risk_flag_is_told_once(personas, team_a_deal):
    risk_flag_raise(deal=team_a_deal, actor=personas.alice, kind="budget_cut", reason="冻结")
    # the same open flag again (a new reason) is no new flag
    risk_flag_raise(deal=team_a_deal, actor=personas.alice, kind="budget_cut", reason="砍半")

    assert sent() == [("bob", "deal.risk_flagged"), ("mia", "deal.risk_flagged")]
    params = Notification.objects.filter(event="deal.risk_flagged").first().params
    assert params["kind"] == "budget_cut" and params["reason"] == "冻结"


def test_a_flag_raised_by_the_system_reaches_the_owner_too(personas, team_a_deal):
    risk_flag_raise(deal=team_a_deal, actor=None, kind=RiskFlag.Kind.DECISION_MAKER_LEFT)
    assert recipients("deal.risk_flagged") == {"alice", "bob", "mia"}
    assert Notification.objects.filter(event="deal.risk_flagged").first().params["actor"] == ""
