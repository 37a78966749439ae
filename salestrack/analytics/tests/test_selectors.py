"""Each figure against the hand-built history of conftest.py, with exact expected values."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext

from salestrack.analytics.filters import build_filters
from salestrack.analytics.selectors import (
    analytics_breakdown,
    analytics_cycle,
    analytics_funnel,
    analytics_industries,
    analytics_sources,
    analytics_stage_times,
    analytics_summary,
    analytics_targets,
)
from salestrack.analytics.tests.conftest import at, make_deal
from salestrack.goals.models import Goal
from salestrack.goals.tests.factories import GoalFactory

pytestmark = pytest.mark.django_db
D = Decimal


def quarter(**kwargs):
    return build_filters(preset="this_quarter", **kwargs)


def values(rows, name, part="value"):
    return [row[name][part] if row[name] is not None else None for row in rows]


def test_it_resolves_presets_previous_and_history_periods():
    f = quarter()
    assert (f.period.start, f.period.end) == (date(2025, 4, 1), date(2025, 6, 30))
    assert (f.previous.start, f.previous.end) == (date(2025, 1, 1), date(2025, 3, 31))
    assert (f.history.start, f.history.end) == (date(2024, 4, 1), date(2025, 3, 31))
    last = build_filters(preset="last_month")
    assert (last.period.start, last.previous.start) == (date(2025, 4, 1), date(2025, 3, 1))
    custom = build_filters(preset="custom", start=date(2025, 5, 1), end=date(2025, 5, 10))
    assert (custom.previous.start, custom.previous.end) == (date(2025, 4, 21), date(2025, 4, 30))


def test_it_counts_the_funnel_of_the_cohort_with_backward_moves_and_lost_deals(personas, history):
    data = analytics_funnel(user=personas.alice, filters=quarter())
    rows = data["stages"]
    assert [r["name"] for r in rows][:3] == ["线索", "需求确认", "方案报价"]
    # d1 won (beyond every open stage), d2 back from Proposal to Needs, d3 lost in Needs, d4 new
    assert values(rows, "reached") == [4, 3, 2, 1, 1, 1, 1]
    assert values(rows, "amount") == [D(1000), D(600), D(300), D(100), D(100), D(100), D(100)]
    # previous cohort: p1 lost in Negotiation, p2 in Needs, p3 won straight from Lead
    assert values(rows, "reached", "previous") == [3, 3, 2, 2, 1, 1, 1]
    assert [r["history_reached"] for r in rows] == [5, 5, 3, 3, 2, 2, 2]
    assert [r["conversion"]["value"] if r["conversion"] else None for r in rows] == [
        75.0,
        66.7,
        50.0,
        100.0,
        100.0,
        100.0,
        None,
    ]
    assert [r["history_conversion"] for r in rows] == [100.0, 60.0, 100.0, 66.7, 100.0, 100.0, None]
    assert [r["drop_off"] for r in rows] == [1, 1, 1, 0, 0, 0, None]
    assert [r["lost"] for r in rows] == [0, 1, 0, 0, 0, 0, 0]
    assert [r["relative_drop"] for r in rows] == [25.0, -11.2, 50.0, -49.9, 0.0, 0.0, None]
    proposal = rows[2]
    assert data["bottleneck"] == proposal["stage"] and proposal["bottleneck"]
    assert sum(r["bottleneck"] for r in rows) == 1
    assert data["created"] == {"value": 4, "previous": 3, "change_pct": 33.3}
    assert rows[0]["reached"]["change_pct"] == 33.3


def test_it_scopes_every_figure_to_the_records_the_user_may_read(personas, history):
    f = quarter()
    assert analytics_summary(user=personas.alice, filters=f)["created"]["value"] == 4
    assert analytics_summary(user=personas.mia, filters=f)["created"]["value"] == 5
    assert analytics_summary(user=personas.charlie, filters=f)["created"]["value"] == 1
    assert analytics_summary(user=personas.bob, filters=f)["created"]["value"] == 0
    assert analytics_funnel(user=personas.charlie, filters=f)["stages"][1]["reached"]["value"] == 1
    team_b = quarter(team=personas.team_b)
    assert analytics_summary(user=personas.mia, filters=team_b)["created"]["value"] == 1
    only_alice = quarter(rep=personas.alice)
    assert analytics_summary(user=personas.mia, filters=only_alice)["created"]["value"] == 4


def test_it_computes_median_and_average_days_in_each_stage(personas, history):
    rows = analytics_stage_times(user=personas.alice, filters=quarter())["stages"]
    lead, needs, proposal, negotiation = rows[:4]
    # Lead stays ending this quarter: d1 2 d, d2 4 d, d3 1 d; last quarter p1 2 d, p2 1 d and
    # p3 60 d (won straight from Lead)
    assert lead["deals"] == {"value": 3, "previous": 3, "change_pct": 0.0}
    assert lead["median_days"] == {"value": 2.0, "previous": 2.0, "change_pct": 0.0}
    assert lead["average_days"] == {"value": 2.3, "previous": 21.0, "change_pct": -89.0}
    # Needs: d1 5 d, d2 4 d (its second stay, after the move back, is still open), d3 10 d
    assert needs["median_days"]["value"] == 5.0 and needs["average_days"]["value"] == 6.3
    assert needs["stays"]["value"] == 3
    # Proposal: d1 10 d, d2 2 d (an even count: the mean of the two middle stays)
    assert proposal["median_days"]["value"] == 6.0 and proposal["average_days"]["value"] == 6.0
    assert negotiation["deals"] == {"value": 0, "previous": 1, "change_pct": -100.0}
    assert negotiation["median_days"] == {"value": None, "previous": 10.0, "change_pct": None}


def test_it_measures_the_sales_cycle_of_won_deals(personas, history):
    data = analytics_cycle(user=personas.alice, filters=quarter())
    assert data["won"] == {"value": 1, "previous": 1, "change_pct": 0.0}
    assert data["median_days"] == {"value": 17.0, "previous": 60.0, "change_pct": -71.7}
    assert data["average_days"]["value"] == 17.0


def test_it_summarises_won_lost_and_the_win_rate(personas, history):
    s = analytics_summary(user=personas.alice, filters=quarter())
    assert (s["won"]["value"], s["lost"]["value"], s["closed"]["value"]) == (1, 1, 2)
    assert (s["won"]["previous"], s["lost"]["previous"]) == (1, 1)
    assert s["win_rate"] == {"value": 50.0, "previous": 50.0, "change_pct": 0.0}
    assert s["won_amount"] == {"value": D(100), "previous": D(500), "change_pct": -80.0}
    assert s["created_amount"]["value"] == D(1000)


def test_it_breaks_down_by_rep_team_source_industry_and_region(personas, history):
    f = quarter()
    by_rep = analytics_breakdown(user=personas.mia, filters=f, by="rep")["rows"]
    assert [(r["label"], r["closed"]["value"], r["won"]["value"]) for r in by_rep] == [
        ("艾丽丝", 2, 1)
    ]
    alice = by_rep[0]
    assert alice["win_rate"]["value"] == 50.0 and alice["won_amount"]["value"] == D(100)
    assert alice["median_cycle_days"]["value"] == 17.0
    assert alice["won_amount"]["previous"] == D(500) and alice["won_amount"]["change_pct"] == -80
    by_team = analytics_breakdown(user=personas.mia, filters=f, by="team")["rows"]
    assert [(r["label"], r["key"]) for r in by_team] == [("上海一组", str(personas.team_a.pk))]
    by_industry = analytics_breakdown(user=personas.alice, filters=f, by="industry")["rows"]
    assert [(r["label"], r["closed"]["value"], r["won"]["value"]) for r in by_industry] == [
        ("金融", 1, 1),
        ("制造", 1, 0),
    ]
    # closed this quarter: d3 (lost); last quarter: p1 (lost)
    assert by_industry[1]["closed"] == {"value": 1, "previous": 1, "change_pct": 0.0}
    assert by_industry[1]["win_rate"] == {"value": 0.0, "previous": 0.0, "change_pct": None}
    by_region = analytics_breakdown(user=personas.alice, filters=f, by="region")["rows"]
    assert {r["label"]: r["closed"]["value"] for r in by_region} == {
        "上海": 1,
        "江苏": 1,
        gettext("(not set)"): 0,
    }
    by_source = analytics_breakdown(user=personas.alice, filters=f, by="source")["rows"]
    assert {r["key"]: r["won"]["value"] for r in by_source} == {
        "referral": 1,
        "website": 0,
    }


def test_it_rates_lead_sources_by_conversion_and_won_amount(personas, history):
    rows = analytics_sources(user=personas.alice, filters=quarter())["rows"]
    by_key = {r["key"]: r for r in rows}
    assert set(by_key) == {"referral", "website", "-"}
    referral = by_key["referral"]
    assert referral["created"] == {"value": 2, "previous": 1, "change_pct": 100.0}
    assert referral["won"] == {"value": 1, "previous": 1, "change_pct": 0.0}
    assert referral["conversion"] == {"value": 50.0, "previous": 100.0, "change_pct": -50.0}
    assert referral["won_amount"]["value"] == D(100)
    assert by_key["website"]["conversion"]["value"] == 0.0
    assert by_key["-"]["created"]["value"] == 1 and by_key["-"]["created"]["previous"] == 1


def test_it_shows_the_industry_mix_of_won_business(personas, history):
    rows = analytics_industries(user=personas.alice, filters=quarter())["rows"]
    assert [(r["label"], r["won"]["value"], r["share_pct"]["value"]) for r in rows] == [
        ("金融", 1, 100.0)
    ]
    assert rows[0]["won_amount"] == {"value": D(100), "previous": D(500), "change_pct": -80.0}


def test_it_reports_target_completion_from_rep_and_team_goals(personas, history):
    GoalFactory(scope_kind=Goal.ScopeKind.REP, user=personas.alice, target=D(1000))
    GoalFactory(
        scope_kind=Goal.ScopeKind.TEAM,
        team=personas.team_a,
        metric=Goal.Metric.WON_COUNT,
        target=D(4),
    )
    GoalFactory()  # the company's: not a rep or region figure
    rows = analytics_targets(user=personas.mia, filters=quarter())["rows"]
    assert [(r["kind"], r["target"], r["actual"], r["completion_pct"]) for r in rows] == [
        ("rep", D(1000), D(100), 10),
        ("team", D(4), D(1), 25),
    ]


def test_it_hides_money_for_a_role_whose_amount_field_is_hidden(personas, history, settings):
    from salestrack.access.models import FieldLevel, FieldPolicy, Role

    role = Role.objects.get(key=personas.mia.role)
    FieldPolicy.objects.update_or_create(
        role=role, object_type="deal", field="amount", defaults={"level": FieldLevel.HIDDEN}
    )
    f = quarter()
    assert analytics_summary(user=personas.mia, filters=f)["won_amount"] is None
    funnel = analytics_funnel(user=personas.mia, filters=f)
    assert not funnel["amounts_visible"] and funnel["stages"][0]["amount"] is None
    assert (
        analytics_breakdown(user=personas.mia, filters=f, by="rep")["rows"][0]["won_amount"] is None
    )
    assert analytics_sources(user=personas.mia, filters=f)["rows"][0]["won_amount"] is None
    industries = analytics_industries(user=personas.mia, filters=f)["rows"]
    assert industries[0]["won_amount"] is None and industries[0]["share_pct"]["value"] == 100.0


FIGURES = [
    lambda u, f: analytics_summary(user=u, filters=f),
    lambda u, f: analytics_funnel(user=u, filters=f),
    lambda u, f: analytics_stage_times(user=u, filters=f),
    lambda u, f: analytics_cycle(user=u, filters=f),
    lambda u, f: analytics_breakdown(user=u, filters=f, by="rep"),
    lambda u, f: analytics_breakdown(user=u, filters=f, by="industry"),
    lambda u, f: analytics_sources(user=u, filters=f),
]


def _queries(user, filters) -> list[int]:
    counts = []
    for figure in FIGURES:
        with CaptureQueriesContext(connection) as ctx:
            figure(user, filters)
        counts.append(len(ctx.captured_queries))
    return counts


def test_it_runs_the_same_number_of_queries_whatever_the_number_of_deals(personas, stages):
    f = quarter()
    mia = personas.mia
    make_deal(personas.alice, stages, [("lead", at(2025, 4, 1)), ("won", at(2025, 4, 9))])
    _queries(mia, f)  # the role's permissions load once per user object
    before = _queries(mia, f)
    for i in range(12):
        owner = personas.bob if i % 2 else personas.charlie
        make_deal(
            owner,
            stages,
            [("lead", at(2025, 4, 1 + i)), ("needs", at(2025, 4, 2 + i)), ("won", at(2025, 5, 1))],
            industry=f"行业{i}",
        )
    assert _queries(mia, f) == before
    assert max(before) <= 4
