import pytest

from salestrack.accounts.models import User
from salestrack.bots.selectors import bot_manageable_teams, bots_for_event
from salestrack.bots.tests.factories import BotFactory
from salestrack.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_bots_for_event_returns_the_enabled_subscribed_bots_of_the_teams(personas):
    a_won = BotFactory(team=personas.team_a, events=["deal.won", "deal.stage_changed"])
    BotFactory(team=personas.team_a, events=["deal.stage_changed"])  # another event
    BotFactory(team=personas.team_a, events=["deal.won"], enabled=False)  # switched off
    b_won = BotFactory(team=personas.team_b, events=["deal.won"])
    BotFactory(team=personas.department, events=["deal.won"])  # a team not asked for

    found = bots_for_event(team_ids=[personas.team_a.pk, personas.team_b.pk], event="deal.won")

    assert sorted(b.pk for b in found) == sorted([a_won.pk, b_won.pk])
    assert list(bots_for_event(team_ids=iter([personas.team_b.pk]), event="deal.lost")) == []
    assert list(bots_for_event(team_ids=[], event="deal.won")) == []


def test_bots_for_event_does_not_match_part_of_a_key(personas):
    BotFactory(team=personas.team_a, events=["deal.won_big"])

    assert not bots_for_event(team_ids=[personas.team_a.pk], event="deal.won").exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", {"department", "team_a", "team_b"}),
        ("director", {"department", "team_a", "team_b"}),
        ("manager", {"team_a"}),  # placed in team A: their subtree is team A
        ("rep", set()),
        ("finance", set()),  # reads all deals but sells none
        ("marketing", set()),
        ("auditor", set()),
    ],
)
def test_who_manages_which_teams_bots(personas, role, expected):
    user = UserFactory(team=personas.team_a, role=role)
    names = {
        personas.department.pk: "department",
        personas.team_a.pk: "team_a",
        personas.team_b.pk: "team_b",
    }

    teams = {names[t.pk] for t in bot_manageable_teams(user)}

    assert teams == expected


def test_a_department_manager_manages_the_teams_below(personas):
    assert set(bot_manageable_teams(personas.mia)) == {
        personas.department,
        personas.team_a,
        personas.team_b,
    }
    assert not bot_manageable_teams(UserFactory(team=None, role=User.Role.MANAGER)).exists()
