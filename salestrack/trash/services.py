"""Deleting a customer with everything under it, restoring from the trash, purging it.

Deals and contacts are deleted one by one in their own apps (deals.services.deal_delete,
customers.services.contact_delete); what spans customers and deals lives here.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_diff, audit_record, audit_snapshot
from salestrack.core.exceptions import ApplicationError
from salestrack.core.models import SoftDeleteModel
from salestrack.customers.models import Contact, Customer
from salestrack.customers.services import customer_refresh_search_key
from salestrack.deals.models import Deal

# The kinds of record the trash holds, as named in URLs and by record_restore.
TRASH_MODELS: dict[str, type[SoftDeleteModel]] = {
    "customer": Customer,
    "contact": Contact,
    "deal": Deal,
}


def _trash(obj: SoftDeleteModel, *, actor: User, at, extra: dict) -> None:
    obj.deleted_at, obj.deleted_by = at, actor
    obj.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=obj,
        changes=audit_diff({}, audit_snapshot(obj, ["deleted_at"])),
        extra=extra,
    )


def _untrash(obj: SoftDeleteModel, *, actor: User, extra: dict) -> None:
    before = audit_snapshot(obj, ["deleted_at"])
    obj.deleted_at, obj.deleted_by = None, None
    obj.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.RESTORE,
        obj=obj,
        changes=audit_diff(before, audit_snapshot(obj, ["deleted_at"])),
        extra=extra,
    )


@transaction.atomic
def customer_delete(*, customer: Customer, actor: User) -> Customer:
    """Trash the customer with its live contacts and deals, all with the same timestamp."""
    permissions_for(actor).require("customer", "delete")
    now = timezone.now()
    extra = {"customer_id": customer.pk, "with_customer": True}
    for deal in Deal.objects.filter(customer=customer).order_by("id"):
        _trash(deal, actor=actor, at=now, extra=extra)
    for contact in Contact.objects.filter(customer=customer).order_by("id"):
        _trash(contact, actor=actor, at=now, extra=extra)
    _trash(customer, actor=actor, at=now, extra={})
    return customer


@transaction.atomic
def customer_restore(*, customer: Customer, actor: User) -> Customer:
    """Bring the customer back with the contacts and deals trashed at the same moment; those
    deleted separately before stay in the trash."""
    if customer.deleted_at is None:
        raise ApplicationError(_("This record is not in the trash."))
    at = customer.deleted_at
    _untrash(customer, actor=actor, extra={})
    extra = {"customer_id": customer.pk, "with_customer": True}
    for deal in Deal.all_objects.filter(customer=customer, deleted_at=at).order_by("id"):
        _untrash(deal, actor=actor, extra=extra)
    for contact in Contact.all_objects.filter(customer=customer, deleted_at=at).order_by("id"):
        _untrash(contact, actor=actor, extra=extra)
    customer_refresh_search_key(customer)
    return customer


@transaction.atomic
def record_restore(*, kind: str, pk: int, actor: User) -> SoftDeleteModel:
    """Restore one trashed record. A deal or contact needs its customer out of the trash."""
    model = TRASH_MODELS.get(kind)
    if model is None:
        raise ApplicationError(_("Unknown kind of record."))
    obj = model.all_objects.filter(pk=pk, deleted_at__isnull=False).first()
    if obj is None:
        raise ApplicationError(_("This record is not in the trash."))
    if isinstance(obj, Customer):
        return customer_restore(customer=obj, actor=actor)
    customer = Customer.all_objects.get(pk=obj.customer_id)
    if customer.deleted_at is not None:
        raise ApplicationError(
            _("Its customer “%(name)s” is in the trash: restore the customer first.")
            % {"name": customer.name}
        )
    _untrash(obj, actor=actor, extra={"customer_id": customer.pk})
    if isinstance(obj, Contact):
        customer_refresh_search_key(customer)
    return obj


def _purge(obj: SoftDeleteModel, *, actor: User | None, extra: dict) -> None:
    """Hard-delete one trashed record (its follow-ups, lines and history cascade) and audit it."""
    label, pk, deleted_at = str(obj), obj.pk, obj.deleted_at
    obj.delete()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.PURGE,
        object_type=obj._meta.label_lower,
        object_id=pk,
        object_label=label,
        extra={"deleted_at": deleted_at, **extra},
    )


@transaction.atomic
def record_purge(*, kind: str, pk: int, actor: User) -> None:
    """Delete one trashed record for good, before its retention ends (administrators: the view
    checks). A customer goes with its contacts and deals, which must all be in the trash too:
    one still live keeps it, as in trash_purge."""
    model = TRASH_MODELS.get(kind)
    if model is None:
        raise ApplicationError(_("Unknown kind of record."))
    obj = model.all_objects.select_for_update().filter(pk=pk, deleted_at__isnull=False).first()
    if obj is None:
        raise ApplicationError(_("This record is not in the trash."))
    if isinstance(obj, Customer):
        deals = Deal.all_objects.filter(customer=obj)
        contacts = Contact.all_objects.filter(customer=obj)
        if (
            deals.filter(deleted_at__isnull=True).exists()
            or contacts.filter(deleted_at__isnull=True).exists()
        ):
            raise ApplicationError(
                _("“%(name)s” still has deals or contacts outside the trash.") % {"name": obj.name}
            )
        extra = {"customer_id": obj.pk, "with_customer": True, "event": "purge_one"}
        for child in [*deals.order_by("id"), *contacts.order_by("id")]:
            _purge(child, actor=actor, extra=extra)
    _purge(obj, actor=actor, extra={"event": "purge_one"})


@transaction.atomic
def trash_purge(*, older_than_days: int | None = None, actor: User | None = None) -> dict[str, int]:
    """Hard-delete what has been in the trash longer than the retention
    (SALESTRACK_TRASH_DAYS unless given). Deals go first: a customer is PROTECTed by its deals."""
    days = settings.SALESTRACK_TRASH_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    purged = {}
    for kind in ("deal", "contact", "customer"):
        model = TRASH_MODELS[kind]
        qs = model.all_objects.filter(deleted_at__lt=cutoff)
        if model is Customer:
            qs = qs.filter(deals__isnull=True)  # a deal still kept (restored or newer) keeps it
        purged[kind] = 0
        for obj in qs.order_by("id"):
            _purge(obj, actor=actor, extra={"retention_days": days})
            purged[kind] += 1
    return purged
