"""trash_purge_task: the nightly purge at 03:00, run inline (tests run Huey immediate).

`task()` enqueues it as the scheduler does; `task.call_local()` runs it here and returns its value.
"""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.services import deal_delete
from salestrack.deals.tests.factories import DealFactory
from salestrack.trash.tasks import trash_purge_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def trashed(personas, settings):
    """Two deleted deals: one past the 30-day retention, one deleted yesterday."""
    settings.SALESTRACK_TRASH_DAYS = 30
    customer = CustomerFactory(owner=personas.alice, name="华信科技有限公司")
    old, recent = DealFactory(customer=customer), DealFactory(customer=customer)
    for deal, days in ((old, 31), (recent, 1)):
        deal_delete(deal=deal, actor=personas.alice)
        Deal.all_objects.filter(pk=deal.pk).update(deleted_at=timezone.now() - timedelta(days=days))
    return old, recent


def test_it_purges_what_is_older_than_the_retention(trashed):
    old, recent = trashed

    trash_purge_task()  # enqueued, and run at once (Huey keeps no result of a periodic task)

    assert not Deal.all_objects.filter(pk=old.pk).exists()
    assert Deal.all_objects.filter(pk=recent.pk).exists()
    assert trash_purge_task.call_local() == {"deal": 0, "contact": 0, "customer": 0}  # a repeat


def test_it_does_nothing_while_another_run_holds_the_lock(trashed, caplog):
    old, _recent = trashed

    with trash_purge_task.lock, caplog.at_level("INFO", logger="salestrack.jobs"):
        assert trash_purge_task.call_local() is None

    assert Deal.all_objects.filter(pk=old.pk).exists()
    assert "already running elsewhere" in caplog.text
    assert not trash_purge_task.lock.is_locked()


def test_it_is_scheduled_nightly_at_three_with_retries():
    def due(hour, minute):
        return {t.name for t in HUEY.read_periodic(datetime(2026, 11, 23, hour, minute))}

    assert "trash_purge_task" in due(3, 0)
    assert "trash_purge_task" not in due(3, 1) | due(15, 0)
    assert (trash_purge_task.retries, trash_purge_task.retry_delay) == (3, 60)
