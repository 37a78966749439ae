"""The daily jobs run the same services as the commands (Huey immediate in tests)."""

import pytest

from salestrack.pool.tasks import pool_sweep_task
from salestrack.tiers.tasks import tier_refresh_task

pytestmark = pytest.mark.django_db


def test_the_daily_jobs_run_their_services(personas):
    assert tier_refresh_task.call_local() == {"changed": 0, "proposed": 0}
    assert pool_sweep_task.call_local() == 0
