from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from salestrack.winprob.models import WinModel
from salestrack.winprob.tests.factories import synthetic_history

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("train_winprob", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_auc_next_to_the_baseline():
    synthetic_history(closed=48, open_deals=2, seed=11)
    assert "No model" in _run()  # 48 < 50 by default
    out = _run("--min-closed", "40")
    model = WinModel.objects.latest()
    assert model.is_ok and model.trigger == WinModel.Trigger.COMMAND
    assert (
        f"holdout AUC {model.auc:.3f}, stage-probability baseline {model.baseline_auc:.3f}" in out
    )
    assert "2 open deals scored" in out


def test_it_refuses_a_nonsensical_minimum():
    with pytest.raises(CommandError):
        _run("--min-closed", "0")
