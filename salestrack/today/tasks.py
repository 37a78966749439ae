"""Morning job: every active rep's daily follow-up list (as `daily_lists_generate`)."""

from django.conf import settings

from salestrack.core.jobs import logger, nightly_task
from salestrack.today.services import daily_lists_generate


@nightly_task(at=settings.SALESTRACK_TODAY_AT, setting="SALESTRACK_TODAY_AT")
def daily_lists_generate_task() -> int:
    created = daily_lists_generate()
    logger.info("daily lists: %d generated", created)
    return created
