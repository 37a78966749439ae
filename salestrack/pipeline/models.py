from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from salestrack.core.models import TimeStampedModel

PROBABILITY_CHOICES = [(p, f"{p}%") for p in (0, 10, 20, 30, 50, 80, 90, 100)]


def _default_stall_days() -> int:
    return settings.SALESTRACK_DEFAULT_STALL_DAYS


class BilingualName(models.Model):
    """User-configured names in both UI languages; `label` picks the active one."""

    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Pipeline(BilingualName, TimeStampedModel):
    is_default = models.BooleanField(_("default pipeline"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["-is_default", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_pipeline",
            )
        ]


class Stage(BilingualName):
    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OPEN)
    position = models.PositiveIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("default win probability (%)"),
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    rot_days = models.PositiveIntegerField(
        _("stalled after (days)"), default=_default_stall_days, validators=[MinValueValidator(1)]
    )
    color = models.CharField(_("color"), max_length=7, default="#3b82f6")

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["position", "id"]

    @property
    def is_open(self) -> bool:
        return self.kind == self.Kind.OPEN


class StageRequirement(models.Model):
    """An exit criterion: a deal fact that must be recorded before a deal may leave `stage`."""

    class Field(models.TextChoices):
        CONFIRMED_REQUIREMENTS = "confirmed_requirements", _("Customer-confirmed requirements")
        QUOTE_AMOUNT = "quote_amount", _("Quote amount")
        DECISION_MAKER = "decision_maker", _("Decision maker")
        BUDGET_CONFIRMED = "budget_confirmed", _("Confirmed budget")
        EXPECTED_CLOSE_DATE = "expected_close_date", _("Expected close date")
        COMPETITOR = "competitor", _("Competitor")
        NEXT_STEP = "next_step", _("Next step")
        CONTRACT_NUMBER = "contract_number", _("Contract number")
        CONTRACT_SIGNED_ON = "contract_signed_on", _("Contract signed on")
        PAYMENT_RECEIVED = "payment_received", _("Payment received")

    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="requirements"
    )
    field = models.CharField(_("required fact"), max_length=40, choices=Field.choices)

    class Meta:
        verbose_name = _("exit criterion")
        verbose_name_plural = _("exit criteria")
        ordering = ["stage", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "field"], name="one_requirement_per_field")
        ]

    def __str__(self) -> str:
        return f"{self.stage}: {self.get_field_display()}"
