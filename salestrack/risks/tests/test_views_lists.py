from datetime import timedelta

import pytest
from django.utils import timezone

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.tests.factories import DealFactory
from salestrack.risks.tests.factories import open_deal, won_deal

pytestmark = pytest.mark.django_db


def _stalled(owner, title, stage, days=30):
    then = timezone.now() - timedelta(days=days)
    deal = DealFactory(
        owner=owner,
        customer=CustomerFactory(owner=owner),
        title=title,
        stage=stage,
        stage_entered_at=then,
    )
    Deal.objects.filter(pk=deal.pk).update(created_at=then)
    return deal


def test_the_stalled_list_shows_the_reps_own_deals_only(client, personas, stages):
    _stalled(personas.alice, "艾丽丝停滞项目", stages["Lead"])
    _stalled(personas.charlie, "查理停滞项目", stages["Lead"])
    _stalled(personas.alice, "艾丽丝新项目", stages["Lead"], days=1)
    client.force_login(personas.alice)
    r = client.get("/risks/stalled/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "艾丽丝停滞项目" in html
    assert "查理停滞项目" not in html and "艾丽丝新项目" not in html


def test_the_stalled_list_paginates(client, personas, stages, settings):
    settings.SALESTRACK_LIST_PAGE_SIZE = 2
    for i in range(5):
        _stalled(personas.alice, f"项目{i}", stages["Lead"], days=30 - i)
    client.force_login(personas.alice)
    first = client.get("/risks/stalled/").content.decode()
    third = client.get("/risks/stalled/", {"page": 3}).content.decode()
    assert "项目0" in first and "项目1" in first and "项目2" not in first
    assert "项目4" in third


def test_the_cycle_list_shows_the_median_and_sample(client, personas, stages):
    for _ in range(5):
        won_deal(owner=personas.alice, days=60)
    open_deal(owner=personas.alice, stage=stages["Lead"], created_days_ago=46)
    open_deal(owner=personas.alice, stage=stages["Contract"], created_days_ago=46)
    client.force_login(personas.alice)
    r = client.get("/risks/cycle/")
    html = r.content.decode()
    assert r.status_code == 200
    assert html.count('<tr data-deal="') == 1
    assert "data-median>60<" in html and "data-sample>5<" in html
