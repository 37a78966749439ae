import datetime

import pytest
from django.utils import timezone

NOW = timezone.make_aware(datetime.datetime(2026, 3, 10, 10, 0))


@pytest.fixture
def now():
    return NOW


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)
