"""The periodic reminder jobs. Each holds a lock named after it, so two consumers (or a manual
run) never run it at the same time; each service also de-duplicates what it sends, so a run
that repeats (a retry after a crash, a second consumer after the lock expired) sends nothing
twice."""

from django.conf import settings
from huey import crontab

from salestrack.core.jobs import daily_at, locked_periodic_task, logger, nightly_task
from salestrack.reminders.services import (
    daily_update_send,
    followup_reminders_send,
    red_goals_notify,
    stalled_deals_notify,
)

# A wrong value stops the consumer at start with a clear message (as the nightly times do).
daily_at(settings.SALESTRACK_FOLLOWUP_REMINDER_AT, setting="SALESTRACK_FOLLOWUP_REMINDER_AT")


def periodic_locked(*, minutes: int):
    """Every `minutes` minutes, locked and retried (core.jobs.locked_periodic_task)."""
    return locked_periodic_task(crontab(minute=f"*/{minutes}"), retry_delay=60)


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
