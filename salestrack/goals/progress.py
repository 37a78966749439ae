"""Expected-to-date and the traffic light: pure functions, the one place these rules live."""

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from salestrack.goals.periods import working_days

HUNDRED = Decimal(100)


class Light(models.TextChoices):
    GREEN = "green", _("On track")
    YELLOW = "yellow", _("Behind")
    RED = "red", _("Far behind")


def expected_to_date(
    *, target: Decimal, start: date, end: date, on: date, overrides: Mapping[date, bool]
) -> Decimal:
    """The share of `target` due by the start of day `on`: pro rata over the working days of
    the period completed before `on` (today itself is not yet over)."""
    if on <= start:
        return Decimal(0)
    if on > end:
        return target
    total = working_days(start, end, overrides)
    if total == 0:
        return Decimal(0)
    done = working_days(start, on - timedelta(days=1), overrides)
    return (target * done / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def behind_pct(*, actual: Decimal, expected: Decimal) -> Decimal:
    """How far `actual` is behind `expected`, in % of expected (negative when ahead)."""
    if expected <= 0:
        return Decimal(0)
    return (expected - actual) * HUNDRED / expected


def goal_light(
    *, actual: Decimal, expected: Decimal, yellow_pct: Decimal | int, red_pct: Decimal | int
) -> Light:
    """Green while less than `yellow_pct` % behind the expected-to-date, yellow from
    `yellow_pct` %, red from `red_pct` % (settings SALESTRACK_GOAL_YELLOW_PCT / _RED_PCT)."""
    behind = behind_pct(actual=Decimal(actual), expected=Decimal(expected))
    if behind >= Decimal(red_pct):
        return Light.RED
    if behind >= Decimal(yellow_pct):
        return Light.YELLOW
    return Light.GREEN
