"""The dashboard, the JSON endpoints and the drill-down lists: access, filters, scoping, and
that every drill-down lists exactly as many deals as the figure it comes from."""

from urllib.parse import parse_qs, urlsplit

import pytest

from salestrack.accounts.models import User
from salestrack.core.tests.factories import UserFactory
from salestrack.goals.models import Goal
from salestrack.goals.tests.factories import GoalFactory

pytestmark = pytest.mark.django_db
ENDPOINTS = ("summary", "funnel", "stage_times", "cycle", "sources", "industries", "targets")


def api(client, name, **params):
    return client.get(f"/analytics/api/{name}.json", params)


def drill_count(client, url: str) -> int:
    r = client.get(url)
    assert r.status_code == 200, (url, r.content[:300])
    return r.context["page"].paginator.count


def figure_urls(data, value_key="value"):
    """(figure value, url) pairs of a JSON figure, wherever a url sits next to a value."""
    pairs = []

    def walk(node):
        if isinstance(node, dict):
            for key, url_key in (
                ("reached", "url"),
                ("deals", "url"),
                ("closed", "closed_url"),
                ("won", "won_url"),
                ("created", "created_url"),
            ):
                if isinstance(node.get(key), dict) and url_key in node:
                    pairs.append((node[key][value_key], node[url_key]))
            for key in ("created", "won", "lost", "closed"):
                if isinstance(node.get(key), dict) and "url" in node[key]:
                    pairs.append((node[key]["value"], node[key]["url"]))
                    pairs.append((node[key]["previous"], node[key]["previous_url"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return pairs


@pytest.mark.parametrize("name", ENDPOINTS)
def test_it_serves_each_figure_as_json_for_the_filters(client, personas, history, name):
    client.force_login(personas.mia)
    r = api(client, name, period="this_quarter")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    data = r.json()
    assert data["filters"]["start"] == "2025-04-01" and data["filters"]["end"] == "2025-06-30"
    assert data["filters"]["previous"] == {"start": "2025-01-01", "end": "2025-03-31"}


def test_it_serves_the_breakdown_by_each_dimension(client, personas, history):
    client.force_login(personas.mia)
    for by in ("rep", "team", "source", "industry", "region"):
        data = api(client, "breakdown", by=by).json()
        assert data["by"] == by and data["rows"]
    r = api(client, "breakdown", by="colour")
    assert r.status_code == 400 and "by" in r.json()["errors"]
    assert api(client, "breakdown").status_code == 400


def test_the_json_figures_follow_the_scope_alice_mia_charlie(client, personas, history):
    created = {}
    for user in (personas.alice, personas.mia, personas.charlie):
        client.force_login(user)
        created[user.username] = api(client, "summary").json()["created"]["value"]
    assert created == {"alice": 4, "mia": 5, "charlie": 1}
    client.force_login(personas.charlie)
    rows = api(client, "breakdown", by="rep").json()["rows"]
    assert all(row["label"] != "艾丽丝" for row in rows)


def test_it_filters_by_period_pipeline_team_and_rep(client, personas, history):
    client.force_login(personas.mia)
    last = api(client, "summary", period="last_quarter").json()
    assert last["created"]["value"] == 3
    custom = api(client, "summary", period="custom", start="2025-04-01", end="2025-04-02")
    assert custom.json()["created"]["value"] == 2  # d1, d2
    team_b = api(client, "summary", team=personas.team_b.pk).json()
    assert team_b["created"]["value"] == 1
    rep = api(client, "summary", rep=personas.alice.pk).json()
    assert rep["created"]["value"] == 4


@pytest.mark.parametrize(
    "params, field",
    [
        ({"period": "next_century"}, "period"),
        ({"pipeline": "999999"}, "pipeline"),
        ({"pipeline": "abc"}, "pipeline"),
        ({"team": "999999"}, "team"),
        ({"rep": "999999"}, "rep"),
        ({"period": "custom", "start": "2025-05-01"}, "__all__"),
        ({"period": "custom", "start": "2025-05-01", "end": "2025-04-01"}, "__all__"),
        ({"period": "custom", "start": "yesterday", "end": "2025-04-01"}, "start"),
    ],
)
def test_it_refuses_unknown_filter_values_with_a_message(client, personas, params, field):
    client.force_login(personas.mia)
    r = api(client, "summary", **params)
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert field in errors and errors[field][0]
    page = client.get("/analytics/", params)
    assert page.status_code == 400 and b"data-filter-errors" in page.content


def test_a_rep_may_not_filter_by_a_colleague_of_another_team(client, personas, history):
    client.force_login(personas.alice)
    assert api(client, "summary", rep=personas.charlie.pk).status_code == 400
    assert api(client, "summary", team=personas.team_b.pk).status_code == 400


def test_every_drill_down_lists_exactly_the_deals_behind_its_figure(client, personas, history):
    GoalFactory(scope_kind=Goal.ScopeKind.REP, user=personas.alice, metric="won_count", target=3)
    client.force_login(personas.mia)
    checked = 0
    for name in ("summary", "funnel", "stage_times", "sources"):
        for value, url in figure_urls(api(client, name).json()):
            assert drill_count(client, url) == value, url
            checked += 1
    for by in ("rep", "team", "source", "industry", "region"):
        for value, url in figure_urls(api(client, "breakdown", by=by).json()):
            assert drill_count(client, url) == value, url
            checked += 1
    cycle = api(client, "cycle").json()
    assert drill_count(client, cycle["url"]) == cycle["won"]["value"] == 1
    for row in api(client, "industries").json()["rows"]:
        assert drill_count(client, row["url"]) == row["won"]["value"]
    (target,) = api(client, "targets").json()["rows"]
    assert drill_count(client, target["url"]) == int(float(target["actual"])) == 1
    assert checked > 40


def test_the_funnel_drill_down_lists_the_deals_that_reached_the_stage(client, personas, history):
    client.force_login(personas.alice)
    proposal = api(client, "funnel").json()["stages"][2]
    r = client.get(proposal["url"])
    titles = {deal.title for deal in r.context["page"].object_list}
    assert titles == {history.deals["d1"].title, history.deals["d2"].title}
    assert parse_qs(urlsplit(proposal["url"]).query)["figure"] == ["reached"]


def test_the_drill_down_refuses_unknown_figures_and_stages(client, personas, history, stages):
    client.force_login(personas.alice)
    assert client.get("/analytics/deals/", {"figure": "everything"}).status_code == 400
    assert client.get("/analytics/deals/", {"figure": "reached"}).status_code == 400
    other = client.get("/analytics/deals/", {"figure": "reached", "stage": 999999})
    assert other.status_code == 400
    assert client.get("/analytics/deals/", {"figure": "goal", "goal": 999999}).status_code == 400
    assert (
        client.get("/analytics/deals/", {"figure": "won", "by": "rep", "key": "x"}).status_code
        == 400
    )


def test_the_dashboard_shows_charts_the_bottleneck_and_changes(client, personas, history):
    client.force_login(personas.mia)
    r = client.get("/analytics/", {"part": "all"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "vendor/echarts.min.js" in html and 'id="analytics-funnel-data"' in html
    assert 'class="bottleneck"' in html and "js/analytics.js" in html
    assert 'class="delta' in html
    assert "/analytics/deals/?" in html
    assert "hx-trigger" not in html.split('id="analytics-cards"')[1]  # nothing left to load


CARD_NAMES = ["kpis", "funnel", "stage_times", "breakdown", "sources", "industries", "targets"]


def test_the_frame_paints_without_figures_and_each_card_loads_alone(
    client, personas, history, django_assert_max_num_queries
):
    client.force_login(personas.mia)
    with django_assert_max_num_queries(12):  # session, user, role, filter choices: no figure
        frame = client.get("/analytics/", {"period": "this_quarter"})
    html = frame.content.decode()
    loading = [c for c in CARD_NAMES if f'data-card-loading="{c}"' in html]
    assert loading == CARD_NAMES
    assert "period=this_quarter&amp;part=funnel" in html  # each card keeps the filters
    assert "data-table" not in html and "2025-04-01 – 2025-06-30" in html
    for name in CARD_NAMES:
        card = client.get(
            "/analytics/", {"period": "this_quarter", "part": name}, HTTP_HX_REQUEST="true"
        )
        assert card.status_code == 200, name
        part = card.content.decode()
        assert f'id="card-{name}"' in part and "<html" not in part, name
        assert "Loading" not in part and "hx-trigger" not in part, name
    funnel = client.get("/analytics/", {"part": "funnel"}, HTTP_HX_REQUEST="true")
    assert 'class="bottleneck"' in funnel.content.decode()


def test_the_breakdown_card_switches_dimension_and_keeps_unknown_ones_out(
    client, personas, history
):
    client.force_login(personas.mia)
    card = client.get("/analytics/", {"part": "breakdown", "by": "team"}, HTTP_HX_REQUEST="true")
    html = card.content.decode()
    assert 'data-table="breakdown-team"' in html and "上海一组" in html
    assert 'part=breakdown&amp;by=industry"' in html  # the other tabs load the same way
    fallback = client.get("/analytics/", {"part": "breakdown", "by": "nonsense"})
    assert 'data-table="breakdown-rep"' in fallback.content.decode()  # whole page, first tab
    assert (
        client.get("/analytics/", {"part": "everything"}, HTTP_HX_REQUEST="true").status_code == 404
    )


def test_cards_follow_access_and_the_filters(client, personas, history):
    client.force_login(personas.alice)
    card = client.get("/analytics/", {"part": "kpis"}, HTTP_HX_REQUEST="true")
    assert card.status_code == 200
    assert card.context["figures"]["summary"]["created"]["value"] == 4  # her own deals
    auditor = UserFactory(role="auditor", team=personas.team_a)
    client.force_login(auditor)
    assert client.get("/analytics/", {"part": "kpis"}, HTTP_HX_REQUEST="true").status_code == 403
    client.force_login(personas.mia)
    bad = client.get("/analytics/", {"part": "kpis", "period": "x"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and "data-card" not in bad.content.decode()


def test_reps_see_their_own_figures_and_auditors_are_refused(client, personas, history):
    client.force_login(personas.alice)
    assert client.get("/analytics/").status_code == 200
    auditor = UserFactory(role="auditor", team=personas.team_a)
    client.force_login(auditor)
    assert client.get("/analytics/").status_code == 403
    assert api(client, "summary").status_code == 403
    assert client.get("/analytics/deals/", {"figure": "won"}).status_code == 403
    assert "/analytics/" not in client.get("/audit/").content.decode()


def test_anonymous_users_are_sent_to_log_in(client):
    assert client.get("/analytics/api/summary.json").status_code == 302
    assert client.get("/analytics/").status_code == 302


def test_unknown_endpoints_answer_404(client, personas):
    client.force_login(personas.mia)
    assert client.get("/analytics/api/everything.json").status_code == 404


def test_money_is_left_out_for_a_role_whose_amount_is_hidden(client, personas, history):
    from salestrack.access.models import FieldLevel, FieldPolicy, Role

    role = Role.objects.get(key=personas.mia.role)
    FieldPolicy.objects.update_or_create(
        role=role, object_type="deal", field="amount", defaults={"level": FieldLevel.HIDDEN}
    )
    client.force_login(personas.mia)
    summary = api(client, "summary").json()
    assert summary["amounts_visible"] is False and summary["won_amount"] is None
    funnel = api(client, "funnel").json()
    assert all(row["amount"] is None for row in funnel["stages"])
    html = client.get("/analytics/", {"part": "all"}).content.decode()
    assert "¥" not in html and 'data-table="funnel"' in html
    drill = client.get(funnel["stages"][0]["url"]).content.decode()
    assert "¥" not in drill and "900" not in drill


def test_users_without_a_team_scope_are_not_shown_other_teams(client, personas):
    """The team filter of a rep offers only their own team's subtree."""
    client.force_login(personas.alice)
    r = client.get("/analytics/")
    options = [str(t) for t in r.context["filter_form"].fields["team"].queryset]
    assert options == ["上海一组"]
    assert User.objects.filter(pk=personas.alice.pk).exists()
