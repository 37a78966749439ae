"""Large imports commit in the background (the batch id in, one service call)."""

from huey.contrib.djhuey import db_task

from salestrack.imports.services import import_run


@db_task()
def import_commit_task(batch_id: int) -> None:
    # No retries: a failed commit rolled back completely and says why on the batch.
    import_run(batch_id=batch_id)
