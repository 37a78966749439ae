"""The forecast page and its JSON endpoints: who may see them, scope, filters, hidden amounts,
query counts."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salestrack.access.models import FieldLevel, FieldPolicy, Role
from salestrack.core.tests.factories import TeamFactory, UserFactory
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory
from salestrack.forecast.tests.conftest import at
from salestrack.forecast.tests.factories import deal_with_history

pytestmark = pytest.mark.django_db

PAGE = "/forecast/"
WEIGHTED = "/forecast/api/weighted.json"
STATISTICAL = "/forecast/api/statistical.json"
BACKTEST = "/forecast/api/backtest.json"
URLS = (PAGE, f"{PAGE}?part=backtest", WEIGHTED, STATISTICAL, BACKTEST)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(at(2025, 5, 14), tick=False):
        yield


def _deal(owner, stages, amount=100000, stage="Lead"):
    return DealFactory(
        customer=CustomerFactory(owner=owner),
        stage=stages[stage],
        amount=Decimal(amount),
        expected_close_date=date(2025, 6, 1),
    )


@pytest.fixture
def world(personas, stages):
    outsider = UserFactory(username="olga", team=TeamFactory(name="北京组"))
    _deal(personas.alice, stages, 100000)
    _deal(personas.bob, stages, 200000)
    _deal(personas.charlie, stages, 400000)
    _deal(outsider, stages, 800000)
    return outsider


def _amount(client, query=""):
    data = client.get(f"{WEIGHTED}{query}").json()
    return data["total"]["amount"], data["total"]["deals"]


@pytest.mark.parametrize("url", URLS)
def test_it_refuses_reps_who_see_only_their_own_deals(client, personas, world, url):
    client.force_login(personas.alice)
    assert client.get(url).status_code == 403


def test_it_shows_a_manager_the_deals_of_their_teams_only(client, personas, world):
    client.force_login(personas.mia)
    assert _amount(client) == (700000, 3)
    client.force_login(personas.admin)
    assert _amount(client) == (1500000, 4)


def test_it_filters_by_team_rep_and_pipeline(client, personas, world, pipeline):
    client.force_login(personas.mia)
    assert _amount(client, f"?team={personas.team_b.pk}") == (400000, 1)
    assert _amount(client, f"?rep={personas.bob.pk}") == (200000, 1)
    assert _amount(client, f"?pipeline={pipeline.pk}&team={personas.team_a.pk}") == (300000, 2)


def test_it_refuses_filters_outside_the_users_scope(client, personas, world):
    client.force_login(personas.mia)
    for url in (WEIGHTED, STATISTICAL, BACKTEST):
        r = client.get(f"{url}?rep={world.pk}")
        assert r.status_code == 400
        assert "rep" in r.json()["errors"]
    r = client.get(f"{PAGE}?team={world.team_id}")
    assert r.status_code == 200
    assert "data-filter-errors" in r.content.decode()
    assert "800,000" not in r.content.decode()


def test_the_page_shows_the_forecasts_and_loads_the_backtest_after(client, personas, world):
    client.force_login(personas.mia)
    r = client.get(PAGE)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-weighted="quarters"' in html and 'data-statistical="quarters"' in html
    assert "¥700,000" in html
    assert "forecast-data" in html and "echarts.min.js" in html
    assert "data-too-little-history" in html  # no closed deal at all
    assert 'hx-get="/forecast/?part=backtest"' in html
    assert 'data-backtest="quarters"' not in html


def test_the_backtest_part_comes_as_a_partial_or_within_the_page(client, personas, world):
    client.force_login(personas.mia)
    r = client.get(
        f"{PAGE}?part=backtest&team={personas.team_a.pk}", headers={"HX-Request": "true"}
    )
    html = r.content.decode()
    assert html.lstrip().startswith('<div id="backtest"')
    assert 'data-backtest="quarters"' in html and 'data-backtest="months"' in html
    assert "forecast-backtest-data" in html and "data-too-little-history" in html
    full = client.get(f"{PAGE}?part=backtest").content.decode()
    assert 'data-backtest="quarters"' in full and 'data-weighted="quarters"' in full


def test_it_hides_amounts_when_the_role_hides_them(client, personas, world):
    role = Role.objects.get(key=personas.mia.role)
    FieldPolicy.objects.update_or_create(
        role=role, object_type="deal", field="amount", defaults={"level": FieldLevel.HIDDEN}
    )
    client.force_login(personas.mia)
    weighted = client.get(WEIGHTED).json()
    assert weighted["amounts_visible"] is False
    assert weighted["total"]["amount"] is None and weighted["total"]["deals"] == 3
    assert all(row["weighted"] is None for row in weighted["months"])
    statistical = client.get(STATISTICAL).json()
    assert all(row["expected"] is None for row in statistical["months"])
    backtest = client.get(BACKTEST).json()
    assert all(row["forecast"] is None for row in backtest["quarters"]["rows"])
    html = client.get(f"{PAGE}?part=backtest").content.decode()
    assert "data-amounts-hidden" in html and "700,000" not in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", URLS)
def test_query_counts_do_not_grow_with_deals(client, personas, stages, url):
    client.force_login(personas.mia)
    _deal(personas.alice, stages)
    client.get(url)  # builds the statistics snapshots once
    few = _queries(client, url)
    for index in range(6):
        _deal(personas.bob, stages, stage="Negotiation" if index % 2 else "Contract")
        deal_with_history(
            customer=CustomerFactory(owner=personas.charlie, industry=f"行业{index}"),
            path=[(stages["Lead"], at(2025, 1, 1)), (stages["Won"], at(2025, 2, 1))],
        )
    assert _queries(client, url) == few


def test_a_rep_with_the_analytics_right_sees_only_their_own_deals(client, personas, world):
    Role.objects.filter(key=personas.alice.role).update(can_view_analytics=True)
    client.force_login(personas.alice)
    assert _amount(client) == (100000, 1)
    assert client.get(f"{WEIGHTED}?rep={personas.bob.pk}").status_code == 400


def test_the_nav_links_the_forecast_for_those_who_may_see_it(client, personas, world):
    client.force_login(personas.mia)
    assert 'href="/forecast/"' in client.get("/goals/").content.decode()
    client.force_login(personas.alice)
    assert 'href="/forecast/"' not in client.get("/goals/").content.decode()
