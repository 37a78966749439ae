"""The base for background jobs (Huey, configured by settings.HUEY; consumer: manage.py run_huey).

Tasks live in each app's tasks.py (run_huey imports them all): they take ids, call one service
and keep retries to themselves. `nightly_task` adds what every maintenance job needs: a daily
time from the settings, retries, and a lock so that two consumers never run it at once.
"""

import logging
import re
from collections.abc import Callable
from datetime import datetime
from functools import wraps

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task
from huey.exceptions import TaskLockedException

logger = logging.getLogger("salestrack.jobs")

RETRIES = 3
BACKOFF = 2  # each retry waits twice as long as the one before
_CLOCK_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def daily_at(value: str, *, setting: str = "time") -> Callable[[datetime], bool]:
    """A crontab for "HH:MM" every day (local time, settings.TIME_ZONE), or never for "off"."""
    value = value.strip().lower()
    if value == "off":
        return lambda when: False
    match = _CLOCK_RE.match(value)
    if match is None:
        raise ImproperlyConfigured(f"{setting}={value!r} is not a time of day (HH:MM or off)")
    hour, minute = (int(part) for part in match.groups())
    return crontab(minute=str(minute), hour=str(hour))


def locked_periodic_task(
    validate: Callable[[datetime], bool], *, name: str = "", retry_delay: int = 300
):
    """Schedule the decorated function as a Huey periodic task run when `validate(now)` is true.

    Failures are retried RETRIES times with back-off: `retry_delay` seconds, then twice and four
    times as long; a job that still fails is recorded for admins (salestrack.jobs). The run holds
    a lock named `name` (default: the function's): a second run that starts meanwhile (another
    consumer's scheduler, a manual call) logs that and does nothing, so the job must be safe to
    repeat. The task gets `.lock` (a huey TaskLock; `run_huey --flush-locks` clears it after a
    crash).
    """

    def decorator(fn):
        task_name = name or fn.__name__
        lock = HUEY.lock_task(task_name)

        @wraps(fn)
        def run():
            try:
                with lock:
                    return fn()
            except TaskLockedException:
                logger.info("%s: already running elsewhere, skipped", task_name)
                return None

        run.__name__ = task_name
        task = db_periodic_task(
            validate, retries=RETRIES, retry_delay=retry_delay, retry_backoff=BACKOFF
        )(run)
        task.lock = lock
        return task

    return decorator


def nightly_task(*, at: str, setting: str, retry_delay: int = 300):
    """Daily at `at` (see daily_at) as a locked_periodic_task."""
    return locked_periodic_task(daily_at(at, setting=setting), retry_delay=retry_delay)


@HUEY.on_shutdown()
def close_db_connections() -> None:
    """A stopping worker thread closes its own database connections (PostgreSQL keeps a session
    per connection until then)."""
    connections.close_all()
