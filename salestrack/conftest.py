"""Shared fixtures: the personas every view test uses (healthchecks' Alice/Bob/Charlie)."""

from dataclasses import dataclass

import pytest

from salestrack.accounts.models import Team, User
from salestrack.core.tests.factories import TeamFactory, UserFactory
from salestrack.pipeline.models import Pipeline

PASSWORD = "pw-for-tests-1"


@dataclass
class Personas:
    department: Team
    team_a: Team
    team_b: Team
    alice: User  # rep, owner of most records, team A
    bob: User  # rep, same team as Alice
    charlie: User  # rep, team B (an outsider to Alice's records)
    mia: User  # manager of the department (sees both teams)
    admin: User


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Personas log in a lot; the production hasher would make each test take a second."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def axes_off(settings):
    """Login lock-out stays out of tests that call authenticate() without a request.

    force_login never goes through authenticate(); tests of the lock-out use the `axes` fixture.
    """
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def huey_immediate():
    """Background jobs run inline on in-memory storage (never the queue file or Redis); a test
    that wants the real backend sets HUEY.immediate = False itself (see access/tests/test_tasks)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = True


@pytest.fixture
def axes(settings):
    """django-axes switched on, as in production."""
    settings.AXES_ENABLED = True


@pytest.fixture
def personas(db) -> Personas:
    department = TeamFactory(name="华东大区")
    team_a = TeamFactory(name="上海一组", parent=department)
    team_b = TeamFactory(name="杭州二组", parent=department)
    return Personas(
        department=department,
        team_a=team_a,
        team_b=team_b,
        alice=UserFactory(username="alice", display_name="艾丽丝", team=team_a),
        bob=UserFactory(username="bob", display_name="鲍勃", team=team_a),
        charlie=UserFactory(username="charlie", display_name="查理", team=team_b),
        mia=UserFactory(
            username="mia", display_name="米娅", team=department, role=User.Role.MANAGER
        ),
        admin=UserFactory(
            username="admin",
            display_name="管理员",
            team=None,
            role=User.Role.ADMIN,
            is_staff=True,
            is_superuser=True,
        ),
    )


@pytest.fixture
def pipeline(db) -> Pipeline:
    """The default pipeline the data migration creates (线索 … 回款, 赢单, 输单)."""
    return Pipeline.objects.get(is_default=True)


@pytest.fixture
def stages(pipeline) -> dict:
    """Stages of the default pipeline by English name: stages['Lead'], stages['Won'] ..."""
    return {s.name_en: s for s in pipeline.stages.all()}
