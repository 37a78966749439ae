"""A worker killed mid-delivery: nothing is lost, and nothing is counted twice by a receiver
that de-duplicates on Message-ID.

Real processes: `manage.py run_huey` (one worker thread) on the test database (PostgreSQL: the
test database itself, the rows committed by this transactional test; SQLite: a file copy of the
in-memory test database), killed with SIGKILL and started again; a real SMTP server (aiosmtpd)
that is slow on one message, so that the kill lands while that message is in flight. The queue
is the one the settings choose: the SQLite Huey queue in a temporary DATA_DIR, or, when
REDIS_URL is set (CI), Redis under a queue name of this run's own (huey_worker.py), so that
parallel runs sharing the server never take each other's tasks; its keys are removed after.

What is guaranteed (delivery.py): at-least-once sending with an idempotency key, hence
exactly-once for receivers that drop a repeated key. The kill here lands after the SMTP
server took the message and before the worker recorded it as sent, the one place where a
repeat can happen: that message comes again (same Message-ID) once its lease ends, so the raw
count is N + 1 and the de-duplicated count N. A kill between transactions (before a send or
after its "sent" committed) neither loses nor repeats a message.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from huey import RedisHuey, SqliteHuey

from salestrack.core.tests.factories import UserFactory
from salestrack.notifications import services
from salestrack.notifications.messages import TEST_EVENT
from salestrack.notifications.models import Delivery
from salestrack.notifications.tasks import deliver_pending_task
from salestrack.notifications.tests.smtp import SMTPServer

ROOT = Path(__file__).parents[3]
N = 30
IN_FLIGHT = 10  # the arrival during which the worker is killed
LEASE = 2  # seconds: SALESTRACK_NOTIFY_LEASE_SECONDS of the workers


class Outbox:
    """The test database as the worker processes see it, and their Huey queue."""

    def __init__(self, tmp_path: Path):
        self.data = tmp_path / "data"
        self.data.mkdir()
        db = connection.settings_dict
        if connection.vendor == "sqlite":
            self.file = self.data / "db.sqlite3"
            with sqlite3.connect(self.file) as copy:
                connection.ensure_connection()
                connection.connection.backup(copy)  # schema, data migrations and the seed
            self.url = f"sqlite:///{self.file}"
        else:
            self.file = None
            self.url = (
                f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            )
        self.redis_url = settings.HUEY.get("url", "")
        if self.redis_url:
            self.name = f"salestrack-test-{uuid.uuid4().hex}"
            self.queue = RedisHuey(self.name, url=self.redis_url)
        else:
            self.name = settings.HUEY["name"]
            self.queue = SqliteHuey(self.name, filename=str(self.data / "huey.sqlite3"))
        self.queue._registry.register(type(deliver_pending_task.s()))

    def close(self) -> None:
        """Remove this run's queue (on Redis: its keys; the SQLite file goes with tmp_path)."""
        if self.redis_url:
            self.queue.storage.flush_all()
            self.queue.storage.conn.connection_pool.disconnect()

    def statuses(self) -> dict[str, int]:
        if self.file is None:
            return {
                s: Delivery.objects.filter(status=s).count()
                for s in Delivery.objects.values_list("status", flat=True).distinct()
            }
        with sqlite3.connect(self.file) as conn:
            return dict(
                conn.execute("select status, count(*) from notifications_delivery group by status")
            )

    def rows(self) -> list[tuple[str, int]]:
        """(Message-ID, attempts) of every delivery."""
        if self.file is None:
            return [
                (f"<{key}@salestrack>", attempts)
                for key, attempts in Delivery.objects.values_list("idempotency_key", "attempts")
            ]
        with sqlite3.connect(self.file) as conn:
            rows = conn.execute("select idempotency_key, attempts from notifications_delivery")
            return [(f"<{uuid.UUID(key)}@salestrack>", attempts) for key, attempts in rows]

    def tick(self) -> None:
        """Enqueue deliver_pending_task as the scheduler's minute (or a commit) would."""
        self.queue.enqueue(deliver_pending_task.s())

    def env(self, smtp_port: int) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "DATABASE"))}
        env.update(
            SALESTRACK_DATA_DIR=str(self.data),
            DATABASE_URL=self.url,
            SALESTRACK_HUEY_IMMEDIATE="false",
            SALESTRACK_EMAIL_HOST="127.0.0.1",
            SALESTRACK_EMAIL_PORT=str(smtp_port),
            SALESTRACK_EMAIL_TIMEOUT="10",
            SALESTRACK_NOTIFY_LEASE_SECONDS=str(LEASE),
        )
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        return env

    def worker_command(self) -> list[str]:
        if self.redis_url:  # run_huey on this run's queue name
            return ["-m", "salestrack.notifications.tests.huey_worker", self.name]
        return ["manage.py", "run_huey"]


def start_worker(outbox: Outbox, env: dict) -> subprocess.Popen:
    command = [*outbox.worker_command(), "--workers", "1", "--no-periodic"]
    return subprocess.Popen(
        [sys.executable, *command, "--delay", "0.05", "--max-delay", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_worker_loses_nothing_and_repeats_at_most_the_message_in_flight(
    tmp_path, monkeypatch, request
):
    users = [
        UserFactory(username=f"rep{i:02d}", email=f"rep{i:02d}@example.com", language="en")
        for i in range(N)
    ]
    monkeypatch.setattr(services, "_kick_worker", lambda: None)  # the workers' queue: below
    assert services.notify(event=TEST_EVENT, recipients=users, params={"when": "-"}) == N
    outbox = Outbox(tmp_path)
    request.addfinalizer(outbox.close)
    assert outbox.statuses() == {"pending": N}

    # 50 ms per message; the IN_FLIGHT-th takes 5 s, and the worker is killed meanwhile.
    with SMTPServer(delay=0.05, slow_at=IN_FLIGHT, slow_delay=5.0) as smtp:
        receiver = smtp.receiver
        env = outbox.env(smtp.port)
        outbox.tick()
        assert len(outbox.queue) == 1  # on the queue the settings choose (Redis with REDIS_URL)
        worker = start_worker(outbox, env)
        try:
            wait_for(lambda: len(receiver.raw) >= IN_FLIGHT, 120, "the message in flight")
            worker.send_signal(signal.SIGKILL)
            assert worker.wait(timeout=10) == -signal.SIGKILL
        finally:
            worker.kill()

        # It reached the server but was never recorded as sent: leased by the dead worker.
        assert outbox.statuses() == {
            "sent": IN_FLIGHT - 1,
            "sending": 1,
            "pending": N - IN_FLIGHT,
        }
        assert len(receiver.raw) == IN_FLIGHT

        # A new worker once the lease ended; the dead worker's queued task died with it.
        time.sleep(LEASE + 0.1)
        outbox.tick()
        worker = start_worker(outbox, env)
        try:
            wait_for(lambda: outbox.statuses() == {"sent": N}, 120, "every delivery sent")
        finally:
            worker.terminate()
            worker.wait(timeout=30)

    assert len(outbox.queue) == 0  # both runs were taken off the queue by the workers
    rows = outbox.rows()
    by_id = receiver.by_id
    # Every notification arrived, each key once for a receiver that de-duplicates ...
    assert set(by_id) == {message_id for message_id, _ in rows}
    assert {m["To"] for m in by_id.values()} == {u.email for u in users}
    # ... and the only raw repeat is the message that was in flight when the worker died,
    # sent twice (attempts 2), every other one once.
    raw_ids = [m["Message-ID"] for m in receiver.raw]
    assert len(raw_ids) == N + 1
    assert [i for i in set(raw_ids) if raw_ids.count(i) > 1] == [raw_ids[IN_FLIGHT - 1]]
    assert sorted(attempts for _, attempts in rows) == [1] * (N - 1) + [2]
    assert dict(rows)[raw_ids[IN_FLIGHT - 1]] == 2
