from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def small_samples(settings):
    """Hand-built histories are small: 3 closed deals make a stage's own statistics."""
    settings.SALESTRACK_FORECAST_MIN_SAMPLE = 3
    settings.SALESTRACK_FORECAST_BACKTEST_QUARTERS = 2
    settings.SALESTRACK_FORECAST_BACKTEST_MONTHS = 2
