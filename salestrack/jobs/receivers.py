"""Record every background job that fails for good (Huey's error signal on the last attempt)."""

import logging
import traceback as tb

from huey.contrib.djhuey import HUEY
from huey.signals import SIGNAL_ERROR

from salestrack.jobs.services import job_failure_record

logger = logging.getLogger("salestrack.jobs")


@HUEY.signal(SIGNAL_ERROR)
def on_task_error(signal, task, exc=None, *args, **kwargs) -> None:
    if task.retries:  # Huey will try again: not a failure yet
        return
    try:
        job_failure_record(
            task_name=task.name,
            task_id=str(task.id),
            arguments=repr((task.args, task.kwargs))[:2000],
            error=f"{type(exc).__name__}: {exc}" if exc is not None else "unknown error",
            traceback="".join(tb.format_exception(exc)) if exc is not None else "",
        )
    except Exception:  # the record must never take the worker down with it
        logger.exception("could not record the failure of job %s", task.id)
