"""Nightly share cleanup: shares that ended more than SALESTRACK_SHARE_KEEP_DAYS days ago."""

from django.conf import settings

from salestrack.access.services import share_delete_expired
from salestrack.core.jobs import logger, nightly_task


@nightly_task(
    at=settings.SALESTRACK_SHARE_CLEANUP_AT, setting="SALESTRACK_SHARE_CLEANUP_AT", retry_delay=60
)
def share_delete_expired_task() -> int:
    days = settings.SALESTRACK_SHARE_KEEP_DAYS
    removed = share_delete_expired(older_than_days=days)  # a repeat finds nothing left
    logger.info(
        "share cleanup: removed %d share(s) that ended more than %d days ago", removed, days
    )
    return removed
