"""Test data for the daily list; the clock is NOW (a Tuesday morning in Shanghai)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
import time_machine

from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory
from salestrack.today.models import DailyList

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = date(2026, 3, 10)


def travel(when: datetime = NOW):
    return time_machine.travel(when, tick=False)


def customer(owner, tier: str = "B", **kwargs) -> Customer:
    """A customer touched yesterday (so not stalled for want of a follow-up)."""
    kwargs.setdefault("last_activity_at", NOW - timedelta(days=1))
    return CustomerFactory(owner=owner, tier=tier, **kwargs)


def deal(owner, *, stage, tier: str = "B", days_in_stage: int = 1, **kwargs):
    """An open deal followed up yesterday, in `stage` for `days_in_stage` days and an hour."""
    entered = NOW - timedelta(days=days_in_stage, hours=1)
    kwargs.setdefault("customer", customer(owner, tier))
    kwargs.setdefault("last_activity_at", NOW - timedelta(days=1))
    made = DealFactory(owner=owner, stage=stage, stage_entered_at=entered, **kwargs)
    type(made).objects.filter(pk=made.pk).update(created_at=entered)
    made.refresh_from_db()
    return made


def due_followup(owner, *, due: date, deal=None, customer_=None, **kwargs):
    cust = deal.customer if deal is not None else customer_ or customer(owner)
    return FollowUpFactory(
        owner=owner,
        customer=cust,
        deal=deal,
        occurred_at=NOW - timedelta(days=7),
        next_due_on=due,
        **kwargs,
    )


class DailyListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyList

    day = TODAY
    items = factory.LazyFunction(list)
    generated_at = NOW


AMOUNT = Decimal("120000.00")
