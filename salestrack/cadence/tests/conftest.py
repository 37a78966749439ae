from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from salestrack.cadence.models import FollowUpRule

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def no_seeded_rules(db):
    """Tests build their own rules; the data migration's examples are tested on their own."""
    FollowUpRule.objects.all().delete()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW
