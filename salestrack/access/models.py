from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
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


class Scope(models.TextChoices):
    """Which records of a type a role reaches (shares come on top of it)."""

    NONE = "none", _("None")
    OWN = "own", _("Own records")
    TEAM = "team", _("Own team")
    SUBTREE = "subtree", _("Own team and sub-teams")
    ALL = "all", _("All records")


class FieldLevel(models.TextChoices):
    HIDDEN = "hidden", _("Hidden")
    MASKED = "masked", _("Masked")
    READ = "read", _("Read")
    EDIT = "edit", _("Edit")


class Role(models.Model):
    """A named set of permissions; users point at it by `key` (User.role)."""

    key = models.SlugField(_("key"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=300, blank=True)
    builtin = models.BooleanField(_("built in"), default=False, editable=False)
    can_manage_settings = models.BooleanField(
        _("manages settings"),
        default=False,
        help_text=_("Pipelines, roles, users, teams, products and the trash."),
    )
    can_view_audit = models.BooleanField(_("reads the audit trail"), default=False)
    can_view_analytics = models.BooleanField(_("sees analytics"), default=False)
    can_handover = models.BooleanField(
        _("hands over records"),
        default=False,
        help_text=_("Reassign everything of a leaving colleague within the role's scope."),
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["-builtin", "key"]

    def __str__(self) -> str:
        # Built-in names are stored in English and shown in the user's language.
        return gettext(self.name) if self.builtin else self.name

    @property
    def description_display(self) -> str:
        return gettext(self.description) if self.builtin and self.description else self.description


class ObjectPolicy(models.Model):
    """What a role may do with one type of record."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="object_policies")
    object_type = models.CharField(_("record type"), max_length=20)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.OWN)
    can_create = models.BooleanField(_("create"), default=False)
    can_edit = models.BooleanField(_("edit"), default=False)
    can_delete = models.BooleanField(_("delete"), default=False)
    can_export = models.BooleanField(_("export"), default=False)
    can_bulk = models.BooleanField(_("bulk operations"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "object_type"], name="access_objpolicy_unique")
        ]


class FieldPolicy(models.Model):
    """How a role sees one field; a field without a row is editable when the record is."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="field_policies")
    object_type = models.CharField(_("record type"), max_length=20)
    field = models.CharField(_("field"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=FieldLevel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["role", "object_type", "field"], name="access_fieldpolicy_unique"
            )
        ]
