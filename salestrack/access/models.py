from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Record types a Share may point at (model._meta.label_lower).
SHAREABLE = ("deals.deal", "customers.customer")


class Share(models.Model):
    """A deal or customer shared with one colleague, read-only or editable, maybe until a time."""

    object_type = models.CharField(_("record type"), max_length=100)
    object_id = models.PositiveBigIntegerField(_("record id"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared with"),
        on_delete=models.CASCADE,
        related_name="shares",
    )
    can_edit = models.BooleanField(_("can edit"), default=False)
    expires_at = models.DateTimeField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        constraints = [
            # Also serves share_list_for: WHERE object_type = ? AND object_id = ?
            models.UniqueConstraint(
                fields=["object_type", "object_id", "user"], name="access_share_unique"
            ),
        ]
        indexes = [
            # Serves scope_filter's subquery: object_id WHERE user_id = ? AND object_type = ?
            # AND (expires_at IS NULL OR expires_at > now) [AND can_edit].
            models.Index(
                fields=["user", "object_type", "expires_at"], name="access_share_user_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type}#{self.object_id} → {self.user}"

    @staticmethod
    def target_model(object_type: str) -> type[models.Model]:
        """The model a share points at; LookupError for a type that cannot be shared."""
        if object_type not in SHAREABLE:
            raise LookupError(object_type)
        return apps.get_model(object_type)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
