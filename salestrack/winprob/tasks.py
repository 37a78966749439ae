"""Nightly retraining and rescoring (as `manage.py train_winprob`), and a retraining asked for
from the administrators' page, run in the background when the history is large."""

from django.conf import settings
from huey.contrib.djhuey import db_task
from huey.exceptions import TaskLockedException

from salestrack.accounts.models import User
from salestrack.core.jobs import logger, nightly_task
from salestrack.winprob.models import WinModel
from salestrack.winprob.services import winprob_train


@nightly_task(at=settings.SALESTRACK_WINPROB_TRAIN_AT, setting="SALESTRACK_WINPROB_TRAIN_AT")
def winprob_train_task() -> int:
    win_model = winprob_train(trigger=WinModel.Trigger.SCHEDULE)
    logger.info(
        "win probability: %s, AUC %s (stage baseline %s), %d open deals scored",
        win_model.status,
        win_model.auc,
        win_model.baseline_auc,
        win_model.scored_deals,
    )
    return win_model.pk


@db_task()
def winprob_retrain_task(actor_id: int) -> int | None:
    """The retrain button: the same lock as the nightly job, so they never run together."""
    try:
        with winprob_train_task.lock:
            actor = User.objects.filter(pk=actor_id).first()
            return winprob_train(trigger=WinModel.Trigger.MANUAL, actor=actor).pk
    except TaskLockedException:
        logger.info("winprob_retrain_task: a training is already running, skipped")
        return None
