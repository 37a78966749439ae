"""The notification worker: deliver_pending every minute, and at once after a commit that
queued a send (services.notify). Two runs at the same time are safe: each delivery is claimed
with a compare-and-set (delivery.delivery_claim_next), so they share the work."""

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from salestrack.core.jobs import logger, nightly_task
from salestrack.notifications.delivery import deliver_pending
from salestrack.notifications.services import notification_prune


@db_periodic_task(crontab())  # every minute: retries that fell due, ends of quiet hours
def deliver_pending_task() -> dict[str, int]:
    done = deliver_pending()
    if done["sent"] or done["failed"]:
        logger.info("notifications: %(sent)d sent, %(failed)d failed attempt(s)", done)
    return done


@nightly_task(at=settings.SALESTRACK_NOTIFY_PRUNE_AT, setting="SALESTRACK_NOTIFY_PRUNE_AT")
def notification_prune_task() -> tuple[int, int]:
    days = settings.SALESTRACK_NOTIFY_KEEP_DAYS
    removed = notification_prune(keep_days=days)  # a repeat finds nothing left
    logger.info(
        "notifications: removed %d notification(s) and %d bot delivery(ies) older than %d days",
        *removed,
        days,
    )
    return removed
