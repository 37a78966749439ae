"""What an export contains: a fixed list of columns per record type, and the rows.

The rows come from the same selectors as the list pages (so "export what I see" holds) and
through `scope_queryset`, so the role's record scope and field policy apply. A column whose
field the role may not see at all ("hidden") is left out of the file, header included; masked
values come out masked.

Customers: name, industry, region, size, source, tier, budget, owner, last activity, created,
then the contacts' names, phones and e-mails (each joined in one cell, contact by contact).
Deals: title, customer, pipeline, stage, status, amount, probability, expected close date,
owner, source, competitor, contract number, payment received, last activity.
Follow-ups: time, type, customer, deal, owner, the customer's own words, our summary, next step,
next follow-up due, resources needed, done at.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from salestrack.access.models import FieldLevel
from salestrack.access.policy import Permissions, apply_field_policy
from salestrack.access.scope import with_field_policy
from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.customers.models import Contact, Customer
from salestrack.deals.models import Deal

CHUNK_SIZE = 2000
CENTS = Decimal("0.01")
CONTACT_SEPARATOR = "; "


def money(value: Decimal | None) -> Decimal | None:
    """Exact to the cent; never a float."""
    return None if value in (None, "") else Decimal(value).quantize(CENTS)


def _verbose(model: type[Model], name: str) -> Promise:
    return capfirst(model._meta.get_field(name).verbose_name)


@dataclass(frozen=True)
class Column:
    key: str  # stable name, recorded in the audit entry
    label: Promise  # header, translated when the file is written
    object_type: str  # whose field policy decides whether the column is shown
    field: str | None  # the governed field; None: shown to everyone who may export
    value: Callable[[Any], Any]


def _contacts_cell(name: str) -> Callable[[Customer], str]:
    """One cell for all contacts: names alone, or each phone/e-mail after its contact's name."""

    def cell(customer: Customer) -> str:
        contacts = customer.export_contacts
        if name == "name":
            parts = [c.name for c in contacts]
        else:
            parts = [f"{c.name} {getattr(c, name)}".strip() for c in contacts if getattr(c, name)]
        return CONTACT_SEPARATOR.join(p for p in parts if p)

    return cell


CUSTOMER_COLUMNS: tuple[Column, ...] = (
    Column("name", _verbose(Customer, "name"), "customer", "name", lambda c: c.name),
    Column(
        "industry", _verbose(Customer, "industry"), "customer", "industry", lambda c: c.industry
    ),
    Column("region", _verbose(Customer, "region"), "customer", "region", lambda c: c.region),
    Column("size", _verbose(Customer, "size"), "customer", "size", lambda c: c.get_size_display()),
    Column(
        "source",
        _verbose(Customer, "source"),
        "customer",
        "source",
        lambda c: c.get_source_display(),
    ),
    Column("tier", _verbose(Customer, "tier"), "customer", "tier", lambda c: c.tier),
    Column("budget", _verbose(Customer, "budget"), "customer", "budget", lambda c: money(c.budget)),
    Column("owner", _verbose(Customer, "owner"), "customer", "owner", lambda c: str(c.owner)),
    Column(
        "last_activity",
        _verbose(Customer, "last_activity_at"),
        "customer",
        None,
        lambda c: c.last_activity_at,
    ),
    Column("created", _verbose(Customer, "created_at"), "customer", None, lambda c: c.created_at),
    Column("contact_names", _("Contacts"), "contact", "name", _contacts_cell("name")),
    Column("contact_phones", _("Contact phones"), "contact", "phone", _contacts_cell("phone")),
    Column("contact_emails", _("Contact e-mails"), "contact", "email", _contacts_cell("email")),
)

DEAL_COLUMNS: tuple[Column, ...] = (
    Column("title", _verbose(Deal, "title"), "deal", "title", lambda d: d.title),
    Column("customer", _verbose(Deal, "customer"), "deal", "customer", lambda d: d.customer.name),
    Column("pipeline", _verbose(Deal, "pipeline"), "deal", None, lambda d: str(d.pipeline)),
    Column("stage", _verbose(Deal, "stage"), "deal", "stage", lambda d: d.stage.label),
    Column("status", _verbose(Deal, "status"), "deal", None, lambda d: d.get_status_display()),
    Column("amount", _verbose(Deal, "amount"), "deal", "amount", lambda d: money(d.amount)),
    Column(
        "probability",
        _verbose(Deal, "probability"),
        "deal",
        "probability",
        lambda d: d.effective_probability,
    ),
    Column(
        "expected_close_date",
        _verbose(Deal, "expected_close_date"),
        "deal",
        "expected_close_date",
        lambda d: d.expected_close_date,
    ),
    Column("owner", _verbose(Deal, "owner"), "deal", "owner", lambda d: str(d.owner)),
    Column("source", _verbose(Deal, "source"), "deal", "source", lambda d: d.get_source_display()),
    Column(
        "competitor", _verbose(Deal, "competitor"), "deal", "competitor", lambda d: d.competitor
    ),
    Column(
        "contract_number",
        _verbose(Deal, "contract_number"),
        "deal",
        "contract_number",
        lambda d: d.contract_number,
    ),
    Column(
        "payment_received",
        _verbose(Deal, "payment_received"),
        "deal",
        "payment_received",
        lambda d: money(d.payment_received),
    ),
    Column(
        "last_activity",
        _verbose(Deal, "last_activity_at"),
        "deal",
        None,
        lambda d: d.last_activity_at,
    ),
)

FOLLOWUP_COLUMNS: tuple[Column, ...] = (
    Column(
        "occurred_at",
        _verbose(FollowUp, "occurred_at"),
        "followup",
        "occurred_at",
        lambda f: f.occurred_at,
    ),
    Column("kind", _verbose(FollowUp, "kind"), "followup", "kind", lambda f: f.get_kind_display()),
    Column(
        "customer", _verbose(FollowUp, "customer"), "customer", "name", lambda f: f.customer.name
    ),
    Column(
        "deal",
        _verbose(FollowUp, "deal"),
        "deal",
        "title",
        lambda f: f.deal.title if f.deal_id else "",
    ),
    Column("owner", _verbose(FollowUp, "owner"), "followup", None, lambda f: str(f.owner)),
    Column(
        "customer_words",
        _verbose(FollowUp, "customer_words"),
        "followup",
        "customer_words",
        lambda f: f.customer_words,
    ),
    Column("summary", _verbose(FollowUp, "summary"), "followup", "summary", lambda f: f.summary),
    Column(
        "next_step",
        _verbose(FollowUp, "next_step"),
        "followup",
        "next_step",
        lambda f: f.next_step,
    ),
    Column(
        "next_due_on",
        _verbose(FollowUp, "next_due_on"),
        "followup",
        "next_due_on",
        lambda f: f.next_due_on,
    ),
    Column(
        "resources_needed",
        _verbose(FollowUp, "resources_needed"),
        "followup",
        "resources_needed",
        lambda f: f.resources_needed,
    ),
    Column("done_at", _verbose(FollowUp, "done_at"), "followup", None, lambda f: f.done_at),
)


def export_columns(*, perms: Permissions, columns: tuple[Column, ...]) -> list[Column]:
    """The columns the role may see: those whose field is hidden are left out entirely."""
    return [
        column
        for column in columns
        if column.field is None
        or perms.field_level(column.object_type, column.field) != FieldLevel.HIDDEN
    ]


def _contacts_by_customer(*, user: User, customers: QuerySet[Customer]) -> dict[int, list]:
    """The contacts of every exported customer, in one query, as the contact policy shows them."""
    qs = with_field_policy(
        user, Contact.objects.filter(customer__in=customers.values("pk")).order_by("id")
    )
    grouped: dict[int, list[Contact]] = {}
    for contact in qs.iterator(chunk_size=CHUNK_SIZE):
        grouped.setdefault(contact.customer_id, []).append(contact)
    return grouped


def export_rows(
    *, user: User, perms: Permissions, qs: QuerySet, columns: list[Column]
) -> Iterator[list[Any]]:
    """One list of values per record, in the queryset's order, streamed in chunks."""
    contacts: dict[int, list[Contact]] | None = None
    if qs.model is Customer and any(c.object_type == "contact" for c in columns):
        contacts = _contacts_by_customer(user=user, customers=qs)
    for obj in qs.iterator(chunk_size=CHUNK_SIZE):
        # scope_queryset's iterable has already applied the policy; this is a no-op then, and
        # keeps the file safe should a queryset ever arrive without it.
        apply_field_policy(perms, obj)
        if contacts is not None:
            obj.export_contacts = contacts.get(obj.pk, [])
        yield [column.value(obj) for column in columns]
