from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from salestrack.activities.models import FollowUp
from salestrack.activities.services import followup_create, followup_mark_done
from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 10, 15, 0, tzinfo=SHANGHAI)
TODAY = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def deal(personas):
    return DealFactory(owner=personas.alice)


def test_it_records_a_follow_up_on_a_deal(personas, deal):
    followup = followup_create(
        actor=personas.alice,
        deal=deal,
        summary="客户确认预算",
        kind=FollowUp.Kind.VISIT,
        customer_words="今年预算 50 万",
        next_step="发送报价",
        next_due_on=TODAY + timedelta(days=3),
    )
    followup.refresh_from_db()
    assert followup.customer == deal.customer
    assert followup.deal == deal
    assert followup.owner == personas.alice
    assert followup.team == personas.team_a
    assert followup.occurred_at == NOW
    assert followup.done_at is None


def test_it_touches_the_deal_and_the_customer(personas, deal):
    occurred = NOW - timedelta(hours=2)
    followup_create(
        actor=personas.alice,
        deal=deal,
        summary="电话沟通",
        occurred_at=occurred,
        next_due_on=TODAY + timedelta(days=3),
    )
    stored = Deal.objects.get(pk=deal.pk)
    assert stored.last_activity_at == occurred
    assert stored.next_due_on == TODAY + timedelta(days=3)
    assert Customer.objects.get(pk=deal.customer_id).last_activity_at == occurred


def test_it_records_a_follow_up_on_a_customer_only(personas):
    customer = CustomerFactory(owner=personas.alice)
    followup = followup_create(actor=personas.alice, customer=customer, summary="拜访")
    assert followup.deal is None
    assert Customer.objects.get(pk=customer.pk).last_activity_at == NOW


def test_it_closes_earlier_pending_follow_ups_of_the_same_deal(personas, deal):
    earlier = FollowUpFactory(
        deal=deal,
        customer=deal.customer,
        occurred_at=NOW - timedelta(days=5),
        next_due_on=TODAY - timedelta(days=1),
    )
    other_deal = DealFactory(owner=personas.alice, customer=deal.customer)
    unrelated = FollowUpFactory(
        deal=other_deal,
        customer=deal.customer,
        occurred_at=NOW - timedelta(days=5),
        next_due_on=TODAY,
    )
    customer_level = FollowUpFactory(
        customer=deal.customer, occurred_at=NOW - timedelta(days=5), next_due_on=TODAY
    )
    new = followup_create(actor=personas.alice, deal=deal, summary="上门演示")
    assert FollowUp.objects.get(pk=earlier.pk).done_at == NOW
    assert FollowUp.objects.get(pk=unrelated.pk).done_at is None
    assert FollowUp.objects.get(pk=customer_level.pk).done_at is None
    assert FollowUp.objects.get(pk=new.pk).done_at is None


def test_it_leaves_later_follow_ups_open_when_back_dated(personas, deal):
    later = FollowUpFactory(
        deal=deal,
        customer=deal.customer,
        occurred_at=NOW - timedelta(days=1),
        next_due_on=TODAY + timedelta(days=2),
    )
    Deal.objects.filter(pk=deal.pk).update(
        last_activity_at=later.occurred_at, next_due_on=later.next_due_on
    )
    followup_create(
        actor=personas.alice,
        deal=deal,
        summary="补录上周的拜访",
        occurred_at=NOW - timedelta(days=7),
        next_due_on=TODAY - timedelta(days=6),
    )
    assert FollowUp.objects.get(pk=later.pk).done_at is None
    stored = Deal.objects.get(pk=deal.pk)
    assert stored.last_activity_at == later.occurred_at
    assert stored.next_due_on == TODAY + timedelta(days=2)


def test_it_closes_earlier_pending_follow_ups_of_the_same_customer(personas):
    customer = CustomerFactory(owner=personas.alice)
    earlier = FollowUpFactory(
        customer=customer, occurred_at=NOW - timedelta(days=3), next_due_on=TODAY
    )
    followup_create(actor=personas.alice, customer=customer, summary="回访")
    assert FollowUp.objects.get(pk=earlier.pk).done_at == NOW


def test_it_refuses_a_follow_up_in_the_future_and_writes_nothing(personas, deal):
    with pytest.raises(ApplicationError):
        followup_create(
            actor=personas.alice,
            deal=deal,
            summary="明天的拜访",
            occurred_at=NOW + timedelta(hours=1),
        )
    assert not FollowUp.objects.exists()
    stored = Deal.objects.get(pk=deal.pk)
    assert stored.last_activity_at is None
    assert Customer.objects.get(pk=deal.customer_id).last_activity_at is None


def test_it_allows_a_few_minutes_of_clock_skew(personas, deal):
    followup = followup_create(
        actor=personas.alice,
        deal=deal,
        summary="刚刚的电话",
        occurred_at=NOW + timedelta(minutes=4),
    )
    assert followup.pk


def test_it_refuses_a_due_date_before_the_follow_up_and_writes_nothing(personas, deal):
    pending = FollowUpFactory(
        deal=deal, customer=deal.customer, occurred_at=NOW - timedelta(days=5), next_due_on=TODAY
    )
    with pytest.raises(ApplicationError):
        followup_create(
            actor=personas.alice,
            deal=deal,
            summary="电话沟通",
            occurred_at=NOW - timedelta(days=2),
            next_due_on=TODAY - timedelta(days=3),
        )
    assert list(FollowUp.objects.all()) == [pending]
    assert FollowUp.objects.get(pk=pending.pk).done_at is None
    assert Deal.objects.get(pk=deal.pk).last_activity_at is None


def test_it_allows_the_next_follow_up_on_the_same_day(personas, deal):
    followup = followup_create(
        actor=personas.alice, deal=deal, summary="电话沟通", next_due_on=TODAY
    )
    assert followup.next_due_on == TODAY


def test_it_refuses_a_deal_of_another_customer(personas, deal):
    other = CustomerFactory(owner=personas.alice)
    with pytest.raises(ApplicationError):
        followup_create(actor=personas.alice, customer=other, deal=deal, summary="电话沟通")
    assert not FollowUp.objects.exists()
    assert Customer.objects.get(pk=other.pk).last_activity_at is None


def test_it_refuses_a_follow_up_without_customer_or_deal(personas):
    with pytest.raises(ApplicationError):
        followup_create(actor=personas.alice, summary="电话沟通")


def test_it_refuses_an_empty_summary_and_writes_nothing(personas, deal):
    with pytest.raises(ApplicationError):
        followup_create(actor=personas.alice, deal=deal, summary="")
    assert not FollowUp.objects.exists()


def test_it_refuses_unknown_fields(personas, deal):
    with pytest.raises(ApplicationError):
        followup_create(actor=personas.alice, deal=deal, summary="电话", done_at=NOW)
    assert not FollowUp.objects.exists()


def test_it_marks_a_follow_up_done_and_clears_the_deal_due_date(personas, deal):
    followup = followup_create(
        actor=personas.alice, deal=deal, summary="电话", next_due_on=TODAY + timedelta(days=2)
    )
    followup = followup_mark_done(followup=followup, actor=personas.alice)
    assert followup.done_at == NOW
    assert Deal.objects.get(pk=deal.pk).next_due_on is None


def test_it_keeps_the_first_done_time_when_marked_twice(personas, deal):
    followup = FollowUpFactory(deal=deal, customer=deal.customer, next_due_on=TODAY)
    followup_mark_done(followup=followup, actor=personas.alice)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        followup = followup_mark_done(followup=followup, actor=personas.alice)
    assert followup.done_at == NOW


def test_it_keeps_the_deal_due_date_set_by_a_newer_follow_up(personas, deal):
    old = FollowUpFactory(deal=deal, customer=deal.customer, next_due_on=TODAY)
    Deal.objects.filter(pk=deal.pk).update(next_due_on=TODAY + timedelta(days=5))
    followup_mark_done(followup=old, actor=personas.alice)
    assert Deal.objects.get(pk=deal.pk).next_due_on == TODAY + timedelta(days=5)
