"""Tier writes: the bulk recompute, manual overrides, and proposals (generate, accept, dismiss).

Every tier change is written to the customer's history (audit trail): recomputes directly
(one UPDATE per old/new tier pair, then one entry per changed customer), overrides and
accepted proposals through customers.services.customer_update.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.models import FieldLevel
from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_record
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.models import Customer
from salestrack.customers.services import customer_update
from salestrack.deals.models import StageChange
from salestrack.pipeline.models import Stage
from salestrack.tiers.models import TierProposal
from salestrack.tiers.rules import tier_score
from salestrack.tiers.selectors import (
    customer_tier_auto,
    tier_facts_annotate,
    tier_facts_of,
    typical_deal_amount,
)

RECOMPUTE_BATCH = 2000
TIER_ORDER = ["C", "B", "A"]


def _tier_step(tier: str, step: int) -> str:
    index = TIER_ORDER.index(tier) + step
    return TIER_ORDER[max(0, min(index, len(TIER_ORDER) - 1))]


def tier_recompute(*, customer_ids: list[int] | None = None) -> int:
    """Apply the rules to every customer whose tier is set by the rules; returns how many
    changed. Facts come from one annotated query per batch; no per-customer deal queries."""
    typical = typical_deal_amount()
    today = timezone.localdate()
    qs = Customer.objects.filter(tier_source=Customer.TierSource.AUTO)
    if customer_ids is not None:
        qs = qs.filter(pk__in=customer_ids)
    rows = tier_facts_annotate(qs).values(
        "pk", "name", "tier", "budget", "top_probability", "next_close_date"
    )
    changed = 0
    batch: list[dict] = []
    for row in rows.order_by("pk").iterator(chunk_size=RECOMPUTE_BATCH):
        batch.append(row)
        if len(batch) >= RECOMPUTE_BATCH:
            changed += _apply_batch(batch, typical=typical, today=today)
            batch = []
    if batch:
        changed += _apply_batch(batch, typical=typical, today=today)
    return changed


@transaction.atomic
def _apply_batch(rows: list[dict], *, typical, today) -> int:
    moves: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        result = tier_score(tier_facts_of(row, typical=typical, today=today))
        if result.tier != row["tier"]:
            row["reasons"] = [r.as_json() for r in result.reasons]
            moves[(row["tier"], result.tier)].append(row)
    changed = 0
    now = timezone.now()
    for (old, new), group in moves.items():
        ids = [r["pk"] for r in group]
        # Only rows still set by the rules and still at the tier read above.
        still = Customer.objects.filter(pk__in=ids, tier=old, tier_source=Customer.TierSource.AUTO)
        moved = set(still.values_list("pk", flat=True))
        Customer.objects.filter(pk__in=moved).update(
            tier=new, version=F("version") + 1, updated_at=now
        )
        for row in group:
            if row["pk"] not in moved:
                continue
            audit_record(
                actor=None,
                action=AuditEntry.Action.UPDATE,
                object_type="customers.customer",
                object_id=row["pk"],
                object_label=row["name"],
                changes={"tier": [old, new]},
                extra={"tier_rules": row["reasons"]},
            )
        changed += len(moved)
    return changed


def _require_edit(actor: User) -> None:
    """Changing a tier by hand needs the edit level on the tier field."""
    perms = permissions_for(actor)
    perms.require("customer", "edit")
    if perms.field_level("customer", "tier") != FieldLevel.EDIT:
        raise PermissionDenied(_("Your role may not change this field."))


@transaction.atomic
def customer_tier_override(
    *, customer: Customer, actor: User, tier: str, reason: str, expected_version: int
) -> Customer:
    """Set the tier by hand, with a reason; it stays until the override is cleared."""
    _require_edit(actor)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Give a reason for the manual tier."))
    data = {"tier": tier, "tier_source": Customer.TierSource.MANUAL, "tier_reason": reason}
    return customer_update(
        customer=customer, actor=actor, expected_version=expected_version, data=data
    )


@transaction.atomic
def customer_tier_clear_override(
    *, customer: Customer, actor: User, expected_version: int
) -> Customer:
    """Hand the tier back to the rules (applied at once)."""
    _require_edit(actor)
    auto = customer_tier_auto(customer=customer)
    data = {"tier": auto.tier, "tier_source": Customer.TierSource.AUTO, "tier_reason": ""}
    return customer_update(
        customer=customer, actor=actor, expected_version=expected_version, data=data
    )


def _stage_ordinal(stage_ref: str) -> Coalesce:
    """How many open/won stages of the pipeline come before the referenced stage."""
    before = (
        Stage.objects.filter(
            pipeline=OuterRef(f"{stage_ref}__pipeline"),
            kind__in=[Stage.Kind.OPEN, Stage.Kind.WON],
            position__lt=OuterRef(f"{stage_ref}__position"),
        )
        .order_by()
        .values("pipeline")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(before, output_field=IntegerField()), 0)


def fast_advancing_deals(*, since: datetime.datetime, min_stages: int) -> list[dict]:
    """Deals whose stage moves since `since` add up to at least `min_stages` stages forward
    (backward moves count against; moves to or from a lost stage do not count).

    One grouped query over the StageChange rows of the window."""
    return list(
        StageChange.objects.filter(
            entered_at__gte=since,
            from_stage__isnull=False,
            deal__deleted_at__isnull=True,
            deal__customer__deleted_at__isnull=True,
        )
        .exclude(to_kind=Stage.Kind.LOST)
        .exclude(from_kind=Stage.Kind.LOST)
        .annotate(step=_stage_ordinal("to_stage") - _stage_ordinal("from_stage"))
        .values("deal_id", "deal__title", "deal__customer_id")
        .annotate(stages=Sum("step"))
        .filter(stages__gte=min_stages)
        .order_by("deal_id")
    )


def tier_proposals_generate(*, now: datetime.datetime | None = None) -> int:
    """Make proposals: downgrade A customers without a follow-up for DOWNGRADE_DAYS, upgrade
    customers whose deal advanced UPGRADE_STAGES stages within UPGRADE_DAYS. Idempotent: a
    customer with an open proposal gets no second one; a dismissed change is not proposed again
    for SNOOZE_DAYS. Customers in the public pool are left out. Returns how many were made."""
    now = now or timezone.now()
    snooze_since = now - datetime.timedelta(days=settings.SALESTRACK_TIER_SNOOZE_DAYS)
    candidates = Customer.objects.filter(in_pool_since__isnull=True).exclude(
        pk__in=TierProposal.objects.filter(decision="").values("customer_id")
    )
    proposals: list[TierProposal] = []

    days = settings.SALESTRACK_TIER_DOWNGRADE_DAYS
    quiet = (
        candidates.filter(tier=Customer.Tier.A)
        .annotate(last=Coalesce("last_activity_at", "created_at"))
        .filter(last__lte=now - datetime.timedelta(days=days))
        .exclude(
            Exists(
                TierProposal.objects.filter(
                    customer=OuterRef("pk"),
                    to_tier=Customer.Tier.B,
                    decision=TierProposal.Decision.DISMISSED,
                    decided_at__gte=snooze_since,
                )
            )
        )
    )
    for c in quiet.values("pk", "tier", "last"):
        since = timezone.localtime(c["last"]).date().isoformat()
        idle = (now - c["last"]).days
        proposals.append(
            TierProposal(
                customer_id=c["pk"],
                kind=TierProposal.Kind.DOWNGRADE,
                from_tier=c["tier"],
                to_tier=_tier_step(c["tier"], -1),
                reasons=[{"code": "no_response", "params": {"days": idle, "since": since}}],
            )
        )

    upgrade_days = settings.SALESTRACK_TIER_UPGRADE_DAYS
    fast = fast_advancing_deals(
        since=now - datetime.timedelta(days=upgrade_days),
        min_stages=settings.SALESTRACK_TIER_UPGRADE_STAGES,
    )
    by_customer: dict[int, list[dict]] = defaultdict(list)
    for row in fast:
        by_customer[row["deal__customer_id"]].append(row)
    eligible = candidates.filter(pk__in=list(by_customer)).exclude(tier=Customer.Tier.A)
    for c in eligible.values("pk", "tier"):
        to_tier = _tier_step(c["tier"], +1)
        if _is_snoozed(c["pk"], to_tier, snooze_since):
            continue
        reasons = [
            {
                "code": "fast_advance",
                "params": {"deal": r["deal__title"], "stages": r["stages"], "days": upgrade_days},
            }
            for r in by_customer[c["pk"]]
        ]
        proposals.append(
            TierProposal(
                customer_id=c["pk"],
                kind=TierProposal.Kind.UPGRADE,
                from_tier=c["tier"],
                to_tier=to_tier,
                reasons=reasons,
            )
        )
    created = TierProposal.objects.bulk_create(proposals, ignore_conflicts=True)
    return len(created)


def _is_snoozed(customer_id: int, to_tier: str, since: datetime.datetime) -> bool:
    """A change to `to_tier` was dismissed since `since` (few upgrade candidates a day)."""
    return TierProposal.objects.filter(
        customer_id=customer_id,
        to_tier=to_tier,
        decision=TierProposal.Decision.DISMISSED,
        decided_at__gte=since,
    ).exists()


def _decide(*, proposal: TierProposal, actor: User, decision: str) -> None:
    """Close the proposal with a compare-and-set: only the first decision counts."""
    _require_edit(actor)
    decided = TierProposal.objects.filter(pk=proposal.pk, decision="").update(
        decision=decision, decided_by=actor, decided_at=timezone.now()
    )
    if not decided:
        raise ApplicationError(_("This proposal was already decided."))
    proposal.refresh_from_db(fields=["decision", "decided_by", "decided_at"])


@transaction.atomic
def tier_proposal_accept(*, proposal: TierProposal, actor: User) -> Customer:
    """Give the customer the proposed tier, as a manual tier whose reason is the proposal's
    (so the daily recompute does not undo the decision)."""
    _decide(proposal=proposal, actor=actor, decision=TierProposal.Decision.ACCEPTED)
    customer = proposal.customer
    reasons = " ".join(proposal.reason_texts)
    reason = _("Accepted proposal: %(reasons)s") % {"reasons": reasons}
    data = {
        "tier": proposal.to_tier,
        "tier_source": Customer.TierSource.MANUAL,
        "tier_reason": reason[:300],
    }
    return customer_update(
        customer=customer, actor=actor, expected_version=customer.version, data=data
    )


@transaction.atomic
def tier_proposal_dismiss(*, proposal: TierProposal, actor: User) -> TierProposal:
    """Close the proposal without changing the tier; noted in the customer's history."""
    _decide(proposal=proposal, actor=actor, decision=TierProposal.Decision.DISMISSED)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=proposal.customer,
        changes={"tier_proposal": [f"{proposal.from_tier} → {proposal.to_tier}", "dismissed"]},
        extra={"tier_proposal_id": proposal.pk, "reasons": proposal.reasons},
    )
    return proposal
