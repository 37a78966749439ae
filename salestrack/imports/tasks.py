"""Large imports commit in the background (the batch id in, one service call)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from salestrack.imports.models import ImportBatch
from salestrack.imports.services import import_preview, import_run, import_stalled_fail


@db_task()
def import_commit_task(batch_id: int) -> None:
    # No retries: a failed commit rolled back completely and says why on the batch.
    import_run(batch_id=batch_id)


@db_task()
def import_preview_task(batch_id: int) -> None:
    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.PREVIEW).first()
    if batch is not None:
        import_preview(batch=batch)


@db_periodic_task(crontab(minute="*/10"))
def import_stalled_task() -> int:
    """Every ten minutes: imports whose worker died are marked failed (nothing was written)."""
    return import_stalled_fail()
