from decimal import Decimal

import pytest

from salestrack.audit.models import AuditEntry
from salestrack.audit.reverts import revert_field_change
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.services import deal_line_add, deal_update
from salestrack.deals.tests.factories import DealFactory, ProductFactory
from salestrack.trash.services import customer_delete

pytestmark = pytest.mark.django_db


def _last_update() -> AuditEntry:
    return AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).latest("seq")


@pytest.fixture
def deal(personas) -> Deal:
    return DealFactory(customer=CustomerFactory(owner=personas.alice))


def test_it_reverts_the_customer_and_the_decision_maker(personas, deal):
    first_customer = deal.customer
    contact = ContactFactory(customer=first_customer)
    deal = deal_update(
        deal=deal,
        actor=personas.alice,
        expected_version=deal.version,
        data={"decision_maker": contact},
    )
    deal = deal_update(
        deal=deal,
        actor=personas.alice,
        expected_version=deal.version,
        data={"decision_maker": None},
    )
    revert_field_change(entry=_last_update(), field="decision_maker", actor=personas.alice)
    deal.refresh_from_db()
    assert deal.decision_maker == contact

    deal = deal_update(
        deal=deal,
        actor=personas.alice,
        expected_version=deal.version,
        data={"customer": CustomerFactory(owner=personas.alice)},
    )
    revert_field_change(entry=_last_update(), field="customer", actor=personas.alice)
    deal.refresh_from_db()
    assert deal.customer == first_customer


def test_it_refuses_a_customer_moved_to_the_trash_since(personas, deal):
    first_customer = deal.customer
    deal = deal_update(
        deal=deal,
        actor=personas.alice,
        expected_version=deal.version,
        data={"customer": CustomerFactory(owner=personas.alice)},
    )
    entry = _last_update()
    customer_delete(customer=first_customer, actor=personas.alice)
    count = AuditEntry.objects.count()
    with pytest.raises(ApplicationError):
        revert_field_change(entry=entry, field="customer", actor=personas.alice)
    assert AuditEntry.objects.count() == count
    assert Deal.objects.get(pk=deal.pk).customer_id == deal.customer_id


def test_it_leaves_the_amount_to_the_product_lines(personas, deal):
    deal = deal_update(
        deal=deal,
        actor=personas.alice,
        expected_version=deal.version,
        data={"amount": Decimal("5000")},
    )
    entry = _last_update()
    deal_line_add(deal=deal, actor=personas.alice, product=ProductFactory(), quantity=Decimal("1"))
    deal.refresh_from_db()
    count = AuditEntry.objects.count()
    with pytest.raises(ApplicationError):
        revert_field_change(entry=entry, field="amount", actor=personas.alice)
    assert AuditEntry.objects.count() == count
