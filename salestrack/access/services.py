from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.models import SHAREABLE, FieldLevel, Scope, Share
from salestrack.access.policy import object_type_of, permissions_for
from salestrack.access.scope import scope_condition
from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_record, audit_snapshot
from salestrack.core.exceptions import ApplicationError

SHARE_FIELDS = ["user", "can_edit", "expires_at"]


def share_can_manage(*, obj: Model, actor: User) -> bool:
    """The owner (if their role edits such records), or a role that reaches the record and may
    reassign it (edit level on `owner`): sharing hands out access, like a change of owner."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    kind = object_type_of(type(obj))
    perms = permissions_for(actor)
    if not perms.can(kind, "edit"):
        return False
    if obj.owner_id == actor.pk:
        return True
    scope = perms.scope(kind)
    if scope in (Scope.NONE, Scope.OWN) or perms.field_level(kind, "owner") != FieldLevel.EDIT:
        return False
    condition = scope_condition(actor, scope)
    qs = type(obj)._base_manager.filter(pk=obj.pk)
    return condition is None or qs.filter(condition).exists()


@transaction.atomic
def share_grant(
    *, obj: Model, user: User, can_edit: bool, expires_at: datetime | None, actor: User
) -> Share:
    """Share a deal or customer with a colleague; sharing again replaces the earlier terms."""
    object_type = obj._meta.label_lower
    if object_type not in SHAREABLE:
        raise ApplicationError(_("Only deals and customers can be shared."))
    if not share_can_manage(obj=obj, actor=actor):
        raise ApplicationError(
            _("Only the owner, their manager or an administrator can share this record.")
        )
    if user.pk == obj.owner_id:
        raise ApplicationError(_("%(name)s owns this record already.") % {"name": user})
    if not user.is_active:
        raise ApplicationError(_("%(name)s is no longer active.") % {"name": user})
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(_("The share would end in the past. Choose a later date."))
    share = (
        Share.objects.select_for_update()
        .filter(object_type=object_type, object_id=obj.pk, user=user)
        .first()
    )
    before = audit_snapshot(share, SHARE_FIELDS) if share else {}
    if share is None:
        share = Share(object_type=object_type, object_id=obj.pk, user=user, created_by=actor)
    share.can_edit = can_edit
    share.expires_at = expires_at
    share.save()
    after = audit_snapshot(share, SHARE_FIELDS)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.PERMISSION_CHANGE,
        obj=obj,
        changes={f"share.{k}": [before.get(k), v] for k, v in after.items() if before.get(k) != v},
        extra={"event": "share_grant", "share_id": share.pk, "user": user.get_username()},
    )
    return share


@transaction.atomic
def share_revoke(*, share: Share, actor: User) -> None:
    model = Share.target_model(share.object_type)
    obj = model._base_manager.get(pk=share.object_id)
    if not share_can_manage(obj=obj, actor=actor):
        raise ApplicationError(
            _("Only the owner, their manager or an administrator can revoke this share.")
        )
    before = audit_snapshot(share, SHARE_FIELDS)
    share_id = share.pk
    share.delete()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.PERMISSION_CHANGE,
        obj=obj,
        changes={f"share.{k}": [v, None] for k, v in before.items()},
        extra={"event": "share_revoke", "share_id": share_id, "user": share.user.get_username()},
    )


@transaction.atomic
def share_delete_expired(*, older_than_days: int, actor: User | None = None) -> int:
    """Delete the shares that ended more than `older_than_days` ago (until then the "Shared
    with" card lists them as expired); each one is audited on its record like a revoke."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    removed = 0
    shares = Share.objects.select_for_update().filter(expires_at__lt=cutoff)
    for share in shares.select_related("user").order_by("id"):
        before = audit_snapshot(share, SHARE_FIELDS)
        share_id = share.pk
        obj = Share.target_model(share.object_type)._base_manager.filter(pk=share.object_id).first()
        share.delete()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.PERMISSION_CHANGE,
            obj=obj,
            object_type=share.object_type,
            object_id=share.object_id,
            changes={f"share.{k}": [v, None] for k, v in before.items()},
            extra={
                "event": "share_cleanup",
                "share_id": share_id,
                "user": share.user.get_username(),
                "older_than_days": older_than_days,
            },
        )
        removed += 1
    return removed
