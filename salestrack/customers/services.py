from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.bulk import audit_bulk_update, bulk_rows, check_assignable
from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_diff, audit_record, audit_snapshot
from salestrack.core.exceptions import ApplicationError, ConflictError, known_choice
from salestrack.core.text import pinyin_search_key
from salestrack.customers.models import Contact, Customer
from salestrack.customers.signals import decision_maker_left

CUSTOMER_FIELDS = [
    "name",
    "industry",
    "region",
    "size",
    "source",
    "budget",
    "pain_points",
    "tier",
    "tier_source",  # tiers.services: rules or a manual override ...
    "tier_reason",  # ... with its reason
    "owner",
]
CONTACT_FIELDS = [
    "name",
    "title",
    "phone",
    "email",
    "wechat",
    "decision_role",
    "left_company_on",
    "preferences",
]


def _clean(instance, fields: list[str]) -> None:
    exclude = [f.name for f in instance._meta.fields if f.name not in fields]
    try:
        instance.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        raise ApplicationError(
            "; ".join(" ".join(v) for v in exc.message_dict.values()),
            extra={"errors": exc.message_dict},
        ) from exc


def _check_fields(data: dict[str, Any], allowed: list[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ApplicationError(f"Unknown fields: {sorted(unknown)}")


@transaction.atomic
def customer_create(*, actor: User, name: str, owner: User | None = None, **data: Any) -> Customer:
    permissions_for(actor).require("customer", "create")
    _check_fields(data, CUSTOMER_FIELDS)
    owner = owner or actor
    customer = Customer(name=name.strip(), owner=owner, team_id=owner.team_id, **data)
    _clean(customer, ["name", *data])
    customer.search_key = pinyin_search_key(customer.name)
    customer.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=customer,
        changes=audit_diff({}, audit_snapshot(customer, ["name", *data])),
    )
    return customer


@transaction.atomic
def customer_update(
    *, customer: Customer, actor: User, expected_version: int, data: dict[str, Any]
) -> Customer:
    _check_fields(data, CUSTOMER_FIELDS)
    # The stored values: a ModelForm has already copied the new ones onto `customer`.
    stored = Customer.all_objects.get(pk=customer.pk)
    data = _tier_by_hand(stored, data, _("Set on the customer form by %(name)s.") % {"name": actor})
    before = audit_snapshot(stored, list(data))
    for name, value in data.items():
        setattr(customer, name, value)
    _clean(customer, list(data))
    values = {name: getattr(customer, name) for name in data}
    if "name" in data:
        contact_keys = list(customer.contacts.values_list("search_key", flat=True))
        values["search_key"] = customer_search_key(
            name_key=pinyin_search_key(customer.name), contact_keys=contact_keys
        )
    if "owner" in data:
        values["team_id"] = customer.owner.team_id
    updated = Customer.objects.filter(pk=customer.pk, version=expected_version).update(
        **values, version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise ConflictError(
            _("Someone else changed this customer after you opened it. Reload to see it.")
        )
    customer.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes=audit_diff(before, audit_snapshot(customer, list(data))),
    )
    return customer


def _tier_by_hand(customer: Customer, data: dict[str, Any], reason: str) -> dict[str, Any]:
    """A tier changed by hand stays: it becomes a manual override (see salestrack.tiers)."""
    if "tier" not in data or data["tier"] == customer.tier or "tier_source" in data:
        return data
    return {**data, "tier_source": Customer.TierSource.MANUAL, "tier_reason": reason}


def contact_search_key(*, name_key: str, phone: str, email: str) -> str:
    """What contact search matches: the name's pinyin key, phone and e-mail, lower-case."""
    return " ".join(filter(None, [name_key, phone, email])).lower()


def customer_search_key(*, name_key: str, contact_keys: list[str]) -> str:
    return " | ".join(filter(None, [name_key, *contact_keys]))


def customer_refresh_search_key(customer: Customer) -> None:
    contact_keys = list(customer.contacts.order_by("id").values_list("search_key", flat=True))
    key = customer_search_key(name_key=pinyin_search_key(customer.name), contact_keys=contact_keys)
    Customer.objects.filter(pk=customer.pk).update(search_key=key, updated_at=timezone.now())
    customer.search_key = key


def _contact_search_key(contact: Contact) -> str:
    return contact_search_key(
        name_key=pinyin_search_key(contact.name), phone=contact.phone, email=contact.email
    )


@transaction.atomic
def contact_create(*, customer: Customer, actor: User, name: str, **data: Any) -> Contact:
    permissions_for(actor).require("contact", "create")
    _check_fields(data, CONTACT_FIELDS)
    contact = Contact(customer=customer, name=name.strip(), **data)
    _clean(contact, ["name", *data])
    contact.search_key = _contact_search_key(contact)
    contact.save()
    customer_refresh_search_key(customer)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=contact,
        changes=audit_diff({}, audit_snapshot(contact, ["name", *data])),
        extra={"customer_id": customer.pk},
    )
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, actor: User, data: dict[str, Any]) -> Contact:
    permissions_for(actor).require("contact", "edit")
    _check_fields(data, CONTACT_FIELDS)
    # As saved: a bound ModelForm has already copied the new values onto `contact`.
    stored = Contact.all_objects.get(pk=contact.pk)
    was_deciding = _is_deciding(stored)
    before = audit_snapshot(stored, list(data))
    for name, value in data.items():
        setattr(contact, name, value)
    _clean(contact, list(data))
    contact.search_key = _contact_search_key(contact)
    contact.save()
    customer_refresh_search_key(contact.customer)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=contact,
        changes=audit_diff(before, audit_snapshot(contact, list(data))),
        extra={"customer_id": contact.customer_id},
    )
    if was_deciding and not _is_deciding(contact):
        how = "left_company" if contact.left_company_on else "role_changed"
        _send_decision_maker_left(contact=contact, actor=actor, how=how)
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, actor: User) -> Contact:
    """Move the contact to the trash (trash.services restores or purges it)."""
    permissions_for(actor).require("contact", "delete")
    was_deciding = _is_deciding(contact)
    before = audit_snapshot(contact, ["name", *CONTACT_FIELDS])
    contact.deleted_at = timezone.now()
    contact.deleted_by = actor
    contact.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    customer_refresh_search_key(contact.customer)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=contact,
        changes=audit_diff(before, {}),
        extra={"customer_id": contact.customer_id},
    )
    if was_deciding:
        _send_decision_maker_left(contact=contact, actor=actor, how="deleted")
    return contact


def _is_deciding(contact: Contact) -> bool:
    """A decision maker still at the company (the one whose departure is a risk)."""
    return contact.decision_role == Contact.Role.DECISION_MAKER and not contact.left_company_on


def _send_decision_maker_left(*, contact: Contact, actor: User | None, how: str) -> None:
    contact_id, actor_id = contact.pk, getattr(actor, "pk", None)
    transaction.on_commit(
        lambda: decision_maker_left.send(
            sender=Contact, contact_id=contact_id, actor_id=actor_id, how=how
        ),
        robust=True,
    )


@transaction.atomic
def customer_bulk_update(
    *, actor: User, ids: list[int], owner: User | None = None, tier: str = ""
) -> int:
    """Give many customers a new owner and/or tier at once; all or nothing, audited per row."""
    after: dict[str, Any] = {}
    if owner is not None:
        check_assignable(actor=actor, owner=owner)
        after.update(owner=owner.pk, team=owner.team_id)
    if tier:
        after["tier"] = known_choice(tier, Customer.Tier.values)
        after["tier_source"] = Customer.TierSource.MANUAL
        after["tier_reason"] = _("Set in a bulk change by %(name)s.") % {"name": actor}
    if not after:
        raise ApplicationError(_("Choose a new owner or a tier."))
    rows = bulk_rows(
        actor=actor,
        qs=Customer.objects.all(),
        object_type="customer",
        ids=ids,
        fields=[name for name in ("owner", "tier") if name in after],
        read=("team", "name", *(("tier_source", "tier_reason") if tier else ())),
    )
    values = {f"{k}_id" if k in ("owner", "team") else k: v for k, v in after.items()}
    Customer.objects.filter(pk__in=[r["pk"] for r in rows]).update(
        **values, version=F("version") + 1, updated_at=timezone.now()
    )
    audit_bulk_update(
        actor=actor, object_type="customers.customer", rows=rows, after=after, label="name"
    )
    return len(rows)
