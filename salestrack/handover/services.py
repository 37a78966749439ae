"""Hand-over (离职交接): move everything a leaver owns to a colleague in one action.

What moves: ALL customers and ALL deals (open and closed) owned by `from_user`, and their OPEN
follow-ups (done_at is null); finished follow-ups stay with whoever did the work.

Records in the trash (deleted_at set) move too: restoring one later must not bring back the
leaver's ownership, so the querysets go through `all_objects`.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.decorators import has_capability
from salestrack.access.scope import with_field_policy
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
from salestrack.core.exceptions import ApplicationError, ConflictError
from salestrack.customers.models import Customer
from salestrack.deals.models import Deal
from salestrack.handover.models import HandOver
from salestrack.handover.selectors import handover_from_users, handover_to_users

PREVIEW_ROWS = 20
HANDOVER_FIELDS = [
    "from_user",
    "to_user",
    "customers",
    "deals",
    "followups",
    "deactivated",
    "note",
]


def may_hand_over(user: User) -> bool:
    """The role's "hand over" right (access.policy); scope still limits whose records."""
    return has_capability(user, "handover")


@dataclass(frozen=True)
class HandOverPreview:
    from_user: User
    to_user: User
    customers: int
    deals: int
    followups: int
    sample_customers: list[Customer]
    sample_deals: list[Deal]
    sample_followups: list[FollowUp]

    @property
    def counts(self) -> tuple[int, int, int]:
        return (self.customers, self.deals, self.followups)


def _customers(from_user: User) -> QuerySet[Customer]:
    return Customer.all_objects.filter(owner=from_user)


def _deals(from_user: User) -> QuerySet[Deal]:
    return Deal.all_objects.filter(owner=from_user)


def _followups(from_user: User) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(owner=from_user, done_at__isnull=True)


def _check(*, actor: User, from_user: User, to_user: User) -> None:
    """The refusals shared by preview and execute; each raises before anything is written."""
    if not may_hand_over(actor):
        raise ApplicationError(_("Only administrators and managers can hand over records."))
    if from_user.pk == to_user.pk:
        raise ApplicationError(
            _("Choose someone else to take over: the records already belong to %(name)s.")
            % {"name": from_user}
        )
    if not to_user.is_active:
        raise ApplicationError(
            _("%(name)s is no longer active and cannot take over records.") % {"name": to_user}
        )
    if not handover_from_users(actor=actor).filter(pk=from_user.pk).exists():
        raise ApplicationError(_("%(name)s is outside your teams.") % {"name": from_user})
    if not handover_to_users(actor=actor).filter(pk=to_user.pk).exists():
        raise ApplicationError(_("%(name)s is outside your teams.") % {"name": to_user})


def _nothing_to_hand_over(from_user: User) -> ApplicationError:
    return ApplicationError(
        _("%(name)s has no customers, deals or open follow-ups to hand over.") % {"name": from_user}
    )


def handover_preview(*, actor: User, from_user: User, to_user: User) -> HandOverPreview:
    """What handover_execute would move: the counts and the first rows of each kind."""
    _check(actor=actor, from_user=from_user, to_user=to_user)
    customers, deals, followups = _customers(from_user), _deals(from_user), _followups(from_user)
    preview = HandOverPreview(
        from_user=from_user,
        to_user=to_user,
        customers=customers.count(),
        deals=deals.count(),
        followups=followups.count(),
        # Shown to the actor: through their field policy, like every other page.
        sample_customers=list(
            with_field_policy(actor, customers.order_by("name", "id")[:PREVIEW_ROWS])
        ),
        sample_deals=list(
            with_field_policy(
                actor,
                deals.select_related("customer", "stage").order_by("-updated_at", "-id")[
                    :PREVIEW_ROWS
                ],
            )
        ),
        sample_followups=list(
            with_field_policy(
                actor,
                followups.select_related("customer", "deal").order_by("next_due_on", "id")[
                    :PREVIEW_ROWS
                ],
            )
        ),
    )
    if not any(preview.counts):
        raise _nothing_to_hand_over(from_user)
    return preview


def _move(qs: QuerySet, *, expected: int, **values) -> None:
    """One UPDATE in the database; a different row count means the rows changed under us."""
    if qs.update(**values) != expected:
        raise ConflictError(_("The records changed during the hand-over. Please try again."))


def _audit_moved(rows: list[Model], *, actor: User, to_user: User, handover: HandOver) -> None:
    after = {"owner": to_user.pk, "team": to_user.team_id}
    audit_record_many(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        items=[
            AuditItem(
                obj=row,
                changes=audit_diff({"owner": row.owner_id, "team": row.team_id}, after),
                extra={"handover_id": handover.pk},
            )
            for row in rows
        ],
    )


@transaction.atomic
def handover_execute(
    *,
    actor: User,
    from_user: User,
    to_user: User,
    expected_counts: tuple[int, int, int],
    deactivate: bool = False,
    note: str = "",
) -> HandOver:
    """Move the records the preview showed, write the log row and the audit entries.

    Refuses (ConflictError, nothing written) when the counts differ from `expected_counts`,
    the counts of the preview the user confirmed.
    """
    _check(actor=actor, from_user=from_user, to_user=to_user)
    if deactivate and from_user.pk == actor.pk:
        raise ApplicationError(_("You cannot deactivate your own account."))
    # Lock the rows that move (PostgreSQL; SQLite's IMMEDIATE transaction holds the write lock)
    # and keep what the audit entries need from each.
    customers = list(_customers(from_user).select_for_update().only("name", "owner", "team"))
    deals = list(_deals(from_user).select_for_update().only("title", "owner", "team"))
    followups = list(
        _followups(from_user).select_for_update().only("kind", "occurred_at", "owner", "team")
    )
    counts = (len(customers), len(deals), len(followups))
    if not any(counts):
        raise _nothing_to_hand_over(from_user)
    if counts != tuple(expected_counts):
        raise ConflictError(
            _(
                "The records of %(name)s changed since the preview (now customers: %(customers)d,"
                " deals: %(deals)d, open follow-ups: %(followups)d). Check the new preview and"
                " confirm again."
            )
            % {
                "name": from_user,
                "customers": counts[0],
                "deals": counts[1],
                "followups": counts[2],
            }
        )

    now = timezone.now()
    moved = {"owner": to_user, "team_id": to_user.team_id, "updated_at": now}
    versioned = {**moved, "version": F("version") + 1}
    _move(_customers(from_user), expected=counts[0], **versioned)
    _move(_deals(from_user), expected=counts[1], **versioned)
    _move(_followups(from_user), expected=counts[2], **moved)

    deactivated = False
    if deactivate and from_user.is_active:
        User.objects.filter(pk=from_user.pk).update(is_active=False)
        from_user.is_active = False
        deactivated = True

    handover = HandOver.objects.create(
        from_user=from_user,
        to_user=to_user,
        actor=actor,
        at=now,
        customers=counts[0],
        deals=counts[1],
        followups=counts[2],
        deactivated=deactivated,
        note=note.strip(),
    )
    for rows in (customers, deals, followups):
        _audit_moved(rows, actor=actor, to_user=to_user, handover=handover)
    if deactivated:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=from_user,
            changes={"is_active": [True, False]},
            extra={"handover_id": handover.pk},
        )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=handover,
        changes=audit_diff({}, audit_snapshot(handover, HANDOVER_FIELDS)),
    )
    return handover
