from datetime import date

import pytest
from django.urls import reverse

from salestrack.accounts.models import User
from salestrack.core.tests.factories import UserFactory
from salestrack.reports.selectors import REP, TEAM, report_url
from salestrack.reports.tests.conftest import WEEK

WEEKLY = "weekly"


@pytest.fixture
def alice_week(personas):
    return report_url(WEEKLY, REP, personas.alice.pk, WEEK)


def test_it_shows_a_reps_weekly_report(client, personas, week, alice_week):
    client.force_login(personas.alice)
    r = client.get(alice_week)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-period="2025-05-05"' in html
    assert 'data-figure="won_amount"' in html and "¥100" in html
    assert "by-rep" not in html  # a rep report has no per-rep table


def test_a_manager_opens_the_team_report_with_its_chart(client, personas, week):
    client.force_login(personas.mia)
    r = client.get(report_url(WEEKLY, TEAM, personas.team_a.pk, WEEK))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-table="by-rep"' in html and "report-chart-data" in html
    assert str(personas.bob) in html
    assert client.get(report_url(WEEKLY, REP, personas.alice.pk, WEEK)).status_code == 200


@pytest.mark.parametrize(
    "who, subject, whose",
    [
        ("charlie", REP, "alice"),  # another team's rep
        ("alice", REP, "bob"),  # a teammate
        ("alice", TEAM, "team_a"),  # a rep may not open their team's report
    ],
)
def test_outsiders_get_404(client, personas, week, who, subject, whose):
    client.force_login(getattr(personas, who))
    r = client.get(report_url(WEEKLY, subject, getattr(personas, whose).pk, WEEK))
    assert r.status_code == 404


def test_roles_without_deals_get_403(client, personas):
    auditor = UserFactory(role=User.Role.AUDITOR, team=personas.team_a)
    client.force_login(auditor)
    assert client.get(reverse("reports:index")).status_code == 403
    assert client.get(report_url(WEEKLY, REP, auditor.pk, WEEK)).status_code == 403


def test_a_day_inside_the_period_redirects_to_the_periods_address(client, personas, week):
    client.force_login(personas.alice)
    r = client.get(report_url(WEEKLY, REP, personas.alice.pk, date(2025, 5, 8)))
    assert r.status_code == 302 and r["Location"] == report_url(
        WEEKLY, REP, personas.alice.pk, WEEK
    )
    bad = reverse("reports:report", args=[WEEKLY, REP, personas.alice.pk, "2025-13-40"])
    assert client.get(bad).status_code == 404
    unknown = reverse("reports:report", args=["yearly", REP, personas.alice.pk, "2025-05-05"])
    assert client.get(unknown).status_code == 404


def test_the_picker_defaults_and_redirects(client, personas, week):
    client.force_login(personas.mia)
    page = client.get(reverse("reports:index"))
    assert page.status_code == 200
    html = page.content.decode()
    # last complete week on Wednesday 2025-05-14: the week of Monday 05-05
    assert report_url(WEEKLY, REP, personas.mia.pk, WEEK) in html
    assert report_url(WEEKLY, TEAM, personas.department.pk, WEEK) in html
    r = client.get(
        reverse("reports:index"),
        {"kind": "monthly", "on": "2025-04-09", "subject": f"team:{personas.team_b.pk}"},
    )
    assert r.status_code == 302
    assert r["Location"] == report_url("monthly", TEAM, personas.team_b.pk, date(2025, 4, 1))


def test_the_picker_refuses_what_it_may_not_offer(client, personas, week):
    client.force_login(personas.alice)
    r = client.get(
        reverse("reports:index"),
        {"kind": WEEKLY, "subject": f"team:{personas.team_a.pk}", "on": "2025-05-06"},
    )
    assert r.status_code == 200 and "data-filter-errors" in r.content.decode()
    r = client.get(
        reverse("reports:index"),
        {"kind": WEEKLY, "on": "2030-01-01", "subject": f"rep:{personas.alice.pk}"},
    )
    assert r.status_code == 200 and "data-filter-errors" in r.content.decode()


def test_the_more_menu_links_to_reports(client, personas):
    client.force_login(personas.alice)
    html = client.get(reverse("goals:index")).content.decode()
    assert reverse("reports:index") in html
    assert reverse("calendars:index") in html
