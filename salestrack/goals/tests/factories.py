from datetime import date
from decimal import Decimal

import factory

from salestrack.goals.models import Goal, WorkCalendarDay


class GoalFactory(factory.django.DjangoModelFactory):
    """A company goal on the won amount for Q2 2025."""

    class Meta:
        model = Goal

    period_kind = Goal.PeriodKind.QUARTER
    start = date(2025, 4, 1)
    end = date(2025, 6, 30)
    scope_kind = Goal.ScopeKind.COMPANY
    metric = Goal.Metric.WON_AMOUNT
    target = Decimal("1000000.00")


class WorkCalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkCalendarDay
        django_get_or_create = ("date",)

    date = date(2025, 5, 1)
    is_workday = False
    name = "劳动节"
