import pytest

from salestrack.winprob.models import WinModel
from salestrack.winprob.tasks import winprob_retrain_task, winprob_train_task

pytestmark = pytest.mark.django_db


def test_the_nightly_job_and_the_retrain_task_train(personas):
    winprob_train_task.call_local()
    winprob_retrain_task.call_local(personas.admin.pk)
    scheduled, manual = WinModel.objects.order_by("id")
    assert scheduled.trigger == WinModel.Trigger.SCHEDULE and scheduled.started_by is None
    assert manual.trigger == WinModel.Trigger.MANUAL and manual.started_by == personas.admin


def test_the_retrain_task_skips_while_a_training_runs(personas):
    with winprob_train_task.lock:
        assert winprob_retrain_task.call_local(personas.admin.pk) is None
    assert not WinModel.objects.exists()
