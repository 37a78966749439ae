from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.activities.signals import followup_recorded
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_diff, audit_record, audit_snapshot
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.models import Customer
from salestrack.deals.models import Deal

FOLLOWUP_FIELDS = ["kind", "customer_words", "next_step", "next_due_on", "resources_needed"]


def _clean(followup: FollowUp) -> None:
    try:
        followup.full_clean(exclude=["owner", "team", "customer", "deal"])
    except ValidationError as exc:
        raise ApplicationError(
            "; ".join(" ".join(v) for v in exc.message_dict.values()),
            extra={"errors": exc.message_dict},
        ) from exc


def _check_dates(occurred_at: datetime, next_due_on: date | None) -> None:
    now = timezone.now()
    if occurred_at > now + timezone.timedelta(minutes=5):
        raise ApplicationError(_("A follow-up cannot happen in the future."))
    if next_due_on and next_due_on < timezone.localdate(occurred_at):
        raise ApplicationError(_("The next follow-up cannot be due before this one."))


@transaction.atomic
def followup_create(
    *,
    actor: User,
    summary: str,
    customer: Customer | None = None,
    deal: Deal | None = None,
    occurred_at: datetime | None = None,
    **data: Any,
) -> FollowUp:
    """Record a follow-up; it closes earlier pending ones on the same deal (or customer)."""
    permissions_for(actor).require("followup", "create")
    unknown = set(data) - set(FOLLOWUP_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown fields: {sorted(unknown)}")
    if deal is None and customer is None:
        raise ApplicationError(_("A follow-up needs a customer or a deal."))
    if deal is not None:
        if customer is not None and customer.pk != deal.customer_id:
            raise ApplicationError(_("That deal belongs to another customer."))
        customer = deal.customer
    occurred_at = occurred_at or timezone.now()
    _check_dates(occurred_at, data.get("next_due_on"))
    followup = FollowUp(
        customer=customer,
        deal=deal,
        owner=actor,
        team_id=actor.team_id,
        occurred_at=occurred_at,
        summary=summary,
        **data,
    )
    _clean(followup)
    followup.save()
    same_thread = Q(deal=deal) if deal is not None else Q(customer=customer, deal__isnull=True)
    FollowUp.objects.filter(
        same_thread, done_at__isnull=True, occurred_at__lte=occurred_at
    ).exclude(pk=followup.pk).update(done_at=occurred_at)
    _touch(customer=customer, deal=deal, followup=followup)
    created = ["customer", "deal", "occurred_at", "summary", *data]
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=followup,
        changes=audit_diff({}, audit_snapshot(followup, created)),
    )
    followup_id, actor_id = followup.pk, actor.pk
    transaction.on_commit(
        lambda: followup_recorded.send(sender=FollowUp, followup_id=followup_id, actor_id=actor_id),
        robust=True,
    )
    return followup


def _touch(*, customer: Customer, deal: Deal | None, followup: FollowUp) -> None:
    Customer.objects.filter(pk=customer.pk).filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=followup.occurred_at)
    ).update(last_activity_at=followup.occurred_at)
    if deal is None:
        return
    values: dict[str, Any] = {"next_due_on": followup.next_due_on}
    Deal.objects.filter(pk=deal.pk).filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lte=followup.occurred_at)
    ).update(last_activity_at=followup.occurred_at, **values)


@transaction.atomic
def followup_mark_done(*, followup: FollowUp, actor: User) -> FollowUp:
    permissions_for(actor).require("followup", "edit")
    before = audit_snapshot(followup, ["done_at"])
    FollowUp.objects.filter(pk=followup.pk, done_at__isnull=True).update(done_at=timezone.now())
    followup.refresh_from_db()
    changes = audit_diff(before, audit_snapshot(followup, ["done_at"]))
    if changes:
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=followup, changes=changes)
    if followup.deal_id:
        Deal.objects.filter(pk=followup.deal_id, next_due_on=followup.next_due_on).update(
            next_due_on=None
        )
    return followup
