from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.winprob.models import DealScore, WinModel
from salestrack.winprob.tests.factories import synthetic_history, write_deal

pytestmark = pytest.mark.django_db


def _open_deal(owner, stages, days_in_stage=5, followups=()):
    now = timezone.now()
    customer = CustomerFactory(owner=owner)
    return write_deal(
        customer=customer,
        owner=owner,
        path=[
            (stages["Lead"], now - timedelta(days=30)),
            (stages["Negotiation"], now - timedelta(days=days_in_stage)),
        ],
        followups=followups,
        title="概率测试商机",
    )


def test_it_is_a_settings_page_for_administrators(client, personas):
    for user in (personas.alice, personas.mia):
        client.force_login(user)
        assert client.get(reverse("winprob:index")).status_code == 403
        assert client.post(reverse("winprob:retrain")).status_code == 403
        assert b"/winprob/" not in client.get(reverse("deals:list")).content
    assert not WinModel.objects.exists()
    client.force_login(personas.admin)
    page = client.get(reverse("winprob:index"))
    assert page.status_code == 200 and b"data-no-model" in page.content
    assert b'href="/winprob/"' in page.content  # the More menu


def test_too_little_history_is_said_plainly_and_shows_no_number(client, personas, stages):
    deal = _open_deal(personas.alice, stages)
    client.force_login(personas.admin)
    response = client.post(reverse("winprob:retrain"), follow=True)
    model = WinModel.objects.get()
    assert model.status == WinModel.Status.TOO_LITTLE_HISTORY
    assert model.trigger == WinModel.Trigger.MANUAL and model.started_by == personas.admin
    assert "需要" in response.content.decode() or b"data-too-little-history" in response.content
    client.force_login(personas.alice)
    page = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert 'data-winprob="too_little_history"' in page
    assert "data-winprob-percent" not in page
    data = client.get(reverse("winprob:deal_json", args=[deal.pk])).json()
    assert data["status"] == "too_little_history" and data["probability"] is None
    assert data["message"]


def test_the_card_and_json_show_the_score_within_the_deal_scope(client, personas, stages):
    synthetic_history(closed=120)
    now = timezone.now()
    busy = _open_deal(
        personas.alice, stages, followups=[now - timedelta(days=d) for d in (2, 6, 10, 14)]
    )
    client.force_login(personas.admin)
    client.post(reverse("winprob:retrain"))
    model = WinModel.objects.get()
    assert model.is_ok and DealScore.objects.filter(deal=busy).exists()
    page = client.get(reverse("winprob:index")).content.decode()
    assert "data-auc" in page and f"{model.auc:.3f}" in page and f"{model.baseline_auc:.3f}" in page

    client.force_login(personas.alice)
    page = client.get(reverse("deals:detail", args=[busy.pk])).content.decode()
    assert 'data-winprob="ok"' in page and "data-winprob-percent" in page
    assert f"{stages['Negotiation'].probability}%" in page
    assert 'data-reason="followups_30d" data-sign="+"' in page
    assert 'href="/winprob/"' not in page  # the model page is for administrators
    data = client.get(reverse("winprob:deal_json", args=[busy.pk])).json()
    score = DealScore.objects.get(deal=busy)
    assert data["status"] == "ok" and data["probability"] == round(score.probability, 4)
    assert data["stage_probability"] == stages["Negotiation"].probability
    assert data["model"]["auc"] == round(model.auc, 4)
    assert data["reasons"][0]["sign"] in "+−" and data["reasons"][0]["text"]

    # A deal created after the scoring is scored when its page is read (nothing written).
    quiet = _open_deal(personas.alice, stages, days_in_stage=40)
    data = client.get(reverse("winprob:deal_json", args=[quiet.pk])).json()
    assert data["status"] == "ok" and data["probability"] < score.probability
    assert not DealScore.objects.filter(deal=quiet).exists()

    # Outsiders: 404, as the deal page.
    client.force_login(personas.charlie)
    assert client.get(reverse("winprob:deal_json", args=[busy.pk])).status_code == 404
    client.force_login(personas.mia)
    assert client.get(reverse("winprob:deal_json", args=[busy.pk])).status_code == 200


def test_closed_deals_have_no_card(client, personas, stages):
    now = timezone.now()
    customer = CustomerFactory(owner=personas.alice)
    deal = write_deal(
        customer=customer,
        owner=personas.alice,
        path=[(stages["Lead"], now - timedelta(days=9)), (stages["Won"], now)],
    )
    client.force_login(personas.alice)
    assert (
        "data-winprob" not in client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    )
    assert client.get(reverse("winprob:deal_json", args=[deal.pk])).json()["status"] == "closed"


def test_retrain_says_so_while_another_training_runs(client, personas):
    from salestrack.winprob.tasks import winprob_train_task

    client.force_login(personas.admin)
    with winprob_train_task.lock:
        page = client.post(reverse("winprob:retrain"), follow=True).content.decode()
    assert not WinModel.objects.exists()
    assert "msg-error" in page
