from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WinModel(models.Model):
    """One training run of the win-probability model (winprob.services.winprob_train).

    `status` ok: `pipeline` holds the fitted scikit-learn pipeline, serialised with joblib
    (a pickle). Unpickling runs code, so it is only ever read back from our own database, which
    is trusted like the code itself; nothing from users is unpickled. `too_little_history`: no
    model was fitted, `pipeline` is empty and the counts say why (the pages state it plainly)."""

    class Status(models.TextChoices):
        OK = "ok", _("Trained")
        TOO_LITTLE_HISTORY = "too_little_history", _("Too little history")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Nightly job")
        COMMAND = "command", _("Command")
        MANUAL = "manual", _("Retrain button")

    trained_at = models.DateTimeField(_("trained at"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What the history held: closed deals with at least one snapshot while open, and the minimums.
    closed_deals = models.PositiveIntegerField(_("closed deals"), default=0)
    won_deals = models.PositiveIntegerField(_("won deals"), default=0)
    lost_deals = models.PositiveIntegerField(_("lost deals"), default=0)
    min_closed = models.PositiveIntegerField(default=0)
    min_per_class = models.PositiveIntegerField(default=0)
    # Set when status is ok: sizes (snapshots, and the deals they come from) and holdout AUCs.
    n_train = models.PositiveIntegerField(_("training snapshots"), null=True)
    n_holdout = models.PositiveIntegerField(_("holdout snapshots"), null=True)
    train_deals = models.PositiveIntegerField(null=True)
    holdout_deals = models.PositiveIntegerField(null=True)
    holdout_from = models.DateTimeField(_("holdout: closed from"), null=True)
    auc = models.FloatField(_("model AUC"), null=True)
    baseline_auc = models.FloatField(_("stage-probability AUC"), null=True)
    # {"features": [...], "weights": [{"feature", "column", "coef"}...], "calibration": [...],
    #  "holdout_won": n, "holdout_lost": n, "seconds": s, "columns": [...], "means": [...],
    #  "coef": [...], "groups": [...]} (see winprob.model)
    details = models.JSONField(default=dict)
    pipeline = models.BinaryField(null=True, editable=False)
    scored_deals = models.PositiveIntegerField(_("open deals scored"), default=0)

    class Meta:
        verbose_name = _("win-probability model")
        verbose_name_plural = _("win-probability models")
        ordering = ["-trained_at", "-id"]
        get_latest_by = ["trained_at", "id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.trained_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_ok(self) -> bool:
        return self.status == self.Status.OK


class DealScore(models.Model):
    """The latest win probability of an open deal, with its main reasons (refreshed for all open
    deals after each training and nightly; deals no longer open lose theirs)."""

    deal = models.OneToOneField(
        "deals.Deal", on_delete=models.CASCADE, related_name="win_score", primary_key=True
    )
    model = models.ForeignKey(WinModel, on_delete=models.CASCADE, related_name="scores")
    probability = models.FloatField(_("win probability"))
    # The stage's configured probability when scored (the baseline shown next to it).
    stage_probability = models.PositiveSmallIntegerField()
    # [{"feature": name, "value": raw value, "effect": log-odds contribution}, ...] strongest
    # first (winprob.model.reasons).
    reasons = models.JSONField(default=list)
    scored_at = models.DateTimeField(_("scored at"))

    class Meta:
        verbose_name = _("deal win probability")
        verbose_name_plural = _("deal win probabilities")

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.probability:.2f}"
