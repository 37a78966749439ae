from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salestrack.core.exceptions import ApplicationError

GENESIS_HASH = "0" * 64


class AppendOnlyError(ApplicationError):
    """An audit entry was about to be changed or deleted."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries are append-only: they cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Audit entries are append-only: they cannot be deleted.")


class AuditEntry(models.Model):
    """One entry of the append-only audit trail, chained to the previous one by `prev_hash`.

    Written only by audit.services.audit_record; checked by audit.selectors.audit_verify.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Delete")
        VIEW = "view", _("View")
        EXPORT = "export", _("Export")
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKOUT = "lockout", _("Locked out")
        PERMISSION_CHANGE = "permission_change", _("Permission change")
        REVERT = "revert", _("Revert")
        RESTORE = "restore", _("Restore")
        PURGE = "purge", _("Purge")

    seq = models.PositiveBigIntegerField(_("number"), unique=True, editable=False)
    at = models.DateTimeField(_("when"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # Kept when the user is deleted; the hash covers this label, not the (nullable) FK.
    actor_label = models.CharField(_("user name"), max_length=150, blank=True, editable=False)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, editable=False)
    object_type = models.CharField(_("record type"), max_length=100, blank=True, editable=False)
    object_id = models.CharField(_("record id"), max_length=64, blank=True, editable=False)
    object_label = models.CharField(_("record"), max_length=200, blank=True, editable=False)
    changes = models.JSONField(_("changes"), default=dict, blank=True, editable=False)
    extra = models.JSONField(_("details"), default=dict, blank=True, editable=False)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]
        default_permissions = ("view",)
        indexes = [
            # audit_history_for (History card) and audit_search(object_type=, object_id=)
            models.Index(fields=["object_type", "object_id", "seq"], name="audit_object_seq"),
            # audit_search(actor_id=, since=, until=)
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            # audit_search(since=, until=) without other filters
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries are append-only: they cannot be deleted.")


class AuditChainHead(models.Model):
    """The single row (pk=1) holding the chain's last seq and hash.

    audit_record locks it (select_for_update on PostgreSQL; SQLite's IMMEDIATE write
    transaction serialises writers) so two writers never take the same predecessor, and
    audit_verify compares it with the last entry, which detects rows cut off the end.
    """

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        default_permissions = ()
