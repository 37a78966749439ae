"""Periods, ISO weeks and working days (pure date maths)."""

from datetime import date

from salestrack.goals.periods import (
    months_in,
    period_bounds,
    period_label,
    weeks_in,
    working_days,
)

# Labour Day 2025: Thu 1 May to Mon 5 May off, Sunday 27 April worked instead (调休).
LABOUR_DAY = {
    date(2025, 4, 27): True,
    date(2025, 5, 1): False,
    date(2025, 5, 2): False,
    date(2025, 5, 5): False,
}


def test_it_finds_the_period_around_a_day():
    day = date(2025, 5, 14)
    assert period_bounds("year", day) == (date(2025, 1, 1), date(2025, 12, 31))
    assert period_bounds("quarter", day) == (date(2025, 4, 1), date(2025, 6, 30))
    assert period_bounds("quarter", date(2025, 12, 31)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert period_bounds("month", date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert period_bounds("week", day) == (date(2025, 5, 12), date(2025, 5, 18))
    assert period_bounds("week", date(2025, 5, 18)) == (date(2025, 5, 12), date(2025, 5, 18))


def test_it_counts_a_quarter_as_the_iso_weeks_whose_monday_falls_in_it():
    weeks = weeks_in(date(2025, 4, 1), date(2025, 6, 30))
    assert len(weeks) == 13
    # Monday 31 March belongs to Q1; the week of Monday 30 June runs into July but is Q2's.
    assert weeks[0] == (date(2025, 4, 7), date(2025, 4, 13))
    assert weeks[-1] == (date(2025, 6, 30), date(2025, 7, 6))
    assert len(weeks_in(date(2025, 1, 1), date(2025, 3, 31))) == 13
    assert len(weeks_in(date(2026, 1, 1), date(2026, 12, 31))) == 52


def test_it_lists_the_months_of_a_quarter():
    assert months_in(date(2025, 4, 1), date(2025, 6, 30)) == [
        (date(2025, 4, 1), date(2025, 4, 30)),
        (date(2025, 5, 1), date(2025, 5, 31)),
        (date(2025, 6, 1), date(2025, 6, 30)),
    ]


def test_it_counts_monday_to_friday_as_working_days():
    assert working_days(date(2025, 5, 12), date(2025, 5, 18), {}) == 5
    assert working_days(date(2025, 5, 17), date(2025, 5, 18), {}) == 0
    assert working_days(date(2025, 4, 1), date(2025, 6, 30), {}) == 65
    assert working_days(date(2025, 5, 2), date(2025, 5, 1), {}) == 0


def test_it_takes_holidays_off_and_make_up_days_on():
    # Week of 21 April: five weekdays plus the make-up Sunday.
    assert working_days(date(2025, 4, 21), date(2025, 4, 27), LABOUR_DAY) == 6
    # Week of 28 April: Thursday and Friday are Labour Day.
    assert working_days(date(2025, 4, 28), date(2025, 5, 4), LABOUR_DAY) == 3
    assert working_days(date(2025, 4, 1), date(2025, 6, 30), LABOUR_DAY) == 63
    # An override that says what the weekday says anyway changes nothing.
    assert working_days(date(2025, 5, 12), date(2025, 5, 18), {date(2025, 5, 13): True}) == 5


def test_it_labels_periods():
    assert period_label("year", date(2025, 1, 1), date(2025, 12, 31)) == "2025"
    assert "2" in period_label("quarter", date(2025, 4, 1), date(2025, 6, 30))
    assert period_label("month", date(2025, 4, 1), date(2025, 4, 30)) == "2025-04"
    assert "20" in period_label("week", date(2025, 5, 12), date(2025, 5, 18))
