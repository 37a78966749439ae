"""share_delete_expired_task: the nightly share cleanup at 03:10; and one job run for real, on
Redis through a Huey consumer, when REDIS_URL is set (CI starts Redis)."""

import datetime
import signal
import threading
import uuid

import pytest
from django.conf import settings
from django.utils import timezone
from huey import RedisHuey
from huey import signals as S
from huey.contrib.djhuey import HUEY

from salestrack.access.models import Share
from salestrack.access.services import share_grant
from salestrack.access.tasks import share_delete_expired_task
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory

DAY = datetime.timedelta(days=1)


@pytest.fixture
def shares(personas, settings):
    """Charlie's share ended 31 days ago, Bob's 2 days ago (both of Alice's deal)."""
    settings.SALESTRACK_SHARE_KEEP_DAYS = 30
    customer = CustomerFactory(owner=personas.alice, name="华信科技有限公司")
    deal = DealFactory(owner=personas.alice, customer=customer, title="华信 ERP 升级")
    made = {}
    for user, days_ago in ((personas.charlie, 31), (personas.bob, 2)):
        share = share_grant(
            obj=deal, user=user, can_edit=False, expires_at=None, actor=personas.alice
        )
        Share.objects.filter(pk=share.pk).update(expires_at=timezone.now() - days_ago * DAY)
        made[user.username] = share
    return made


@pytest.mark.django_db
def test_it_removes_shares_that_ended_before_the_retention(shares):
    share_delete_expired_task()  # enqueued and, in tests, run at once

    assert not Share.objects.filter(pk=shares["charlie"].pk).exists()
    assert Share.objects.filter(pk=shares["bob"].pk).exists()
    assert share_delete_expired_task.call_local() == 0  # a repeat finds nothing left


def test_it_is_scheduled_nightly_at_ten_past_three_with_retries():
    def due(hour, minute):
        return {t.name for t in HUEY.read_periodic(datetime.datetime(2026, 11, 23, hour, minute))}

    assert "share_delete_expired_task" in due(3, 10)
    assert "share_delete_expired_task" not in due(3, 0) | due(15, 10)
    assert (share_delete_expired_task.retries, share_delete_expired_task.retry_delay) == (3, 60)


@pytest.fixture
def huey_on_redis(monkeypatch):
    """The project's HUEY as settings make it for REDIS_URL, on a queue of its own, not inline."""
    if not settings.HUEY.get("url"):
        pytest.skip("REDIS_URL is not set: no Redis server to queue on (CI starts one)")
    assert isinstance(HUEY, RedisHuey)
    monkeypatch.setattr(HUEY, "name", f"salestrack-test-{uuid.uuid4().hex}")
    HUEY.immediate = False  # a fresh RedisStorage from settings.HUEY, under the name above
    try:
        yield HUEY
    finally:
        HUEY.storage.flush_all()
        HUEY.immediate = True


@pytest.fixture
def consumer(huey_on_redis):
    """A real consumer: one worker thread and the scheduler, started and stopped here."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = huey_on_redis.create_consumer(
        workers=1, worker_type="thread", periodic=False, initial_delay=0.05, max_delay=0.2
    )
    consumer.start()  # sets the consumer's own signal handlers; put back below
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        for sig, handler in saved.items():
            signal.signal(sig, handler)


# Committed rows, so the worker thread's own connection sees them (serialized_rollback: as the
# other transactional tests, see backups/tests/test_roundtrip.py).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_runs_the_job_on_redis_with_a_real_consumer(shares, huey_on_redis, consumer):
    done = threading.Event()
    outcome = []

    def on_finish(signal_name, task, exc=None):
        outcome.append((signal_name, task.name, exc))
        done.set()

    huey_on_redis.signal(S.SIGNAL_COMPLETE, S.SIGNAL_ERROR)(on_finish)
    try:
        share_delete_expired_task()
        assert done.wait(timeout=30), "the consumer never finished the task"
    finally:
        huey_on_redis.disconnect_signal(on_finish)

    assert outcome == [(S.SIGNAL_COMPLETE, "share_delete_expired_task", None)]
    assert not Share.objects.filter(pk=shares["charlie"].pk).exists()
    assert Share.objects.filter(pk=shares["bob"].pk).exists()
    assert len(huey_on_redis) == 0  # nothing left on the queue
