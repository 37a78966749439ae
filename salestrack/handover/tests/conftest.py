from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from salestrack.activities.models import FollowUp
from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.tests.factories import DealFactory


@dataclass
class Book:
    """What Alice owns before she leaves, and what stays where it is."""

    customers: list[Customer]  # two live, one in the trash
    deals: list[Deal]  # open, won, and one in the trash (on Bob's customer)
    open_followups: list[FollowUp]
    done_followup: FollowUp
    bobs_customer: Customer
    bobs_deal: Deal

    @property
    def counts(self) -> tuple[int, int, int]:
        return (len(self.customers), len(self.deals), len(self.open_followups))


@pytest.fixture
def book(personas, stages) -> Book:
    alice, bob = personas.alice, personas.bob
    huaxin = CustomerFactory(owner=alice, name="华信科技有限公司")
    dongfang = CustomerFactory(owner=alice, name="东方机械有限公司")
    trashed = CustomerFactory(owner=alice, name="已删除的客户", deleted_at=timezone.now())
    bobs_customer = CustomerFactory(owner=bob, name="鲍勃的客户")
    open_deal = DealFactory(customer=huaxin, title="华信 ERP 项目")
    won_deal = DealFactory(
        customer=dongfang, title="东方 MES 项目", stage=stages["Won"], status=Deal.Status.WON
    )
    trashed_deal = DealFactory(
        customer=bobs_customer, owner=alice, title="已删除的商机", deleted_at=timezone.now()
    )
    bobs_deal = DealFactory(customer=bobs_customer, title="鲍勃的商机")
    due = timezone.localdate() + timedelta(days=3)
    open_followups = [
        FollowUpFactory(customer=huaxin, deal=open_deal, next_step="发送报价", next_due_on=due),
        FollowUpFactory(customer=bobs_customer, owner=alice, next_step="上门拜访"),
    ]
    done = FollowUpFactory(customer=dongfang, deal=won_deal, done_at=timezone.now())
    FollowUpFactory(customer=bobs_customer)  # Bob's own
    return Book(
        customers=[huaxin, dongfang, trashed],
        deals=[open_deal, won_deal, trashed_deal],
        open_followups=open_followups,
        done_followup=done,
        bobs_customer=bobs_customer,
        bobs_deal=bobs_deal,
    )
