"""Who may be handed over from and to, and whose hand-overs the log shows."""

import pytest

from salestrack.access.scope import visible_users
from salestrack.core.tests.factories import TeamFactory, UserFactory
from salestrack.handover.selectors import handover_from_users, handover_list, handover_to_users
from salestrack.handover.tests.factories import HandOverFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "mia", "admin"])
def test_active_leavers_are_exactly_the_visible_users(personas, who):
    UserFactory(username="olga", team=TeamFactory(name="华南大区"))
    actor = getattr(personas, who)
    leavers = set(handover_from_users(actor=actor).filter(is_active=True))
    assert leavers == set(visible_users(actor))
    assert set(handover_to_users(actor=actor)) == set(visible_users(actor))


def test_deactivated_users_in_scope_can_be_handed_over_from(personas):
    gone = UserFactory(username="gone", team=personas.team_b, is_active=False)
    gone_elsewhere = UserFactory(
        username="gone2", team=TeamFactory(name="华南大区"), is_active=False
    )
    assert gone in handover_from_users(actor=personas.mia)
    assert gone_elsewhere not in handover_from_users(actor=personas.mia)
    assert {gone, gone_elsewhere} <= set(handover_from_users(actor=personas.admin))
    assert gone not in handover_to_users(actor=personas.admin)


def test_a_rep_reaches_no_deactivated_teammate(personas):
    gone = UserFactory(username="gone", team=personas.team_a, is_active=False)
    assert list(handover_from_users(actor=personas.alice)) == [personas.alice]
    assert gone not in handover_from_users(actor=personas.alice)


def test_the_log_shows_managers_only_hand_overs_in_their_teams(personas):
    mine = HandOverFactory(from_user=personas.alice, to_user=personas.bob)
    other_department = TeamFactory(name="华南大区")
    theirs = HandOverFactory(
        from_user=UserFactory(team=other_department), to_user=UserFactory(team=other_department)
    )
    assert list(handover_list(actor=personas.mia)) == [mine]
    assert set(handover_list(actor=personas.admin)) == {mine, theirs}
