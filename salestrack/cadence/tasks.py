"""Daily touch rules (as the `cadence_touch` command)."""

from django.conf import settings

from salestrack.cadence.services import touch_rules_run
from salestrack.core.jobs import logger, nightly_task


@nightly_task(at=settings.SALESTRACK_CADENCE_TOUCH_AT, setting="SALESTRACK_CADENCE_TOUCH_AT")
def touch_rules_run_task() -> int:
    planned = touch_rules_run()
    logger.info("touch rules: %d follow-ups planned", planned)
    return planned
