"""Periods and working days: pure date maths, no database.

Weeks are ISO weeks (Monday to Sunday). A week belongs to the month, quarter or year in which
its Monday falls, so a quarter has 13 weeks (14 in rare years) and every week is counted once.
Working days are Monday to Friday, minus holidays, plus make-up working days (调休): the
exceptions come from goals.WorkCalendarDay through goals.selectors.calendar_overrides.
"""

from collections.abc import Mapping
from datetime import date, timedelta

from django.utils.translation import gettext as _

YEAR, QUARTER, MONTH, WEEK = "year", "quarter", "month", "week"


def _month_end(day: date) -> date:
    first_next = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def period_bounds(kind: str, day: date) -> tuple[date, date]:
    """First and last day of the period of `kind` that contains `day`."""
    if kind == YEAR:
        return date(day.year, 1, 1), date(day.year, 12, 31)
    if kind == QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
        return start, _month_end(date(day.year, first_month + 2, 1))
    if kind == MONTH:
        return day.replace(day=1), _month_end(day)
    if kind == WEEK:
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    raise ValueError(kind)


def period_label(kind: str, start: date, end: date) -> str:
    if kind == YEAR:
        return str(start.year)
    if kind == QUARTER:
        return _("%(year)s Q%(quarter)s") % {"year": start.year, "quarter": (start.month + 2) // 3}
    if kind == MONTH:
        return f"{start:%Y-%m}"
    if kind == WEEK:
        year, week, _weekday = start.isocalendar()
        return _("%(year)s week %(week)s") % {"year": year, "week": week}
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def weeks_in(start: date, end: date) -> list[tuple[date, date]]:
    """ISO weeks (Monday, Sunday) whose Monday falls within start..end."""
    monday = start + timedelta(days=(7 - start.weekday()) % 7)
    weeks = []
    while monday <= end:
        weeks.append((monday, monday + timedelta(days=6)))
        monday += timedelta(days=7)
    return weeks


def months_in(start: date, end: date) -> list[tuple[date, date]]:
    """Calendar months whose first day falls within start..end."""
    first = start if start.day == 1 else _month_end(start) + timedelta(days=1)
    months = []
    while first <= end:
        months.append((first, _month_end(first)))
        first = _month_end(first) + timedelta(days=1)
    return months


def is_working_day(day: date, overrides: Mapping[date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def working_days(start: date, end: date, overrides: Mapping[date, bool]) -> int:
    """Working days in start..end, both included (0 when end < start)."""
    if end < start:
        return 0
    total_days = (end - start).days + 1
    full_weeks, rest = divmod(total_days, 7)
    count = full_weeks * 5
    for offset in range(rest):
        if (start + timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
            count += 1
    for day, is_workday in overrides.items():
        if start <= day <= end and is_workday != (day.weekday() < 5):
            count += 1 if is_workday else -1
    return count
