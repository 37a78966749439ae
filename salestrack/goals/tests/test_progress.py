"""Expected-to-date and the traffic light (pure functions), at their boundaries."""

from datetime import date
from decimal import Decimal

import pytest

from salestrack.goals.progress import Light, behind_pct, expected_to_date, goal_light
from salestrack.goals.tests.test_periods import LABOUR_DAY

D = Decimal


@pytest.mark.parametrize(
    ("actual", "light"),
    [
        ("1000", Light.GREEN),  # on expected
        ("1200", Light.GREEN),  # ahead
        ("900.1", Light.GREEN),  # 9.99 % behind
        ("900", Light.YELLOW),  # 10 % behind
        ("700.1", Light.YELLOW),  # 29.99 % behind
        ("700", Light.RED),  # 30 % behind
        ("0", Light.RED),
    ],
)
def test_it_lights_at_the_thresholds(actual, light):
    assert goal_light(actual=D(actual), expected=D(1000), yellow_pct=10, red_pct=30) == light


def test_it_computes_how_far_behind():
    assert behind_pct(actual=D("900.1"), expected=D(1000)) == D("9.99")
    assert behind_pct(actual=D("700.1"), expected=D(1000)) == D("29.99")
    assert behind_pct(actual=D(5), expected=D(0)) == 0


def test_it_follows_configured_thresholds():
    assert goal_light(actual=D(940), expected=D(1000), yellow_pct=5, red_pct=20) == Light.YELLOW
    assert goal_light(actual=D(800), expected=D(1000), yellow_pct=5, red_pct=20) == Light.RED


def test_it_is_green_while_nothing_is_expected_yet():
    assert goal_light(actual=D(0), expected=D(0), yellow_pct=10, red_pct=30) == Light.GREEN


WEEK = {"start": date(2025, 5, 12), "end": date(2025, 5, 18)}


def test_it_expects_the_working_days_completed_before_today():
    def on(day):
        return expected_to_date(target=D(500), on=day, overrides={}, **WEEK)

    assert on(date(2025, 5, 11)) == 0  # before the week
    assert on(date(2025, 5, 12)) == 0  # Monday: no day completed yet
    assert on(date(2025, 5, 13)) == 100
    assert on(date(2025, 5, 16)) == 400  # Friday morning
    assert on(date(2025, 5, 17)) == 500  # Saturday: the working week is over
    assert on(date(2025, 5, 19)) == 500  # after the week


def test_it_expects_nothing_on_holidays_and_something_on_make_up_days():
    make_up_week = {"start": date(2025, 4, 21), "end": date(2025, 4, 27)}
    # Six working days (Sunday 27 April is a make-up day): by Sunday morning 5/6 are due.
    assert expected_to_date(
        target=D(600), on=date(2025, 4, 27), overrides=LABOUR_DAY, **make_up_week
    ) == D(500)
    holiday_week = {"start": date(2025, 4, 28), "end": date(2025, 5, 4)}
    # Three working days; Thursday and Friday are Labour Day, so Friday expects what Thursday did.
    thursday = expected_to_date(
        target=D(300), on=date(2025, 5, 1), overrides=LABOUR_DAY, **holiday_week
    )
    friday = expected_to_date(
        target=D(300), on=date(2025, 5, 2), overrides=LABOUR_DAY, **holiday_week
    )
    assert thursday == friday == D(300)


def test_it_expects_the_whole_target_after_the_quarter():
    quarter = {"start": date(2025, 4, 1), "end": date(2025, 6, 30)}
    assert expected_to_date(target=D(650), on=date(2025, 7, 1), overrides={}, **quarter) == 650
    assert expected_to_date(target=D(650), on=date(2025, 6, 30), overrides={}, **quarter) == 640
    assert expected_to_date(target=D(650), on=date(2025, 4, 1), overrides={}, **quarter) == 0
