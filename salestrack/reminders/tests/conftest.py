from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from salestrack.notifications.models import Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    """A local (Asia/Shanghai) time: at(2026, 3, 10, 9, 0)."""
    return datetime(*args, tzinfo=SHANGHAI)


def sent(event: str | None = None) -> list[tuple[str, str]]:
    """(recipient username, event) of every notification written, in order."""
    qs = Notification.objects.order_by("id")
    if event:
        qs = qs.filter(event=event)
    return list(qs.values_list("recipient__username", "event"))


def recipients(event: str) -> set[str]:
    return {username for username, _event in sent(event)}


@pytest.fixture
def team_a_deal(personas):
    """Alice's deal in team A with Bob as collaborator (Mia manages the department above)."""
    from salestrack.deals.tests.factories import DealFactory

    deal = DealFactory(
        title="华信 ERP 二期", customer__owner=personas.alice, customer__name="华信科技"
    )
    deal.collaborators.set([personas.bob])
    return deal
