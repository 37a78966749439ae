"""Writes for data hygiene (数据清洗): merging duplicate customers, archiving quiet ones.

A merge moves everything of one customer (contacts, deals, follow-ups — planned ones with their
planning records —, in the trash or not, its pool history and its tier proposals) to the one
that survives, takes the chosen field values over, and sends the merged-away customer to
the trash with a pointer to the survivor (restorable like any deleted customer). Both customers
keep their audit history; each gets an entry naming the other. Archiving is reversible and
only hides a customer from the default lists.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.bulk import audit_bulk_update, bulk_rows
from salestrack.access.models import FieldLevel
from salestrack.access.policy import permissions_for
from salestrack.access.scope import scope_queryset
from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import (
    AuditItem,
    audit_diff,
    audit_record,
    audit_record_many,
    audit_snapshot,
)
from salestrack.cadence.models import PlannedFollowUp
from salestrack.core.exceptions import ApplicationError, ConflictError
from salestrack.customers.models import Contact, Customer
from salestrack.customers.services import customer_refresh_search_key
from salestrack.deals.models import Deal
from salestrack.pool.models import PoolEvent
from salestrack.tiers.models import TierProposal

# The customer fields a merge lets the user pick from either record.
MERGE_FIELDS: tuple[str, ...] = (
    "name",
    "industry",
    "region",
    "size",
    "source",
    "budget",
    "tier",
    "owner",
    "pain_points",
)
# Taken over together with the field they explain.
_COMPANIONS = {"tier": ("tier_source", "tier_reason"), "owner": ("team",)}


def _conflict() -> ConflictError:
    return ConflictError(
        _("Someone else changed one of these customers after you opened them. Reload to see it.")
    )


@transaction.atomic
def customer_merge(
    *,
    survivor: Customer,
    merged: Customer,
    actor: User,
    survivor_version: int,
    merged_version: int,
    fields_from_merged: Iterable[str] = (),
) -> Customer:
    """Merge `merged` into `survivor`; all or nothing.

    Needs the edit right on customers and both customers in the actor's write scope, the
    delete right (the merged-away customer goes to the trash) and the edit level on every field
    taken from it. Either version having moved on refuses the whole merge.
    """
    perms = permissions_for(actor)
    perms.require("customer", "edit")
    perms.require("customer", "delete")
    if survivor.pk == merged.pk:
        raise ApplicationError(_("Choose two different customers."))
    taken = list(dict.fromkeys(fields_from_merged))
    unknown = set(taken) - set(MERGE_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown fields: {sorted(unknown)}")
    for name in taken:
        if perms.field_level("customer", name) != FieldLevel.EDIT:
            raise PermissionDenied(_("Your role may not change this field."))
    pks = [survivor.pk, merged.pk]
    writable = scope_queryset(actor, Customer.objects.filter(pk__in=pks), write=True)
    if writable.count() != 2:
        raise PermissionDenied(_("You may read this record but not change it."))
    # The stored rows (not the copies masked for display), locked until the end.
    rows = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=pks)}
    keep, gone = rows[survivor.pk], rows[merged.pk]
    if keep.version != survivor_version or gone.version != merged_version:
        raise _conflict()

    now = timezone.now()
    copied = [*taken, *(c for name in taken for c in _COMPANIONS.get(name, ()))]
    before = audit_snapshot(keep, taken)
    values = {f"{n}_id" if n in ("owner", "team") else n: getattr(gone, _attr(n)) for n in copied}
    activity = [a for a in (keep.last_activity_at, gone.last_activity_at) if a is not None]
    if activity:
        values["last_activity_at"] = max(activity)
    updated = Customer.objects.filter(pk=keep.pk, version=survivor_version).update(
        **values, version=F("version") + 1, updated_at=now
    )
    if not updated:
        raise _conflict()

    moved_contacts = list(Contact.all_objects.filter(customer=gone).order_by("id"))
    moved_deals = list(Deal.all_objects.filter(customer=gone).order_by("id"))
    Contact.all_objects.filter(customer=gone).update(customer=keep, updated_at=now)
    Deal.all_objects.filter(customer=gone).update(
        customer=keep, version=F("version") + 1, updated_at=now
    )
    followups = FollowUp.objects.filter(customer=gone).update(customer=keep)
    planned = PlannedFollowUp.objects.filter(customer=gone).update(customer=keep)
    pool_events = PoolEvent.objects.filter(customer=gone).update(customer=keep)
    proposals = _merge_tier_proposals(keep=keep, gone=gone, tier=values.get("tier", keep.tier))
    # Customers merged into the one going away earlier now point at the survivor.
    Customer.all_objects.filter(merged_into=gone).update(merged_into=keep)
    trashed = Customer.objects.filter(pk=gone.pk, version=merged_version).update(
        deleted_at=now,
        deleted_by=actor,
        merged_into=keep,
        version=F("version") + 1,
        updated_at=now,
    )
    if not trashed:
        raise _conflict()

    keep.refresh_from_db()
    customer_refresh_search_key(keep)
    moved = {
        "contacts": len(moved_contacts),
        "deals": len(moved_deals),
        "followups": followups,
        "planned_followups": planned,
        "pool_events": pool_events,
        **proposals,
    }
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=keep,
        changes=audit_diff(before, audit_snapshot(keep, taken)),
        extra={"event": "merge", "merged_from": gone.pk, "merged_from_name": gone.name, **moved},
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=gone,
        object_label=_("%(name)s (merged into #%(id)d)") % {"name": gone.name, "id": keep.pk},
        changes={"deleted_at": [None, now], "merged_into": [None, keep.pk]},
        extra={"event": "merge", "merged_into": keep.pk, "merged_into_name": keep.name, **moved},
    )
    audit_record_many(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        items=[
            AuditItem(
                obj=record,
                changes={"customer": [gone.pk, keep.pk]},
                extra={"event": "merge", "customer_id": keep.pk, "merged_from": gone.pk},
            )
            for record in [*moved_contacts, *moved_deals]
        ],
    )
    return keep


def _merge_tier_proposals(*, keep: Customer, gone: Customer, tier: str) -> dict[str, int]:
    """Decided proposals move with their history. An open proposal stays open only if it
    still starts from the survivor's tier after the merge (`tier`), one per customer (the
    survivor's own first); the others are removed — the daily job proposes afresh."""
    stale = TierProposal.objects.filter(
        customer__in=[keep, gone], decision=TierProposal.Decision.OPEN
    ).exclude(from_tier=tier)
    removed, _by_model = stale.delete()
    if TierProposal.objects.filter(customer=keep, decision=TierProposal.Decision.OPEN).exists():
        more, _by_model = TierProposal.objects.filter(
            customer=gone, decision=TierProposal.Decision.OPEN
        ).delete()
        removed += more
    moved = TierProposal.objects.filter(customer=gone).update(customer=keep)
    return {"tier_proposals": moved, "tier_proposals_removed": removed}


def _attr(name: str) -> str:
    return f"{name}_id" if name in ("owner", "team") else name


def _set_archived(*, actor: User, ids: list[int], archive: bool) -> int:
    """Archive (or bring back) the selected customers; those already so are left alone."""
    rows = bulk_rows(
        actor=actor,
        qs=Customer.objects.all(),
        object_type="customer",
        ids=ids,
        fields=["archived_at"],
        read=("name",),
    )
    rows = [r for r in rows if (r["archived_at"] is None) == archive]
    if not rows:
        return 0
    value = timezone.now() if archive else None
    Customer.objects.filter(pk__in=[r["pk"] for r in rows]).update(
        archived_at=value, version=F("version") + 1, updated_at=timezone.now()
    )
    audit_bulk_update(
        actor=actor,
        object_type="customers.customer",
        rows=rows,
        after={"archived_at": value},
        label="name",
    )
    return len(rows)


@transaction.atomic
def customer_bulk_archive(*, actor: User, ids: list[int]) -> int:
    """Archive many customers at once (bulk and edit rights; all or nothing; audited per row)."""
    return _set_archived(actor=actor, ids=ids, archive=True)


@transaction.atomic
def customer_bulk_unarchive(*, actor: User, ids: list[int]) -> int:
    return _set_archived(actor=actor, ids=ids, archive=False)


@transaction.atomic
def customer_unarchive(*, customer: Customer, actor: User) -> Customer:
    """Bring one archived customer back to the lists (the edit right is enough)."""
    permissions_for(actor).require("customer", "edit")
    if customer.archived_at is None:
        raise ApplicationError(_("This customer is not archived."))
    before = audit_snapshot(customer, ["archived_at"])
    Customer.objects.filter(pk=customer.pk).update(
        archived_at=None, version=F("version") + 1, updated_at=timezone.now()
    )
    customer.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes=audit_diff(before, audit_snapshot(customer, ["archived_at"])),
    )
    return customer
