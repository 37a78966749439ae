"""Writes of the cadence app: follow-ups planned by the rules (after a follow-up, or a regular
touch), the relationship task after a decision maker left, and the rules themselves.

Planned follow-ups are pending FollowUp rows (next_due_on set) owned by the customer's owner (the
deal's owner for relationship tasks), written by the system: audited with no actor and the rule
or contact named in `extra`. They do not count as activity (no last_activity_at touch); the next
follow-up recorded on the same deal or customer closes them (activities.services).
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_diff, audit_record, audit_snapshot
from salestrack.cadence.models import FollowUpRule, PlannedFollowUp
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.models import Contact, Customer
from salestrack.deals.models import Deal
from salestrack.risks.models import RiskFlag
from salestrack.risks.services import risk_flag_raise

RULE_FIELDS = [
    "name",
    "trigger",
    "after_kinds",
    "every_days",
    "tiers",
    "followup_kind",
    "next_step",
    "due_within",
    "due_unit",
    "is_active",
]
PLANNED_FIELDS = ["customer", "deal", "owner", "kind", "occurred_at", "summary", "next_step"]
BULK_BATCH = 500


# Rules (admin settings) ------------------------------------------------------------------------


def _require_settings(actor: User) -> None:
    if not permissions_for(actor).has("manage_settings"):
        raise PermissionDenied(_("Your role may not do this."))


def _rule_check(rule: FollowUpRule) -> None:
    try:
        rule.full_clean()
    except ValidationError as exc:
        raise ApplicationError(
            "; ".join(" ".join(v) for v in exc.message_dict.values()),
            extra={"errors": exc.message_dict},
        ) from exc
    if not rule.tiers or set(rule.tiers) - set(Customer.Tier.values):
        raise ApplicationError(_("Choose the customer tiers the rule applies to."))
    if rule.trigger == FollowUpRule.Trigger.AFTER_FOLLOWUP:
        if not rule.after_kinds or set(rule.after_kinds) - set(FollowUp.Kind.values):
            raise ApplicationError(_("Choose the kinds of follow-up that start the rule."))
        rule.every_days = None
    else:
        if not rule.every_days:
            raise ApplicationError(_("Say every how many days the customer needs a touch."))
        rule.after_kinds = []


@transaction.atomic
def followup_rule_save(
    *, actor: User, data: dict[str, Any], rule: FollowUpRule | None = None
) -> FollowUpRule:
    """Create a rule, or change one; audited with the before/after of every field."""
    _require_settings(actor)
    unknown = set(data) - set(RULE_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown fields: {sorted(unknown)}")
    created = rule is None
    before = {} if created else audit_snapshot(FollowUpRule.objects.get(pk=rule.pk), RULE_FIELDS)
    rule = rule or FollowUpRule()
    for name, value in data.items():
        setattr(rule, name, sorted(value) if name in ("after_kinds", "tiers") else value)
    _rule_check(rule)
    rule.save()
    changes = audit_diff(before, audit_snapshot(rule, RULE_FIELDS))
    if created or changes:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            obj=rule,
            changes=changes,
        )
    return rule


@transaction.atomic
def followup_rule_delete(*, actor: User, rule: FollowUpRule) -> None:
    """Delete a rule; the follow-ups it planned stay (their link to the rule is cleared)."""
    _require_settings(actor)
    before = audit_snapshot(rule, RULE_FIELDS)
    audit_record(
        actor=actor, action=AuditEntry.Action.DELETE, obj=rule, changes=audit_diff(before, {})
    )
    rule.delete()


# Planning ----------------------------------------------------------------------------------------


def _site_language():
    """Text written into a record is in the site's language, whoever triggered the write."""
    return translation.override(settings.LANGUAGE_CODE)


def _plan(
    *,
    customer: Customer,
    deal: Deal | None,
    owner_id: int,
    team_id: int | None,
    kind: str,
    summary: str,
    next_step: str,
    due_on: date,
    occurred_at: datetime,
    rule: FollowUpRule | None = None,
    contact: Contact | None = None,
) -> FollowUp:
    followup = FollowUp.objects.create(
        customer=customer,
        deal=deal,
        owner_id=owner_id,
        team_id=team_id,
        kind=kind,
        occurred_at=occurred_at,
        summary=summary[:2000],
        next_step=next_step[:300],
        next_due_on=due_on,
        planned=True,
    )
    PlannedFollowUp.objects.create(
        followup=followup, customer=customer, rule=rule, contact=contact, deal=deal
    )
    if deal is not None:
        Deal.objects.filter(pk=deal.pk).filter(
            Q(next_due_on__isnull=True) | Q(next_due_on__gt=due_on)
        ).update(next_due_on=due_on)
    extra: dict[str, Any] = {"planned_by": "rule" if rule else "decision_maker_left"}
    if rule is not None:
        extra.update(rule_id=rule.pk, rule=rule.name)
    if contact is not None:
        extra.update(contact_id=contact.pk, contact=contact.name)
    audit_record(
        actor=None,
        action=AuditEntry.Action.CREATE,
        obj=followup,
        changes=audit_diff({}, audit_snapshot(followup, [*PLANNED_FIELDS, "next_due_on"])),
        extra=extra,
    )
    return followup


def _rule_summary(rule: FollowUpRule) -> str:
    with _site_language():
        return _("Planned by the follow-up rule “%(rule)s”.") % {"rule": rule.name}


def _has_pending(*, rule: FollowUpRule, customer: Customer, due_on: date) -> bool:
    """An equivalent follow-up is already waiting: planned by the same rule for the customer,
    not done, due no later than the one we would plan."""
    return PlannedFollowUp.objects.filter(
        rule=rule,
        customer=customer,
        followup__done_at__isnull=True,
        followup__next_due_on__lte=due_on,
    ).exists()


@transaction.atomic
def rules_apply_after_followup(*, followup_id: int, now: datetime | None = None) -> list[FollowUp]:
    """Plan what the active "after a follow-up" rules ask for after follow-up `followup_id`.

    The due date counts from when the follow-up happened (never before today). Customers in the
    public pool or in the trash get nothing; a planned follow-up goes on the same deal while it is
    open, else on the customer."""
    now = now or timezone.now()
    followup = FollowUp.objects.select_related("customer", "deal").filter(pk=followup_id).first()
    if followup is None or PlannedFollowUp.objects.filter(followup_id=followup_id).exists():
        return []
    customer = followup.customer
    if customer.deleted_at is not None or customer.in_pool_since is not None:
        return []
    deal = followup.deal
    if deal is not None and (deal.deleted_at is not None or deal.status != Deal.Status.OPEN):
        deal = None
    rules = FollowUpRule.objects.filter(is_active=True, trigger=FollowUpRule.Trigger.AFTER_FOLLOWUP)
    owner = User.objects.only("pk", "team_id").get(pk=customer.owner_id)
    planned = []
    for rule in rules:
        if not rule.applies_to(tier=customer.tier, kind=followup.kind):
            continue
        due_on = max(rule.due_on(followup.occurred_at), timezone.localdate(now))
        if _has_pending(rule=rule, customer=customer, due_on=due_on):
            continue
        planned.append(
            _plan(
                customer=customer,
                deal=deal,
                owner_id=owner.pk,
                team_id=owner.team_id,
                kind=rule.followup_kind,
                summary=_rule_summary(rule),
                next_step=rule.next_step,
                due_on=due_on,
                occurred_at=followup.occurred_at,
                rule=rule,
            )
        )
    return planned


def touch_rules_run(*, now: datetime | None = None) -> int:
    """Run every active "touch every N days" rule (the daily job); returns how many it planned."""
    now = now or timezone.now()
    rules = FollowUpRule.objects.filter(is_active=True, trigger=FollowUpRule.Trigger.EVERY_DAYS)
    return sum(touch_rule_run(rule=rule, now=now) for rule in rules)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def touch_candidates(*, rule: FollowUpRule, now: datetime) -> Iterable[tuple[int, int, int | None]]:
    """(customer id, owner id, owner's team id) of the customers of the rule's tiers that were not
    touched in the last N days (today counts) and have no pending follow-up due within them
    (overdue ones included). One query; trashed and pooled customers are left out."""
    today = timezone.localdate(now)
    days = max(rule.every_days or 1, 1)
    window_end = today + timedelta(days=days - 1)
    since = _local_midnight(today - timedelta(days=days - 1))
    pending = FollowUp.objects.filter(
        customer=OuterRef("pk"),
        done_at__isnull=True,
        next_due_on__isnull=False,
        next_due_on__lte=window_end,
    )
    return (
        Customer.objects.filter(tier__in=rule.tiers, in_pool_since__isnull=True)
        .filter(Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=since))
        .filter(~Exists(pending))
        .order_by("pk")
        .values_list("pk", "owner_id", "owner__team_id")
    )


@transaction.atomic
def touch_rule_run(*, rule: FollowUpRule, now: datetime | None = None) -> int:
    """Plan one touch per customer that needs it (see touch_candidates), in bulk: one read, two
    bulk inserts per BULK_BATCH customers and one audit entry naming the rule and the records."""
    now = now or timezone.now()
    if not rule.is_active or rule.trigger != FollowUpRule.Trigger.EVERY_DAYS:
        return 0
    due_on = rule.due_on(now)
    summary = _rule_summary(rule)
    rows = list(touch_candidates(rule=rule, now=now))
    followup_ids: list[int] = []
    for start in range(0, len(rows), BULK_BATCH):
        batch = rows[start : start + BULK_BATCH]
        followups = FollowUp.objects.bulk_create(
            [
                FollowUp(
                    customer_id=customer_id,
                    owner_id=owner_id,
                    team_id=team_id,
                    kind=rule.followup_kind,
                    occurred_at=now,
                    summary=summary,
                    next_step=rule.next_step,
                    next_due_on=due_on,
                    planned=True,
                )
                for customer_id, owner_id, team_id in batch
            ]
        )
        PlannedFollowUp.objects.bulk_create(
            [
                PlannedFollowUp(followup_id=f.pk, customer_id=f.customer_id, rule=rule)
                for f in followups
            ]
        )
        followup_ids.extend(f.pk for f in followups)
    if followup_ids:
        audit_record(
            actor=None,
            action=AuditEntry.Action.CREATE,
            object_type="activities.followup",
            object_label=summary,
            changes={"next_due_on": [None, due_on], "kind": [None, rule.followup_kind]},
            extra={
                "planned_by": "rule",
                "rule_id": rule.pk,
                "rule": rule.name,
                "followup_ids": followup_ids,
                "customer_ids": [row[0] for row in rows],
            },
        )
    return len(followup_ids)


# Relationship risk -------------------------------------------------------------------------------


def _departure_reason(contact: Contact, how: str) -> str:
    params = {"name": contact.name, "date": contact.left_company_on or ""}
    with _site_language():
        if how == "left_company":
            return _("Decision maker %(name)s left the company (%(date)s).") % params
        if how == "role_changed":
            return _("%(name)s is no longer the decision maker.") % params
        return _("Decision maker %(name)s was removed from the contacts.") % params


def _merged_reason(deal: Deal, reason: str) -> str:
    """An open "decision maker left" flag about someone else keeps its reason, with this added."""
    open_flag = RiskFlag.objects.filter(
        deal=deal, kind=RiskFlag.Kind.DECISION_MAKER_LEFT, resolved_at__isnull=True
    ).first()
    if open_flag is None or not open_flag.reason or reason in open_flag.reason:
        return reason
    return f"{open_flag.reason}\n{reason}"


@transaction.atomic
def relationship_risk_raise(
    *, contact_id: int, how: str, actor_id: int | None = None, now: datetime | None = None
) -> list[RiskFlag]:
    """A decision maker left or was replaced: raise "decision maker left" on each open deal of
    the customer (the reason names the contact) and give each deal's owner a follow-up to rebuild
    the relationship, due within SALESTRACK_DECISION_MAKER_LEFT_DUE_HOURS.

    Once per deal and contact: a deal that already had its task for this contact is skipped."""
    now = now or timezone.now()
    contact = Contact.all_objects.select_related("customer").filter(pk=contact_id).first()
    if contact is None or contact.customer.deleted_at is not None:
        return []
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    deals = list(
        Deal.objects.filter(customer_id=contact.customer_id, status=Deal.Status.OPEN)
        .exclude(pk__in=PlannedFollowUp.objects.filter(contact=contact).values("deal_id"))
        .select_related("owner")
        .order_by("pk")
    )
    reason = _departure_reason(contact, how)
    hours = settings.SALESTRACK_DECISION_MAKER_LEFT_DUE_HOURS
    due_on = timezone.localdate(now + timedelta(hours=hours))
    with _site_language():
        next_step = _("Rebuild the relationship: find out who decides now, after %(name)s.") % {
            "name": contact.name
        }
    flags = []
    for deal in deals:
        flags.append(
            risk_flag_raise(
                deal=deal,
                actor=actor,
                kind=RiskFlag.Kind.DECISION_MAKER_LEFT,
                reason=_merged_reason(deal, reason),
            )
        )
        _plan(
            customer=contact.customer,
            deal=deal,
            owner_id=deal.owner_id,
            team_id=deal.owner.team_id,
            kind=FollowUp.Kind.CALL,
            summary=reason,
            next_step=next_step,
            due_on=due_on,
            occurred_at=now,
            contact=contact,
        )
    return flags
