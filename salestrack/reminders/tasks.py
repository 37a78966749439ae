"""The periodic reminder jobs. Each holds a lock named after it, so two consumers (or a manual
run) never run it at the same time; each service also de-duplicates what it sends, so a run
that repeats (a retry after a crash, a second consumer after the lock expired) sends nothing
twice."""

from functools import wraps

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task
from huey.exceptions import TaskLockedException

from salestrack.core.jobs import RETRIES, daily_at, logger, nightly_task
from salestrack.reminders.services import (
    daily_update_send,
    followup_reminders_send,
    red_goals_notify,
    stalled_deals_notify,
)

# A wrong value stops the consumer at start with a clear message (as the nightly times do).
daily_at(settings.SALESTRACK_FOLLOWUP_REMINDER_AT, setting="SALESTRACK_FOLLOWUP_REMINDER_AT")


def periodic_locked(*, minutes: int, retry_delay: int = 60):
    """Every `minutes` minutes as a Huey periodic task, under a lock (see core.jobs)."""

    def decorator(fn):
        lock = HUEY.lock_task(fn.__name__)

        @wraps(fn)
        def run():
            try:
                with lock:
                    return fn()
            except TaskLockedException:
                logger.info("%s: already running elsewhere, skipped", fn.__name__)
                return None

        task = db_periodic_task(
            crontab(minute=f"*/{minutes}"), retries=RETRIES, retry_delay=retry_delay
        )(run)
        task.lock = lock
        return task

    return decorator


@periodic_locked(minutes=15)
def followup_reminders_send_task() -> int:
    sent = followup_reminders_send()
    if sent:
        logger.info("follow-up reminders: %d sent", sent)
    return sent


@periodic_locked(minutes=15)
def stalled_deals_notify_task() -> int:
    sent = stalled_deals_notify()
    if sent:
        logger.info("stalled deals: %d notifications", sent)
    return sent


@periodic_locked(minutes=5)
def daily_update_send_task() -> int:
    sent = daily_update_send()
    if sent:
        logger.info("daily update reminder: %d reps", sent)
    return sent


@nightly_task(at=settings.SALESTRACK_GOAL_RED_AT, setting="SALESTRACK_GOAL_RED_AT")
def red_goals_notify_task() -> int:
    return red_goals_notify()
