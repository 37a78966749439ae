from datetime import timedelta

import pytest
from django.urls import reverse

from salestrack.today.models import DailyList
from salestrack.today.tests.factories import NOW, TODAY, customer, deal, due_followup, travel

pytestmark = pytest.mark.django_db

INDEX = reverse("today:index")
REFRESH = reverse("today:refresh")


@pytest.fixture
def alice_deal(personas, stages):
    with travel():
        made = deal(personas.alice, stage=stages["Lead"], title="华信 ERP 二期")
        due_followup(
            personas.alice, due=TODAY - timedelta(days=1), deal=made, next_step="发送报价单"
        )
        return made


def test_the_home_page_is_the_daily_list(client, personas):
    client.force_login(personas.alice)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == INDEX


def test_it_shows_the_rep_their_list(client, personas, alice_deal):
    client.force_login(personas.alice)
    with travel():
        html = client.get(INDEX).content.decode()
    assert "华信 ERP 二期" in html
    assert f'data-item="deal-{alice_deal.pk}"' in html
    assert "发送报价单" in html
    assert "2026-03-10 09:00" in html  # when it was generated
    # ticking opens the follow-up form with the deal and the planned step
    assert f"/followups/new/?deal={alice_deal.pk}&amp;summary=%E5%8F%91" in html
    assert 'hx-target="#modal"' in html
    assert f'href="{INDEX}" class="active"' in html  # the first nav item


def test_the_follow_up_form_takes_the_planned_step(client, personas, alice_deal):
    client.force_login(personas.alice)
    url = reverse("activities:create")
    html = client.get(url, {"deal": alice_deal.pk, "summary": "发送报价单"}).content.decode()
    assert "发送报价单</textarea>" in html


def test_it_ticks_what_was_followed_up_today(client, personas, alice_deal):
    client.force_login(personas.alice)
    with travel():
        client.get(INDEX)
        response = client.post(
            reverse("activities:create"),
            {
                "deal": alice_deal.pk,
                "kind": "call",
                "occurred_at": "2026-03-10T08:55",
                "summary": "已发送报价单",
                "next": INDEX,
            },
        )
        assert response.status_code == 302
        html = client.get(INDEX).content.decode()
    assert f'data-item="deal-{alice_deal.pk}" data-handled' in html


def test_refresh_regenerates_the_list(client, personas, alice_deal):
    client.force_login(personas.alice)
    with travel(NOW - timedelta(hours=1)):
        client.get(INDEX)
    with travel():
        added = customer(personas.alice, "A")
        assert f"customer-{added.pk}" not in client.get(INDEX).content.decode()
        response = client.post(REFRESH)
        assert response.status_code == 302
        assert response["Location"] == INDEX
        html = client.get(INDEX).content.decode()
    assert f"customer-{added.pk}" in html
    assert DailyList.objects.get(user=personas.alice).generated_at == NOW


def test_a_manager_opens_the_lists_of_their_team(client, personas, alice_deal):
    client.force_login(personas.mia)
    with travel():
        html = client.get(INDEX).content.decode()
        assert f'<option value="{personas.alice.pk}"' in html
        assert f'<option value="{personas.admin.pk}"' not in html
        alices = client.get(INDEX, {"user": personas.alice.pk}).content.decode()
        assert client.post(REFRESH, {"user": personas.alice.pk}).status_code == 302
    assert f'data-item="deal-{alice_deal.pk}"' in alices
    assert f'data-item="deal-{alice_deal.pk}"' not in html  # her own list is her own


def test_it_hides_lists_out_of_scope(client, personas, alice_deal):
    client.force_login(personas.mia)
    assert client.get(INDEX, {"user": personas.admin.pk}).status_code == 404
    assert client.get(INDEX, {"user": "x"}).status_code == 404
    assert client.post(REFRESH, {"user": personas.admin.pk}).status_code == 404
    client.force_login(personas.bob)
    assert client.get(INDEX, {"user": personas.alice.pk}).status_code == 404
    assert client.get(INDEX, {"user": 999999}).status_code == 404
    assert client.post(REFRESH, {"user": personas.alice.pk}).status_code == 404
    assert not DailyList.objects.filter(user=personas.alice).exists()
    client.force_login(personas.charlie)
    html = client.get(INDEX).content.decode()
    assert "华信 ERP 二期" not in html
    assert 'name="user"' not in html  # a rep has no team lists to pick


def test_the_page_query_count_does_not_grow_with_the_deals(client, personas, stages):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas.alice)

    def count() -> int:
        DailyList.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(INDEX).status_code == 200
        return len(ctx.captured_queries)

    with travel():
        for _ in range(2):
            due_followup(personas.alice, due=TODAY, deal=deal(personas.alice, stage=stages["Lead"]))
            customer(personas.alice, "A")
        small = count()
        for _ in range(25):
            due_followup(personas.alice, due=TODAY, deal=deal(personas.alice, stage=stages["Lead"]))
            customer(personas.alice, "A")
        assert count() == small
