"""Daily pool sweep: customers without a follow-up for too long go to the pool (`pool_sweep`)."""

from django.conf import settings

from salestrack.core.jobs import logger, nightly_task
from salestrack.pool.services import pool_sweep


@nightly_task(at=settings.SALESTRACK_POOL_SWEEP_AT, setting="SALESTRACK_POOL_SWEEP_AT")
def pool_sweep_task() -> int:
    moved = pool_sweep()
    logger.info("pool sweep: %d customers moved to the public pool", moved)
    return moved
