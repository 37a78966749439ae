"""Nightly backup: a snapshot, then pruning to 7 daily, 4 weekly and 12 monthly copies."""

from django.conf import settings

from salestrack.backups.services import backup_create, backup_prune
from salestrack.core.jobs import logger, nightly_task


@nightly_task(at=settings.SALESTRACK_BACKUP_AT, setting="SALESTRACK_BACKUP_AT")
def backup_create_task() -> dict:
    """Safe to repeat: a second copy the same day is pruned, as pruning keeps a day's newest."""
    path = backup_create()
    pruned = backup_prune(dest=path.parent)
    logger.info(
        "backup %s (%d bytes); pruned %d old: %s",
        path,
        path.stat().st_size,
        len(pruned),
        ", ".join(p.name for p in pruned) or "-",
    )
    return {"path": str(path), "pruned": [str(p) for p in pruned]}
