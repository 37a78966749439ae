"""Reverting one field change of a customer or contact (registered in CustomersConfig.ready).

The old value goes back through customer_update / contact_update, so it is validated, the
search key and version follow and the UPDATE entry is written as for a normal edit;
audit.reverts adds the REVERT entry.
"""

from typing import Any

from django.http import Http404

from salestrack.access.scope import can_write, visible_users
from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.reverts import (
    audit_value_to_python,
    register_reverter,
    require_field_editable,
    require_unchanged_since,
    reverted_change,
    value_no_longer_valid,
)
from salestrack.customers import services
from salestrack.customers.models import Contact, Customer
from salestrack.customers.selectors import customer_get_for_user

# Every field the update services accept (version, search_key and timestamps are not among them).
CUSTOMER_REVERTIBLE = frozenset(services.CUSTOMER_FIELDS)
CONTACT_REVERTIBLE = frozenset(services.CONTACT_FIELDS)


def _pk(object_id: str) -> int:
    if not str(object_id).isdigit():
        raise Http404
    return int(object_id)


def customer_for_revert(actor: User, object_id: str) -> Customer:
    return customer_get_for_user(user=actor, pk=_pk(object_id), write=True)


def contact_for_revert(actor: User, object_id: str) -> Contact:
    """The contact, unmasked (as the contact form loads it), once its customer is writable."""
    pk = _pk(object_id)
    customer_id = Contact.objects.filter(pk=pk).values_list("customer_id", flat=True).first()
    if customer_id is None:
        raise Http404
    customer = customer_get_for_user(user=actor, pk=customer_id, write=True)
    return Contact.objects.select_related("customer").get(pk=pk, customer=customer)


def _old_customer_value(actor: User, field: str, value: Any) -> Any:
    value = audit_value_to_python(Customer, field, value)
    if field == "owner":
        # As on the customer form: someone the actor may assign records to, and still active.
        owner = visible_users(actor).filter(pk=value).first() if value is not None else None
        if owner is None:
            raise value_no_longer_valid(Customer, field)
        return owner
    return value


def revert_customer_field(*, entry: AuditEntry, field: str, actor: User) -> Customer:
    customer = customer_for_revert(actor, entry.object_id)
    before, after = reverted_change(
        entry=entry, field=field, record=customer, fields=CUSTOMER_REVERTIBLE
    )
    require_field_editable(actor=actor, record=customer, field=field)
    require_unchanged_since(record=customer, field=field, after=after)
    return services.customer_update(
        customer=customer,
        actor=actor,
        expected_version=customer.version,
        data={field: _old_customer_value(actor, field, before)},
    )


def revert_contact_field(*, entry: AuditEntry, field: str, actor: User) -> Contact:
    contact = contact_for_revert(actor, entry.object_id)
    before, after = reverted_change(
        entry=entry, field=field, record=contact, fields=CONTACT_REVERTIBLE
    )
    require_field_editable(actor=actor, record=contact, field=field)
    require_unchanged_since(record=contact, field=field, after=after)
    return services.contact_update(
        contact=contact,
        actor=actor,
        data={field: audit_value_to_python(Contact, field, before)},
    )


def register_reverters() -> None:
    register_reverter(
        "customers.customer",
        revert_customer_field,
        load=customer_for_revert,
        fields=CUSTOMER_REVERTIBLE,
    )
    register_reverter(
        "customers.contact",
        revert_contact_field,
        load=contact_for_revert,
        fields=CONTACT_REVERTIBLE,
        may_write=lambda user, contact: can_write(user, contact.customer),
        url=lambda contact: contact.customer.get_absolute_url(),
    )
