from datetime import timedelta

import pytest
from django.utils import timezone

from salestrack.deals.models import Deal
from salestrack.winprob.models import DealScore, WinModel
from salestrack.winprob.selectors import too_little_message
from salestrack.winprob.services import winprob_score_open_deals, winprob_train
from salestrack.winprob.tests.factories import synthetic_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained():
    deals = synthetic_history(closed=120, open_deals=10)
    return winprob_train(trigger=WinModel.Trigger.COMMAND), deals


def test_it_beats_the_stage_baseline_and_scores_every_open_deal(trained):
    model, deals = trained
    assert model.status == WinModel.Status.OK
    assert model.auc > 0.7
    assert model.auc > model.baseline_auc
    assert model.closed_deals == 120 == model.won_deals + model.lost_deals
    assert model.n_train > 0 and model.n_holdout > 0
    assert 27 <= model.holdout_deals <= 33  # the last quarter of 120 by close date
    assert model.train_deals + model.holdout_deals == 120
    assert model.details["features"][0] == "days_in_stage"
    assert sum(b["n"] for b in model.details["calibration"]) == model.n_holdout
    open_ids = {d.pk for d in deals if d.status == Deal.Status.OPEN}
    scores = list(DealScore.objects.all())
    assert {s.deal_id for s in scores} == open_ids
    assert model.scored_deals == len(open_ids)
    for score in scores:
        assert 0 < score.probability < 1
        assert score.stage_probability == Deal.objects.get(pk=score.deal_id).stage.probability
        assert 1 <= len(score.reasons) <= 3
        effects = [abs(r["effect"]) for r in score.reasons]
        assert effects == sorted(effects, reverse=True)
    # Open deals followed up every few days score higher than silent ones, and their
    # follow-up reasons carry the sign of their effect.
    scores = {s.deal_id: s for s in DealScore.objects.all()}
    active = [scores[d.pk] for d in deals if d.pk in scores and d.followups.count() > 1]
    silent = [scores[d.pk] for d in deals if d.pk in scores and d.followups.count() <= 1]
    assert active and silent
    assert min(s.probability for s in active) > max(s.probability for s in silent)
    for score in active + silent:
        for reason in score.reasons:
            if reason["feature"] == "followups_30d":
                assert (reason["effect"] > 0) == (reason["value"] >= 2)
            if reason["feature"] == "days_since_activity":
                assert (reason["effect"] < 0) == (score in silent)


def test_scores_follow_the_open_deals(trained):
    model, deals = trained
    deal = next(d for d in deals if d.status == Deal.Status.OPEN)
    lost = deal.pipeline.stages.get(kind="lost")
    Deal.objects.filter(pk=deal.pk).update(status="lost", stage=lost, closed_at=timezone.now())
    assert winprob_score_open_deals() == model.scored_deals - 1
    assert not DealScore.objects.filter(deal=deal).exists()
    model.refresh_from_db()
    assert model.scored_deals == DealScore.objects.count()
    # A later training with too little history (the closed deals went to the trash) leaves no
    # score behind: no model, no numbers.
    Deal.objects.filter(status__in=["won", "lost"]).update(
        deleted_at=timezone.now() - timedelta(days=1)
    )
    again = winprob_train(trigger=WinModel.Trigger.SCHEDULE)
    assert again.status == WinModel.Status.TOO_LITTLE_HISTORY
    assert not DealScore.objects.exists()
    assert winprob_score_open_deals() == 0


def test_it_says_plainly_when_history_is_too_short():
    synthetic_history(closed=12, open_deals=3)
    model = winprob_train(trigger=WinModel.Trigger.COMMAND)
    assert model.status == WinModel.Status.TOO_LITTLE_HISTORY
    assert model.closed_deals == 12 and model.auc is None and model.pipeline is None
    assert not DealScore.objects.exists()
    assert "50" in too_little_message(model) and "12" in too_little_message(model)


def test_one_outcome_too_rare_is_too_little_history(settings):
    settings.SALESTRACK_WINPROB_MIN_PER_CLASS = 10
    deals = synthetic_history(closed=60, seed=3)
    won = [d for d in deals if d.status == Deal.Status.WON]
    lost_stage = won[0].pipeline.stages.get(kind="lost")
    Deal.objects.filter(pk__in=[d.pk for d in won[5:]]).update(status="lost", stage=lost_stage)
    model = winprob_train(trigger=WinModel.Trigger.COMMAND)
    assert model.status == WinModel.Status.TOO_LITTLE_HISTORY
    assert (model.won_deals, model.lost_deals) == (5, 55)
    assert "5" in too_little_message(model)
