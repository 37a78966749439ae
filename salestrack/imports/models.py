from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salestrack.core.models import TimeStampedModel


class RecordType(models.TextChoices):
    CUSTOMERS = "customers", _("Customers and contacts")
    DEALS = "deals", _("Deals")
    FOLLOWUPS = "followups", _("Follow-ups")


class SavedMapping(TimeStampedModel):
    """Column choices kept for the next file of the same layout: {normalised header: field}.

    `user` empty: shared with the whole company (saved by an administrator)."""

    record_type = models.CharField(_("record type"), max_length=20, choices=RecordType.choices)
    name = models.CharField(_("name"), max_length=80)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    columns = models.JSONField(default=dict)
    stage_map = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("saved column mapping")
        verbose_name_plural = _("saved column mappings")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "user", "name"], name="one_mapping_name_per_user"
            ),
            models.UniqueConstraint(
                fields=["record_type", "name"],
                condition=models.Q(user__isnull=True),
                name="one_shared_mapping_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ImportBatch(TimeStampedModel):
    """One uploaded file from preview to commit (and undo): the detailed import history.

    `options` holds what the user chose (sheet, header row, columns, stage map, decisions per
    row); `result` the last preview or the commit's counts, errors and matches; `undo` what the
    commit created and the previous values of what it updated."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    record_type = models.CharField(_("record type"), max_length=20, choices=RecordType.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    file_path = models.CharField(max_length=500, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    options = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    undo = models.JSONField(default=dict, editable=False)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    error = models.TextField(_("failure"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [
            # import_history: a user's imports, newest first
            models.Index(fields=["user", "-created_at"], name="import_user_created"),
        ]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])

    @property
    def is_checking(self) -> bool:
        """A large file's preview still being computed in the background."""
        return self.status == self.Status.PREVIEW and bool(self.result.get("checking"))

    @property
    def is_running(self) -> bool:
        return self.is_checking or self.status in (self.Status.QUEUED, self.Status.RUNNING)
