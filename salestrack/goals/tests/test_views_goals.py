"""The goals page, a goal's page, the decomposition tool and the goals card on 我的跟进."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from salestrack.audit.models import AuditEntry
from salestrack.deals.models import Deal
from salestrack.deals.tests.factories import DealFactory
from salestrack.goals.models import Goal
from salestrack.goals.tests.factories import GoalFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("goals:index")
PLAN = reverse("goals:plan")
CREATE = reverse("goals:create")
MINE = reverse("activities:mine")
NOW = datetime(2025, 5, 14, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MAY = {"period_kind": "month", "start": date(2025, 5, 1), "end": date(2025, 5, 31)}


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def plan_data(personas, **changes) -> dict:
    data = {
        "period_kind": "quarter",
        "period_on": "2025-05-14",
        "subject": f"team:{personas.team_a.pk}",
        "target": "10000000",
        "avg_deal_size": "100000",
        "conversion_pct": "10",
        "margin_pct": "",
        "time_split": "equal",
        "rep_split": "equal",
        "note": "",
        "action": "propose",
    }
    return {**data, **changes}


def goal_ids(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-goal="(\d+)"', html)}


@pytest.mark.parametrize("who", ["alice", "mia", "admin"])
def test_it_renders_the_goals_page(client, personas, who):
    GoalFactory(**MAY)
    GoalFactory(scope_kind="rep", user=personas.alice, **MAY)
    client.force_login(getattr(personas, who))
    response = client.get(INDEX)
    assert response.status_code == 200
    assert len(goal_ids(response.content.decode())) == 2
    assert ('href="/goals/plan/"' in response.content.decode()) == (who != "alice")
    calendar = reverse("admin:goals_workcalendarday_changelist")
    assert (calendar in response.content.decode()) == (who == "admin")
    if who == "admin":
        assert client.get(calendar).status_code == 200


def test_it_shows_actual_expected_target_and_light(client, personas):
    goal = GoalFactory(scope_kind="rep", user=personas.alice, target=Decimal(2200), **MAY)
    DealFactory(owner=personas.alice, amount=Decimal(500), status=Deal.Status.WON, closed_at=NOW)
    client.force_login(personas.alice)
    html = client.get(INDEX).content.decode()
    row = re.search(rf'<tr data-goal="{goal.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "¥500" in row  # actual
    assert "¥900" in row  # expected: 9 of 22 working days of May 2025 are done
    assert "¥2,200" in row
    assert 'data-light="red"' in row


def test_it_picks_the_period(client, personas):
    may = GoalFactory(**MAY)
    april = GoalFactory(period_kind="month", start=date(2025, 4, 1), end=date(2025, 4, 30))
    client.force_login(personas.admin)
    assert goal_ids(client.get(INDEX).content.decode()) == {may.pk}
    assert goal_ids(client.get(INDEX, {"on": "2025-04-10"}).content.decode()) == {april.pk}
    assert goal_ids(client.get(INDEX, {"kind": "week"}).content.decode()) == set()
    assert client.get(INDEX, {"on": "not-a-date"}).status_code == 200


def test_it_narrows_to_a_team_and_its_reps_and_to_a_light(client, personas):
    company = GoalFactory(**MAY)
    team_a = GoalFactory(scope_kind="team", team=personas.team_a, **MAY)
    team_b = GoalFactory(scope_kind="team", team=personas.team_b, **MAY)
    alice = GoalFactory(scope_kind="rep", user=personas.alice, target=Decimal(2200), **MAY)
    charlie = GoalFactory(scope_kind="rep", user=personas.charlie, target=Decimal(1), **MAY)
    DealFactory(owner=personas.charlie, amount=Decimal(500), status="won", closed_at=NOW)
    client.force_login(personas.admin)
    html = client.get(INDEX).content.decode()
    assert goal_ids(html) == {company.pk, team_a.pk, team_b.pk, alice.pk, charlie.pk}
    assert f'<option value="{personas.team_b.pk}">' in html
    by_team = client.get(INDEX, {"team": personas.team_a.pk}).content.decode()
    assert goal_ids(by_team) == {team_a.pk, alice.pk}
    department = client.get(INDEX, {"team": personas.department.pk}).content.decode()
    assert goal_ids(department) == {team_a.pk, team_b.pk, alice.pk, charlie.pk}
    assert goal_ids(client.get(INDEX, {"light": "red"}).content.decode()) >= {alice.pk}
    green = goal_ids(client.get(INDEX, {"light": "green"}).content.decode())
    assert charlie.pk in green and alice.pk not in green
    # a rep is offered only the teams of the goals they see
    client.force_login(personas.alice)
    html = client.get(INDEX).content.decode()
    assert f'<option value="{personas.team_a.pk}">' in html
    assert f'<option value="{personas.team_b.pk}">' not in html


def test_it_answers_404_for_goals_out_of_scope(client, personas):
    charlies = GoalFactory(scope_kind="rep", user=personas.charlie, **MAY)
    team_b = GoalFactory(scope_kind="team", team=personas.team_b, **MAY)
    client.force_login(personas.alice)
    assert client.get(reverse("goals:detail", args=[charlies.pk])).status_code == 404
    assert client.get(reverse("goals:detail", args=[team_b.pk])).status_code == 404
    assert client.post(reverse("goals:delete", args=[team_b.pk])).status_code == 404
    client.force_login(personas.mia)
    assert client.get(reverse("goals:detail", args=[team_b.pk])).status_code == 200


def test_reps_may_not_set_goals(client, personas):
    client.force_login(personas.alice)
    assert client.get(PLAN).status_code == 403
    assert client.post(PLAN, plan_data(personas, action="save")).status_code == 403
    assert client.get(CREATE).status_code == 403
    mine = GoalFactory(scope_kind="rep", user=personas.alice, **MAY)
    assert client.post(reverse("goals:delete", args=[mine.pk])).status_code == 403
    assert Goal.objects.count() == 1


def test_it_proposes_the_textbook_decomposition(client, personas):
    client.force_login(personas.mia)
    response = client.post(PLAN, plan_data(personas))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"data-weeks>13<", html)
    assert re.search(r"data-weekly-deals>8<", html)
    assert re.search(r"data-weekly-contacts>80<", html)
    assert 'name="row_p.m1" value="3333333.34"' in html
    assert 'name="row_p.m1.w1" value="769230.77"' in html
    assert f'name="weight_{personas.alice.pk}"' in html
    assert f'name="weight_{personas.mia.pk}"' not in html  # managers are not split over
    assert not Goal.objects.exists()


def test_it_saves_the_adjusted_proposal(client, personas):
    client.force_login(personas.mia)
    data = plan_data(
        personas,
        action="save",
        margin_pct="15",
        **{"row_p.m1": "3000000", f"weight_{personas.bob.pk}": "0"},
    )
    response = client.post(PLAN, data)
    root = Goal.objects.get(parent=None)
    assert response.status_code == 302 and response["Location"] == root.get_absolute_url()
    assert root.target == Decimal(10_000_000)
    april = root.children.get(period_kind="month", start=date(2025, 4, 1), scope_kind="team")
    assert april.target == 3_000_000
    assert not Goal.objects.filter(user=personas.bob).exists()  # weight 0
    assert Goal.objects.filter(user=personas.alice).count() == 17
    assert AuditEntry.objects.filter(object_type="goals.goal", action="create").count() == 1
    detail = client.get(root.get_absolute_url())
    assert detail.status_code == 200
    assert "echarts.min.js" in detail.content.decode()


def test_it_shows_why_a_save_was_refused(client, personas):
    GoalFactory(scope_kind="team", team=personas.team_a, period_kind="quarter",
                start=date(2025, 4, 1), end=date(2025, 6, 30))  # fmt: skip
    client.force_login(personas.mia)
    response = client.post(PLAN, plan_data(personas, action="save", **{"row_p.m1": "123"}))
    assert response.status_code == 200
    assert 'class="errors"' in response.content.decode()
    assert 'name="row_p.m1" value="123"' in response.content.decode()
    assert Goal.objects.count() == 1


def test_it_creates_a_single_goal(client, personas):
    client.force_login(personas.mia)
    data = {
        "period_kind": "week",
        "period_on": "2025-05-14",
        "subject": f"rep:{personas.charlie.pk}",
        "metric": "followups",
        "target": "40",
        "note": "",
    }
    response = client.post(CREATE, data)
    goal = Goal.objects.get()
    assert response.status_code == 302
    assert (goal.start, goal.end) == (date(2025, 5, 12), date(2025, 5, 18))
    assert goal.user == personas.charlie
    assert client.post(CREATE, data).status_code == 200  # a duplicate is refused with a message
    assert Goal.objects.count() == 1


def test_it_shows_my_goals_on_my_follow_ups(client, personas):
    mine = GoalFactory(scope_kind="rep", user=personas.alice, **MAY)
    bobs = GoalFactory(scope_kind="rep", user=personas.bob, **MAY)
    client.force_login(personas.alice)
    html = client.get(MINE).content.decode()
    assert 'id="my-goals"' in html
    assert goal_ids(html) == {mine.pk}
    assert bobs.pk not in goal_ids(html)
    client.force_login(personas.charlie)
    assert 'id="my-goals"' not in client.get(MINE).content.decode()


def test_the_nav_links_to_goals(client, personas):
    client.force_login(personas.alice)
    assert f'href="{INDEX}"' in client.get(MINE).content.decode()


def test_the_goals_page_query_count_does_not_grow_with_deals(client, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    GoalFactory(**MAY)
    GoalFactory(scope_kind="team", team=personas.team_a, **MAY)
    GoalFactory(scope_kind="rep", user=personas.alice, metric="won_count", **MAY)
    client.force_login(personas.mia)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(INDEX).status_code == 200
        return len(ctx.captured_queries)

    DealFactory(owner=personas.alice, status=Deal.Status.WON, closed_at=NOW)
    few = queries()
    for owner in (personas.alice, personas.bob, personas.charlie) * 5:
        DealFactory(owner=owner, status=Deal.Status.WON, closed_at=NOW)
    assert queries() == few
