"""Scheduled reports (Huey): daily on working days at SALESTRACK_REPORT_DAILY_AT (today's),
weekly on Mondays at SALESTRACK_REPORT_WEEKLY_AT (last week's), monthly on the 1st at
SALESTRACK_REPORT_MONTHLY_AT (last month's). Like core.jobs.nightly_task: retried, locked so
two consumers never run one at once, and safe to run again (the notifications are deduplicated).
"""

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from salestrack.core.jobs import daily_at, locked_periodic_task, logger
from salestrack.goals.periods import is_working_day
from salestrack.goals.selectors import calendar_overrides
from salestrack.reports.periods import DAILY, MONTHLY, WEEKLY, last_complete
from salestrack.reports.services import reports_send


def _on(day_test: Callable[[datetime], bool], at: str, setting: str):
    clock = daily_at(at, setting=setting)
    return lambda when: day_test(when) and clock(when)


def _scheduled(validate: Callable[[datetime], bool]):
    def decorator(fn):
        task = locked_periodic_task(validate, name=f"{fn.__name__}_task")(fn)
        task.__doc__ = fn.__doc__
        return task

    return decorator


def report_daily_send() -> int:
    """Today's report, on working days (the goals' working-day calendar)."""
    today = timezone.localdate()
    if not is_working_day(today, calendar_overrides(start=today, end=today)):
        logger.info("daily reports: %s is not a working day", today)
        return 0
    sent = reports_send(kind=DAILY, period_start=today)
    logger.info("daily reports: %d sent", sent)
    return sent


def report_weekly_send() -> int:
    sent = reports_send(kind=WEEKLY, period_start=last_complete(WEEKLY, timezone.localdate()).start)
    logger.info("weekly reports: %d sent", sent)
    return sent


def report_monthly_send() -> int:
    start = last_complete(MONTHLY, timezone.localdate()).start
    sent = reports_send(kind=MONTHLY, period_start=start)
    logger.info("monthly reports: %d sent", sent)
    return sent


report_daily_send_task = _scheduled(
    daily_at(settings.SALESTRACK_REPORT_DAILY_AT, setting="SALESTRACK_REPORT_DAILY_AT")
)(report_daily_send)
report_weekly_send_task = _scheduled(
    _on(
        lambda when: when.isoweekday() == 1,
        settings.SALESTRACK_REPORT_WEEKLY_AT,
        "SALESTRACK_REPORT_WEEKLY_AT",
    )
)(report_weekly_send)
report_monthly_send_task = _scheduled(
    _on(
        lambda when: when.day == 1,
        settings.SALESTRACK_REPORT_MONTHLY_AT,
        "SALESTRACK_REPORT_MONTHLY_AT",
    )
)(report_monthly_send)
