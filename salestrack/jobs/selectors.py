from django.db.models import QuerySet

from salestrack.jobs.models import JobFailure


def job_failures(*, include_resolved: bool = False) -> QuerySet[JobFailure]:
    failures = JobFailure.objects.select_related("resolved_by")
    return failures if include_resolved else failures.filter(resolved_at__isnull=True)


def job_failures_open_count() -> int:
    return JobFailure.objects.filter(resolved_at__isnull=True).count()
