import pytest

from salestrack.winprob.models import DealScore, WinModel
from salestrack.winprob.services import winprob_train
from salestrack.winprob.tests.factories import synthetic_history

pytestmark = pytest.mark.django_db


def test_it_beats_the_stage_baseline_when_follow_ups_predict_winning():
    synthetic_history(closed=160, open_deals=10)
    model = winprob_train(trigger=WinModel.Trigger.COMMAND)
    assert model.status == WinModel.Status.OK
    assert model.auc > 0.7
    assert model.auc > model.baseline_auc
    assert model.closed_deals == 160
    assert model.n_train > 0 and model.n_holdout > 0
    assert 30 <= model.holdout_deals <= 50  # the last quarter by close date
    assert model.details["features"][0] == "days_in_stage"
    assert DealScore.objects.count() == 10 == model.scored_deals
