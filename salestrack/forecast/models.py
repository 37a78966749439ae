from django.db import models
from django.utils.translation import gettext_lazy as _


class StatSnapshot(models.Model):
    """Stage-to-won statistics learned from the history known at the start of `as_of` (local
    time): only deals closed before then count. Today's snapshot feeds the statistical
    forecast; past ones (first days of months and quarters) feed the backtest. A cache,
    rebuilt by forecast.services.forecast_stats_refresh."""

    as_of = models.DateField(_("as of"), unique=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("forecast statistics")
        verbose_name_plural = _("forecast statistics")
        ordering = ["-as_of"]

    def __str__(self) -> str:
        return f"{self.as_of:%Y-%m-%d}"


class StageStat(models.Model):
    """Of the deals that were in `stage` and had closed by the snapshot's date: how many, how
    many won, and the median time from first entering the stage to winning.

    `industry` NULL is the whole pipeline (the fallback for small segments). A row with `stage`
    NULL counts the pipeline's closed and won deals (the "enough history?" check)."""

    snapshot = models.ForeignKey(StatSnapshot, on_delete=models.CASCADE, related_name="stats")
    pipeline = models.ForeignKey(
        "pipeline.Pipeline", verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="+"
    )
    stage = models.ForeignKey(
        "pipeline.Stage",
        verbose_name=_("stage"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    industry = models.CharField(_("industry"), max_length=60, null=True, blank=True)
    closed = models.PositiveIntegerField(_("closed deals"), default=0)
    won = models.PositiveIntegerField(_("won deals"), default=0)
    median_seconds = models.BigIntegerField(_("median time to win (seconds)"), null=True)
    # Per lag bucket since first entering the stage (forecast.lifetable.EDGES): deals won, lost
    # and still open at the snapshot's cut-off. When an open deal is expected to win.
    lifetable = models.JSONField(_("life table"), null=True, blank=True)

    class Meta:
        verbose_name = _("stage statistic")
        verbose_name_plural = _("stage statistics")

    def __str__(self) -> str:
        return f"{self.snapshot}/{self.stage_id}/{self.industry}: {self.won}/{self.closed}"

    @property
    def win_rate(self) -> float | None:
        return self.won / self.closed if self.closed else None

    @property
    def median_days(self) -> float | None:
        return None if self.median_seconds is None else round(self.median_seconds / 86400, 1)
