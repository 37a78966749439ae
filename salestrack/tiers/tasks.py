"""Daily tier refresh: recompute rule-based tiers, then make proposals (as `tiers_refresh`)."""

from django.conf import settings

from salestrack.core.jobs import logger, nightly_task
from salestrack.tiers.services import tier_proposals_generate, tier_recompute


@nightly_task(at=settings.SALESTRACK_TIERS_REFRESH_AT, setting="SALESTRACK_TIERS_REFRESH_AT")
def tier_refresh_task() -> dict[str, int]:
    result = {"changed": tier_recompute(), "proposed": tier_proposals_generate()}
    logger.info("tier refresh: %(changed)d tiers changed, %(proposed)d proposals", result)
    return result
