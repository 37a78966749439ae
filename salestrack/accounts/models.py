from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    """A node in the organisation tree (department -> team); `path` serves subtree queries."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # "/<root id>/<child id>/" — set by team_create / team_move; serves access.scope_queryset.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)


class User(AbstractUser):
    class Role(models.TextChoices):
        """Keys of the built-in roles (access.Role); admins may add roles with other keys."""

        ADMIN = "admin", _("Administrator")
        DIRECTOR = "director", _("Sales director")
        MANAGER = "manager", _("Manager")
        REP = "rep", _("Sales rep")
        FINANCE = "finance", _("Finance")
        MARKETING = "marketing", _("Marketing")
        AUDITOR = "auditor", _("Auditor")

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    # The key of an access.Role (not a foreign key: accounts sits below access).
    role = models.CharField(_("role"), max_length=20, default=Role.REP, db_index=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username
