import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from salestrack.audit.models import AuditEntry
from salestrack.audit.reverts import revert_field_change, revert_url
from salestrack.audit.selectors import audit_verify
from salestrack.audit.services import audit_record
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.models import Contact, Customer
from salestrack.customers.services import contact_update
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(personas) -> Contact:
    contact = ContactFactory(customer=CustomerFactory(owner=personas.alice), phone="13800000001")
    return contact_update(contact=contact, actor=personas.alice, data={"phone": "13900000002"})


def _last_update() -> AuditEntry:
    return AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).latest("seq")


def test_it_reverts_a_contact_field_and_the_customer_search_key(personas, contact):
    entry = _last_update()
    record = revert_field_change(entry=entry, field="phone", actor=personas.alice)

    assert record == contact
    assert Contact.objects.get(pk=contact.pk).phone == "13800000001"
    assert "13800000001" in Customer.objects.get(pk=contact.customer_id).search_key
    update, revert = AuditEntry.objects.order_by("-seq")[:2][::-1]
    assert (update.action, update.changes) == ("update", {"phone": ["13900000002", "13800000001"]})
    assert (revert.action, revert.extra) == (
        "revert",
        {"reverted_seq": entry.seq, "field": "phone"},
    )
    assert revert_url(record) == contact.customer.get_absolute_url()
    assert audit_verify().ok


def test_it_refuses_contacts_of_customers_out_of_scope_or_read_only(personas, contact):
    entry = _last_update()
    with pytest.raises(Http404):
        revert_field_change(entry=entry, field="phone", actor=personas.charlie)
    personas.bob.role = "auditor"
    personas.bob.save()
    with pytest.raises(Http404):
        revert_field_change(entry=entry, field="phone", actor=personas.bob)
    assert Contact.objects.get(pk=contact.pk).phone == "13900000002"


def test_it_refuses_a_role_that_only_reads_contacts(personas, contact):
    personas.admin.is_superuser = False
    personas.admin.role = "finance"  # reads customers and contacts (details masked)
    personas.admin.save()
    with pytest.raises(PermissionDenied):
        revert_field_change(entry=_last_update(), field="phone", actor=personas.admin)


def test_it_refuses_a_choice_that_no_longer_exists(personas):
    customer = CustomerFactory(owner=personas.alice, size="small")
    entry = audit_record(
        actor=personas.alice,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes={"size": ["gigantic", "small"]},
    )
    with pytest.raises(ApplicationError):
        revert_field_change(entry=entry, field="size", actor=personas.alice)
    assert Customer.objects.get(pk=customer.pk).size == "small"
