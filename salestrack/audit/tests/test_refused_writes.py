import pytest

from salestrack.audit.models import AuditEntry
from salestrack.core.exceptions import ApplicationError, ConflictError
from salestrack.customers.services import customer_update
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.errors import StageGateError
from salestrack.deals.services import deal_move_stage, deal_update
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(personas):
    return DealFactory(customer=CustomerFactory(owner=personas.alice))


def test_it_writes_no_entry_when_a_stage_gate_refuses_the_move(personas, stages, deal):
    with pytest.raises(StageGateError):
        deal_move_stage(
            deal=deal, to_stage=stages["Won"], actor=personas.alice, expected_version=deal.version
        )
    assert not AuditEntry.objects.exists()


def test_it_writes_no_entry_on_a_version_conflict(personas, deal):
    with pytest.raises(ConflictError):
        deal_update(
            deal=deal,
            actor=personas.alice,
            expected_version=deal.version + 5,
            data={"title": "新标题"},
        )
    assert not AuditEntry.objects.exists()


def test_it_writes_no_entry_on_a_customer_conflict(personas):
    customer = CustomerFactory(owner=personas.alice)
    with pytest.raises(ConflictError):
        customer_update(
            customer=customer, actor=personas.alice, expected_version=99, data={"tier": "A"}
        )
    assert not AuditEntry.objects.exists()


def test_it_writes_no_entry_for_an_invalid_update(personas, deal):
    with pytest.raises(ApplicationError):
        deal_update(
            deal=deal, actor=personas.alice, expected_version=deal.version, data={"title": ""}
        )
    assert not AuditEntry.objects.exists()
