"""Daily rebuild of the cycle medians (as the `cycle_medians_refresh` command)."""

from django.conf import settings

from salestrack.core.jobs import logger, nightly_task
from salestrack.risks.services import cycle_medians_refresh


@nightly_task(at=settings.SALESTRACK_CYCLE_MEDIANS_AT, setting="SALESTRACK_CYCLE_MEDIANS_AT")
def cycle_medians_refresh_task() -> int:
    rows = len(cycle_medians_refresh())
    logger.info("cycle medians: %d segment rows", rows)
    return rows
