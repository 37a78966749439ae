"""Nightly trash purge: records trashed longer than SALESTRACK_TRASH_DAYS go for good."""

from django.conf import settings

from salestrack.core.jobs import logger, nightly_task
from salestrack.trash.services import trash_purge


@nightly_task(
    at=settings.SALESTRACK_TRASH_PURGE_AT, setting="SALESTRACK_TRASH_PURGE_AT", retry_delay=60
)
def trash_purge_task() -> dict[str, int]:
    purged = trash_purge()  # the configured retention; a repeat finds nothing left to purge
    logger.info(
        "trash purge (older than %d days): %s",
        settings.SALESTRACK_TRASH_DAYS,
        ", ".join(f"{kind}: {n}" for kind, n in purged.items()),
    )
    return purged
