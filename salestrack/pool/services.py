"""Writes of the public pool: release, the daily move of neglected customers, claim.

A pooled customer keeps `owner` (shown as the previous owner) until someone claims it; it leaves
the customer list (customers.selectors.customer_list) while it waits. Its deals are not touched:
open deals stay with whoever owns them, and a claim moves only the customer.
Every move is one PoolEvent row (claim limit, cooling period) and one entry in the customer's
history (audit trail).
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.models import FieldLevel
from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import AuditItem, audit_record, audit_record_many, json_safe
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.models import Customer
from salestrack.pool.models import PoolEvent
from salestrack.pool.selectors import (
    pool_claims_used,
    pool_cooling_until,
    pool_due_queryset,
    pool_may_use,
)

SWEEP_BATCH = 500


@transaction.atomic
def pool_release(*, customer: Customer, actor: User, reason: str = "") -> Customer:
    """Give the customer up to the pool (its owner, or a manager in whose scope it is: the
    caller loaded it with write scope). Releasing gives up ownership: it needs the edit level
    on the owner field, like a reassignment."""
    perms = permissions_for(actor)
    perms.require("customer", "edit")
    if perms.field_level("customer", "owner") != FieldLevel.EDIT:
        raise PermissionDenied(_("Your role may not change this field."))
    now = timezone.now()
    moved = Customer.objects.filter(pk=customer.pk, in_pool_since__isnull=True).update(
        in_pool_since=now, released_by=actor, version=F("version") + 1, updated_at=now
    )
    if not moved:
        raise ApplicationError(_("This customer is already in the public pool."))
    PoolEvent.objects.create(
        customer=customer,
        kind=PoolEvent.Kind.RELEASED,
        user=actor,
        previous_owner_id=customer.owner_id,
        reason=reason.strip()[:300],
        at=now,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes={"in_pool_since": [None, json_safe(now)], "released_by": [None, actor.pk]},
        extra={"pool": PoolEvent.Kind.RELEASED, "reason": reason.strip()},
    )
    customer.refresh_from_db()
    return customer


def pool_sweep(*, at: datetime.datetime | None = None) -> int:
    """Move every customer nobody followed up for SALESTRACK_POOL_DAYS[tier] into the pool (the
    daily job and `pool_sweep`). Batches of conditional UPDATEs; returns how many moved."""
    at = at or timezone.now()
    moved = 0
    while True:
        due = pool_due_queryset(at=at).order_by("pk").values("pk", "name", "owner_id")
        batch = list(due[:SWEEP_BATCH])
        if not batch:
            return moved
        moved += _sweep_batch(batch, at=at)


@transaction.atomic
def _sweep_batch(rows: list[dict], *, at: datetime.datetime) -> int:
    ids = [r["pk"] for r in rows]
    # The same conditional UPDATE as a claim: rows released or pooled meanwhile are skipped.
    still = set(
        Customer.objects.filter(pk__in=ids, in_pool_since__isnull=True).values_list("pk", flat=True)
    )
    Customer.objects.filter(pk__in=still).update(
        in_pool_since=at, released_by=None, version=F("version") + 1, updated_at=at
    )
    rows = [r for r in rows if r["pk"] in still]
    PoolEvent.objects.bulk_create(
        PoolEvent(
            customer_id=r["pk"],
            kind=PoolEvent.Kind.EXPIRED,
            previous_owner_id=r["owner_id"],
            at=at,
        )
        for r in rows
    )
    audit_record_many(
        actor=None,
        action=AuditEntry.Action.UPDATE,
        items=[
            AuditItem(
                object_type="customers.customer",
                object_id=r["pk"],
                object_label=r["name"],
                changes={"in_pool_since": [None, json_safe(at)]},
                extra={"pool": PoolEvent.Kind.EXPIRED},
            )
            for r in rows
        ],
    )
    return len(rows)


@transaction.atomic
def pool_claim(*, customer_id: int, actor: User) -> Customer:
    """Take a pooled customer: it becomes the actor's, and its follow-up clock restarts.

    Refused beyond SALESTRACK_POOL_CLAIM_LIMIT claims within SALESTRACK_POOL_CLAIM_WINDOW_DAYS,
    and for SALESTRACK_POOL_COOLING_DAYS to whoever released it or owned it when it went to the
    pool. Race-safe: the claim is one conditional UPDATE (... WHERE in_pool_since IS NOT NULL),
    so of two reps claiming at once exactly one gets the row.
    """
    if not pool_may_use(actor):
        raise ApplicationError(_("Your role may not claim customers from the public pool."))
    now = timezone.now()
    limit = settings.SALESTRACK_POOL_CLAIM_LIMIT
    if pool_claims_used(user=actor, at=now) >= limit:
        raise ApplicationError(
            _("You have claimed %(limit)s customers within %(days)s days, the most allowed.")
            % {"limit": limit, "days": settings.SALESTRACK_POOL_CLAIM_WINDOW_DAYS}
        )
    until = pool_cooling_until(user=actor, customer_id=customer_id, at=now)
    if until is not None:
        raise ApplicationError(
            _("You gave this customer up recently; you may claim it again from %(date)s.")
            % {"date": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")}
        )
    before = Customer.objects.filter(pk=customer_id).values("owner_id", "in_pool_since").first()
    claimed = Customer.objects.filter(pk=customer_id, in_pool_since__isnull=False).update(
        owner=actor,
        team_id=actor.team_id,
        in_pool_since=None,
        released_by=None,
        pool_claimed_at=now,
        version=F("version") + 1,
        updated_at=now,
    )
    if not claimed:
        raise ApplicationError(_("This customer is no longer in the public pool."))
    customer = Customer.objects.get(pk=customer_id)
    PoolEvent.objects.create(
        customer=customer,
        kind=PoolEvent.Kind.CLAIMED,
        user=actor,
        previous_owner_id=before["owner_id"],
        at=now,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes={
            "owner": [before["owner_id"], actor.pk],
            "in_pool_since": [json_safe(before["in_pool_since"]), None],
        },
        extra={"pool": PoolEvent.Kind.CLAIMED},
    )
    return customer
