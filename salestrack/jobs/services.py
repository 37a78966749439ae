from django.db import transaction
from django.utils import timezone

from salestrack.accounts.models import User
from salestrack.jobs.models import JobFailure


def job_failure_record(
    *, task_name: str, task_id: str, arguments: str, error: str, traceback: str
) -> JobFailure:
    with transaction.atomic():
        return JobFailure.objects.create(
            task_name=task_name,
            task_id=task_id,
            arguments=arguments,
            error=error[:10000],
            traceback=traceback[-20000:],
        )


def job_failures_resolve(*, actor: User, ids: list[int] | None = None) -> int:
    """Mark failures as seen (all open ones when ids is None). Returns how many changed."""
    failures = JobFailure.objects.filter(resolved_at__isnull=True)
    if ids is not None:
        failures = failures.filter(pk__in=ids)
    return failures.update(resolved_at=timezone.now(), resolved_by=actor)
