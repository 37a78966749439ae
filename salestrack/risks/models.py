from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CycleMedian(models.Model):
    """Median days from creation to win of the won deals of one segment (a cache).

    A segment is a pipeline and a customer industry; the row with `industry` NULL is the whole
    pipeline (the fallback). Rebuilt by risks.services.cycle_medians_refresh."""

    pipeline = models.ForeignKey(
        "pipeline.Pipeline", verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="+"
    )
    industry = models.CharField(_("industry"), max_length=60, null=True, blank=True)
    median_seconds = models.BigIntegerField(_("median time to win (seconds)"), null=True)
    sample_size = models.PositiveIntegerField(_("won deals"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("cycle median")
        verbose_name_plural = _("cycle medians")
        constraints = [
            models.UniqueConstraint(
                fields=["pipeline", "industry"],
                condition=models.Q(industry__isnull=False),
                name="cyclemedian_one_per_segment",
            ),
            models.UniqueConstraint(
                fields=["pipeline"],
                condition=models.Q(industry__isnull=True),
                name="cyclemedian_one_per_pipeline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pipeline_id}/{self.industry}: {self.median_days} d (n={self.sample_size})"

    @property
    def median_days(self) -> float | None:
        return None if self.median_seconds is None else round(self.median_seconds / 86400, 1)

    @property
    def is_pipeline_wide(self) -> bool:
        return self.industry is None


class RiskFlag(models.Model):
    """An explicit risk raised on a deal (e.g. the decision maker left), open until resolved."""

    class Kind(models.TextChoices):
        DECISION_MAKER_LEFT = "decision_maker_left", _("Decision maker left")
        BUDGET_CUT = "budget_cut", _("Budget cut or frozen")
        COMPETITOR = "competitor", _("Competitor gaining ground")
        OTHER = "other", _("Other")

    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("deal"), on_delete=models.CASCADE, related_name="risk_flags"
    )
    kind = models.CharField(_("risk"), max_length=30, choices=Kind.choices)
    reason = models.TextField(_("reason"), blank=True)
    raised_at = models.DateTimeField(_("raised at"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")
        ordering = ["-raised_at", "-id"]
        indexes = [
            # risks.selectors: open flags of a page of deals, and "has an open flag" in the review
            models.Index(
                fields=["deal", "raised_at"],
                name="riskflag_open",
                condition=models.Q(resolved_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"[:80]


def week_start(day: date) -> date:
    """Monday of `day`'s ISO week: the key of one weekly review."""
    return day - timedelta(days=day.isoweekday() - 1)


class ReviewDecision(models.Model):
    """What the weekly risk review (红点会议) decided about a deal, once per ISO week."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("Continue")
        CHANGE_APPROACH = "change_approach", _("Change approach")
        DROP = "drop", _("Drop")

    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        on_delete=models.CASCADE,
        related_name="review_decisions",
    )
    week = models.DateField(_("week (Monday)"))
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["-week", "-id"]
        constraints = [
            # one decision per deal and week; deciding again replaces it (review_decision_save)
            models.UniqueConstraint(fields=["deal", "week"], name="reviewdecision_one_per_week")
        ]

    def __str__(self) -> str:
        return f"{self.iso_week}: {self.get_decision_display()}"

    @property
    def iso_week(self) -> str:
        year, week, _day = self.week.isocalendar()
        return f"{year}-W{week:02d}"
