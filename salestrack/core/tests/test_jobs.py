"""core.jobs.daily_at: the times the nightly jobs accept from the environment."""

from datetime import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from salestrack.core.jobs import daily_at


def test_it_matches_the_given_minute_every_day():
    at = daily_at("02:30")
    assert at(datetime(2026, 11, 23, 2, 30))
    assert at(datetime(2026, 11, 24, 2, 30))
    assert not at(datetime(2026, 11, 23, 2, 31))
    assert not at(datetime(2026, 11, 23, 14, 30))


def test_it_accepts_a_single_digit_hour_and_never_runs_when_off():
    assert daily_at("3:05")(datetime(2026, 11, 23, 3, 5))
    assert not any(
        daily_at("off")(datetime(2026, 11, 23, h, m)) for h in range(24) for m in (0, 30)
    )


@pytest.mark.parametrize("value", ["24:00", "2:3", "0230", "noon", ""])
def test_it_refuses_what_is_not_a_time_of_day(value):
    with pytest.raises(ImproperlyConfigured, match="SALESTRACK_BACKUP_AT"):
        daily_at(value, setting="SALESTRACK_BACKUP_AT")
