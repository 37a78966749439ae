from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salestrack.core.models import TimeStampedModel


class DatasetLoad(TimeStampedModel):
    """One load of a public dataset by `manage.py load_datasets`: what it created, what it
    refused and why (`report`), the import batches it went through and how long it took.

    A dataset counts as loaded while one of its loads has an import batch that is not undone
    (datasets.services.dataset_loaded)."""

    class Dataset(models.TextChoices):
        MAVEN = "maven", _("Maven CRM sales opportunities")
        XEDUCATION = "xeducation", _("X Education leads")

    dataset = models.CharField(_("dataset"), max_length=20, choices=Dataset.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("loaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    path = models.CharField(_("folder"), max_length=500)
    batches = models.JSONField(_("import batches"), default=list)
    report = models.JSONField(_("report"), default=dict)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        verbose_name = _("dataset load")
        verbose_name_plural = _("dataset loads")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_dataset_display()} ({self.created_at:%Y-%m-%d %H:%M})"
