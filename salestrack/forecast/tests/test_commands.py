"""manage.py forecast_backtest and the nightly statistics job."""

from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from salestrack.forecast.models import StatSnapshot
from salestrack.forecast.selectors import forecast_snapshot_dates
from salestrack.forecast.tasks import forecast_stats_refresh_task
from salestrack.forecast.tests.conftest import at
from salestrack.forecast.tests.factories import deal_with_history

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(at(2025, 5, 14), tick=False):
        yield


def test_it_prints_the_backtest_table(stages, pipeline):
    for _ in range(4):
        deal_with_history(
            path=[(stages["Lead"], at(2024, 11, 1)), (stages["Won"], at(2025, 1, 20))], amount=1000
        )
    out = StringIO()
    call_command("forecast_backtest", "--pipeline", str(pipeline.pk), stdout=out)
    text = out.getvalue()
    assert "Quarters" in text and "Months" in text
    assert "2025 Q1" in text and "2025-04" in text
    assert "4,000" in text  # won in 2025 Q1 by the deals open on 1 January
    assert "Too little history" in text


def test_it_refuses_an_unknown_pipeline(db):
    with pytest.raises(CommandError):
        call_command("forecast_backtest", "--pipeline", "999999", stdout=StringIO())


def test_the_nightly_job_builds_every_snapshot_and_drops_old_ones(db):
    from datetime import date

    from salestrack.forecast.services import forecast_stats_compute

    forecast_stats_compute(as_of=date(2020, 1, 1))
    assert forecast_stats_refresh_task.call_local() == len(
        forecast_snapshot_dates(date(2025, 5, 14))
    )
    assert not StatSnapshot.objects.filter(as_of=date(2020, 1, 1)).exists()


def test_it_runs_as_of_a_past_day(stages, pipeline):
    for _ in range(4):
        deal_with_history(
            path=[(stages["Lead"], at(2024, 5, 1)), (stages["Won"], at(2024, 8, 20))], amount=1000
        )
    out = StringIO()
    call_command("forecast_backtest", "--as-of", "2024-10-01", stdout=out)
    text = out.getvalue()
    # the quarters before 1 October 2024, not before today (14 May 2025)
    assert "2024 Q3" in text and "2025 Q1" not in text and "2024-09" in text
    assert "4,000" in text  # won in 2024 Q3


@pytest.mark.parametrize("value", ["2024-13-01", "yesterday", "2025-06-01"])
def test_it_refuses_a_bad_or_future_as_of_date(db, value):
    with pytest.raises(CommandError, match="--as-of"):
        call_command("forecast_backtest", "--as-of", value, stdout=StringIO())
