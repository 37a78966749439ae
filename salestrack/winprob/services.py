"""Writes of the win-probability app: training a model (WinModel) and refreshing the scores of
the open deals (DealScore). Both are derived from the deal history, like the forecast's
statistics: no audit entry; the WinModel rows are the record of every training (when, what
started it, who, on how much history, with what accuracy)."""

import logging
import time
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from salestrack.accounts.models import User
from salestrack.winprob import model as ml
from salestrack.winprob.features import FEATURES, scoring_table, training_table
from salestrack.winprob.models import DealScore, WinModel

logger = logging.getLogger(__name__)
BATCH = 1000

_loaded: dict[int, object] = {}


def winprob_pipeline(*, win_model: WinModel):
    """The fitted pipeline of a trained model, unpickled once per process (the row may come
    with its `pipeline` column deferred)."""
    if win_model.pk not in _loaded:
        data = WinModel.objects.values_list("pipeline", flat=True).get(pk=win_model.pk)
        _loaded.clear()
        _loaded[win_model.pk] = ml.loads(data)
    return _loaded[win_model.pk]


def _too_little(win_model: WinModel) -> WinModel:
    win_model.status = WinModel.Status.TOO_LITTLE_HISTORY
    with transaction.atomic():
        win_model.save()
        DealScore.objects.all().delete()  # no model, no numbers
    return win_model


def winprob_train(
    *,
    trigger: str,
    actor: User | None = None,
    min_closed: int | None = None,
    now: datetime | None = None,
) -> WinModel:
    """Train on snapshots of the closed deals (winprob.features), measure it on the last
    quarter of them by close date against the stage-probability baseline, refit on all of them
    and score every open deal. With too little history (fewer than `min_closed` closed deals,
    or fewer than SALESTRACK_WINPROB_MIN_PER_CLASS won or lost ones, or a holdout of one
    outcome only) nothing is fitted, the row says so and all scores are removed."""
    started = time.perf_counter()
    now = now or timezone.now()
    min_closed = settings.SALESTRACK_WINPROB_MIN_CLOSED if min_closed is None else min_closed
    min_per_class = settings.SALESTRACK_WINPROB_MIN_PER_CLASS
    table = training_table()
    everything = np.ones(len(table), dtype=bool)
    won = ml.deal_count(table, everything, won=1) if len(table) else 0
    lost = ml.deal_count(table, everything, won=0) if len(table) else 0
    win_model = WinModel(
        trained_at=now,
        trigger=trigger,
        started_by=actor,
        closed_deals=won + lost,
        won_deals=won,
        lost_deals=lost,
        min_closed=min_closed,
        min_per_class=min_per_class,
        details={"features": list(FEATURES)},
    )
    if won + lost < min_closed or won < min_per_class or lost < min_per_class:
        return _too_little(win_model)
    x, y = ml.matrix(table), np.array(table.won)
    holdout, border = ml.split(table)
    if len(set(y[holdout])) < 2 or len(set(y[~holdout])) < 2:
        win_model.details["reason"] = "one_outcome_in_a_part"
        return _too_little(win_model)
    evaluation = ml.evaluate(table, x, holdout, border)
    pipeline, explanation = ml.fit(x, y)
    win_model.status = WinModel.Status.OK
    win_model.auc = evaluation.auc
    win_model.baseline_auc = evaluation.baseline_auc
    win_model.n_train = evaluation.n_train
    win_model.n_holdout = evaluation.n_holdout
    win_model.train_deals = evaluation.train_deals
    win_model.holdout_deals = evaluation.holdout_deals
    win_model.holdout_from = evaluation.holdout_from
    win_model.details |= explanation | {
        "calibration": evaluation.calibration,
        "holdout_won": evaluation.holdout_won,
        "holdout_lost": evaluation.holdout_lost,
        "snapshots": len(table),
    }
    win_model.pipeline = ml.dumps(pipeline)
    with transaction.atomic():
        win_model.save()
        _loaded.clear()
        _loaded[win_model.pk] = pipeline
        win_model.scored_deals = _write_scores(win_model=win_model, now=now)
        win_model.details["seconds"] = round(time.perf_counter() - started, 1)
        win_model.save(update_fields=["scored_deals", "details"])
    logger.info(
        "winprob: model %s AUC %.3f (stage baseline %.3f), %d open deals scored",
        win_model.pk,
        win_model.auc,
        win_model.baseline_auc,
        win_model.scored_deals,
    )
    return win_model


def _write_scores(*, win_model: WinModel, now: datetime) -> int:
    table = scoring_table(now=now)
    probability, reasons = ml.predict(
        winprob_pipeline(win_model=win_model), win_model.details, table
    )
    rows = [
        DealScore(
            deal_id=deal_id,
            model=win_model,
            probability=float(p),
            stage_probability=stage_probability,
            reasons=why,
            scored_at=now,
        )
        for deal_id, p, stage_probability, why in zip(
            table.deal_ids, probability, table.stage_probability, reasons, strict=True
        )
    ]
    DealScore.objects.all().delete()  # closed, trashed and rescored deals alike
    DealScore.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


@transaction.atomic
def winprob_score_open_deals(*, now: datetime | None = None) -> int:
    """Rescore every open deal with the latest model (none when it had too little history).
    Returns how many deals got a score."""
    now = now or timezone.now()
    latest = WinModel.objects.order_by("-trained_at", "-id").first()
    if latest is None or not latest.is_ok:
        DealScore.objects.all().delete()
        return 0
    latest.scored_deals = _write_scores(win_model=latest, now=now)
    latest.save(update_fields=["scored_deals"])
    return latest.scored_deals
