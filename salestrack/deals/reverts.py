"""Reverting one field change of a deal (registered in DealsConfig.ready).

The old value goes back through deal_update, so it is validated (field levels, the customer's
write scope, product lines owning the amount), the version follows and the UPDATE entry is
written as for a normal edit; audit.reverts adds the REVERT entry. The stage is not revertible
(moves go through deal_move_stage and its exit criteria), nor are the collaborators.
"""

from typing import Any

from django.http import Http404

from salestrack.access.scope import visible_users
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
from salestrack.customers.models import Contact
from salestrack.customers.selectors import customer_queryset
from salestrack.deals import services
from salestrack.deals.models import Deal
from salestrack.deals.selectors import deal_get_for_user

DEAL_REVERTIBLE = frozenset(services.EDITABLE_FIELDS) - {"stage", "collaborators"}


def deal_for_revert(actor: User, object_id: str) -> Deal:
    if not str(object_id).isdigit():
        raise Http404
    return deal_get_for_user(user=actor, pk=int(object_id), write=True)


def _related(actor: User, deal: Deal, field: str, pk: int) -> Any:
    """The record an old foreign-key id points to, if it still exists and may be chosen."""
    if field == "owner":  # as on the deal form: someone the actor may assign, still active
        return visible_users(actor).filter(pk=pk).first()
    if field == "customer":  # a customer the actor may write to (deal_update checks it too)
        return customer_queryset(user=actor, write=True).filter(pk=pk).first()
    return Contact.objects.filter(pk=pk, customer_id=deal.customer_id).first()  # decision_maker


def _old_value(actor: User, deal: Deal, field: str, value: Any) -> Any:
    """The audit value as deal_update takes it: foreign keys as records."""
    value = audit_value_to_python(Deal, field, value)
    if not Deal._meta.get_field(field).is_relation or value is None:
        return value
    record = _related(actor, deal, field, value)
    if record is None:
        raise value_no_longer_valid(Deal, field)
    return record


def revert_deal_field(*, entry: AuditEntry, field: str, actor: User) -> Deal:
    deal = deal_for_revert(actor, entry.object_id)
    before, after = reverted_change(entry=entry, field=field, record=deal, fields=DEAL_REVERTIBLE)
    require_field_editable(actor=actor, record=deal, field=field)
    require_unchanged_since(record=deal, field=field, after=after)
    return services.deal_update(
        deal=deal,
        actor=actor,
        expected_version=deal.version,
        data={field: _old_value(actor, deal, field, before)},
    )


def register_reverters() -> None:
    register_reverter("deals.deal", revert_deal_field, load=deal_for_revert, fields=DEAL_REVERTIBLE)
