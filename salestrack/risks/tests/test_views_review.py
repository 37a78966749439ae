import io
from datetime import timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salestrack.access.models import FieldLevel, FieldPolicy, ObjectPolicy, Role
from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.core.tests.factories import UserFactory
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.tests.factories import DealFactory
from salestrack.risks.models import ReviewDecision
from salestrack.risks.tests.factories import RiskFlagFactory

pytestmark = pytest.mark.django_db

REVIEW = "/risks/review/"
EXPORT = "/risks/review/export.xlsx"


def _stalled(owner, title, stage, days=30):
    """A deal of `owner` in `stage` for `days` days, last followed up as long ago."""
    then = timezone.now() - timedelta(days=days)
    deal = DealFactory(
        owner=owner,
        customer=CustomerFactory(owner=owner),
        title=title,
        stage=stage,
        stage_entered_at=then,
        next_step="约客户高层",
    )
    Deal.objects.filter(pk=deal.pk).update(created_at=then, last_activity_at=then)
    return deal


@pytest.fixture
def risky(personas, stages):
    return {
        "alice": _stalled(personas.alice, "艾丽丝停滞项目", stages["Lead"]),
        "charlie": _stalled(personas.charlie, "查理停滞项目", stages["Lead"]),
        "fresh": _stalled(personas.bob, "鲍勃新项目", stages["Lead"], days=1),
    }


def test_the_manager_reviews_both_teams(client, personas, risky):
    client.force_login(personas.mia)
    r = client.get(REVIEW)
    html = r.content.decode()
    assert r.status_code == 200
    assert "艾丽丝停滞项目" in html and "查理停滞项目" in html
    assert "鲍勃新项目" not in html
    assert "约客户高层" in html  # next step


@pytest.mark.parametrize("persona", ["alice", "charlie"])
def test_reps_get_403(client, personas, risky, persona):
    client.force_login(getattr(personas, persona))
    assert client.get(REVIEW).status_code == 403
    assert client.get(EXPORT).status_code == 403
    r = client.post(f"/risks/review/{risky['alice'].pk}/decide/", {"decision": "drop"})
    assert r.status_code == 403


def test_the_review_filters_by_team_and_owner(client, personas, risky):
    client.force_login(personas.mia)
    html = client.get(REVIEW, {"team": personas.team_b.pk}).content.decode()
    assert "查理停滞项目" in html and "艾丽丝停滞项目" not in html
    html = client.get(REVIEW, {"owner": personas.alice.pk}).content.decode()
    assert "艾丽丝停滞项目" in html and "查理停滞项目" not in html


def test_a_team_manager_gets_404_for_a_deal_outside_the_team(client, personas, risky):
    manager_a = UserFactory(team=personas.team_a, role=User.Role.MANAGER)
    client.force_login(manager_a)
    html = client.get(REVIEW).content.decode()
    assert "艾丽丝停滞项目" in html and "查理停滞项目" not in html
    r = client.post(f"/risks/review/{risky['charlie'].pk}/decide/", {"decision": "drop"})
    assert r.status_code == 404
    assert not ReviewDecision.objects.exists()


def test_a_decision_is_saved_audited_and_shown(client, personas, risky):
    deal = risky["charlie"]
    client.force_login(personas.mia)
    r = client.post(
        f"/risks/review/{deal.pk}/decide/",
        {"decision": "change_approach", "note": "换决策链", "next": REVIEW},
    )
    assert r.status_code == 302 and r["Location"] == REVIEW
    decision = ReviewDecision.objects.get(deal=deal)
    assert (decision.decision, decision.note, decision.decided_by) == (
        "change_approach",
        "换决策链",
        personas.mia,
    )
    assert AuditEntry.objects.filter(
        object_type="risks.reviewdecision", object_id=str(decision.pk), actor=personas.mia
    ).exists()
    assert "换决策链" in client.get(REVIEW).content.decode()
    assert "换决策链" in client.get(f"/deals/{deal.pk}/").content.decode()


def test_the_htmx_decision_answers_with_the_cell(client, personas, risky):
    client.force_login(personas.mia)
    r = client.post(
        f"/risks/review/{risky['alice'].pk}/decide/",
        {"decision": "continue"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert f'id="decision-{risky["alice"].pk}"' in r.content.decode()


def _sheet_rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_it_exports_the_review_to_excel_with_an_audit_entry(client, personas, risky):
    RiskFlagFactory(deal=risky["fresh"], reason="王总离职")
    client.force_login(personas.mia)
    r = client.get(EXPORT, {"team": personas.team_a.pk})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    fields = entry.extra["fields"]
    rows = _sheet_rows(r)
    assert len(rows[0]) == len(fields)
    by_title = {row[0]: dict(zip(fields, row, strict=True)) for row in rows[1:]}
    assert set(by_title) == {"艾丽丝停滞项目", "鲍勃新项目"}
    assert "王总离职" in by_title["鲍勃新项目"]["reasons"]
    assert by_title["艾丽丝停滞项目"]["days_in_stage"] == 30
    assert by_title["艾丽丝停滞项目"]["next_step"] == "约客户高层"
    assert entry.actor == personas.mia
    assert entry.extra["rows"] == 2
    assert entry.extra["filters"]["team"] == personas.team_a.pk
    assert entry.extra["format"] == "xlsx"


def test_the_export_needs_the_export_right(client, personas, risky):
    ObjectPolicy.objects.filter(role__key=personas.mia.role, object_type="deal").update(
        can_export=False
    )
    client.force_login(personas.mia)
    assert client.get(EXPORT).status_code == 403
    assert "export.xlsx" not in client.get(REVIEW).content.decode()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_the_export_leaves_hidden_fields_out_and_masks_masked_ones(client, personas, risky):
    role = Role.objects.get(key=personas.mia.role)
    for name, level in (("amount", FieldLevel.HIDDEN), ("next_step", FieldLevel.MASKED)):
        FieldPolicy.objects.update_or_create(
            role=role, object_type="deal", field=name, defaults={"level": level}
        )
    client.force_login(personas.mia)
    r = client.get(EXPORT)
    fields = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT).extra["fields"]
    assert "amount" not in fields
    rows = _sheet_rows(r)
    next_steps = {row[fields.index("next_step")] for row in rows[1:]}
    assert next_steps == {"约****"}


def test_the_deal_page_shows_open_flags_and_lets_the_owner_resolve_them(client, personas, risky):
    deal = risky["alice"]
    client.force_login(personas.alice)
    r = client.post(
        f"/risks/deals/{deal.pk}/flags/", {"kind": "decision_maker_left", "reason": "王总离职"}
    )
    assert r.status_code == 302
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "王总离职" in html and "data-risks" in html
    flag = deal.risk_flags.get()
    client.post(f"/risks/flags/{flag.pk}/resolve/")
    flag.refresh_from_db()
    assert flag.resolved_by == personas.alice
    assert "王总离职" not in client.get(f"/deals/{deal.pk}/").content.decode()


def test_outsiders_cannot_raise_or_resolve_flags(client, personas, risky):
    flag = RiskFlagFactory(deal=risky["alice"])
    client.force_login(personas.charlie)
    assert (
        client.post(f"/risks/deals/{risky['alice'].pk}/flags/", {"kind": "other"}).status_code
        == 404
    )
    assert client.post(f"/risks/flags/{flag.pk}/resolve/").status_code == 404
    flag.refresh_from_db()
    assert flag.resolved_at is None


@pytest.mark.parametrize(
    "persona, target",
    [("mia", "/risks/review/"), ("admin", "/risks/review/"), ("alice", "/risks/stalled/")],
)
def test_the_nav_link_goes_to_the_review_for_managers(client, personas, persona, target):
    client.force_login(getattr(personas, persona))
    html = client.get("/deals/").content.decode()
    assert f'<a href="{target}"' in html


def test_the_review_page_query_count_stays_flat(client, personas, stages):
    client.force_login(personas.mia)

    def measure():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(REVIEW).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        deal = _stalled(personas.alice if i % 2 else personas.charlie, f"项目{i}", stages["Lead"])
        RiskFlagFactory(deal=deal)
    client.get(REVIEW)  # medians computed once
    few = measure()
    for i in range(12):
        deal = _stalled(personas.bob, f"更多{i}", stages["Needs confirmed"])
        RiskFlagFactory(deal=deal)
        ReviewDecision.objects.create(
            deal=deal,
            week=timezone.localdate(),
            decision="continue",
            decided_by=personas.mia,
            decided_at=timezone.now(),
        )
    assert measure() == few


@pytest.mark.parametrize("url", ["/risks/stalled/", "/risks/cycle/"])
def test_the_lists_query_count_stays_flat(client, personas, stages, url):
    from salestrack.risks.tests.factories import won_deal

    for _ in range(5):
        won_deal(owner=personas.alice, days=10)
    client.force_login(personas.mia)

    def measure():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _stalled(personas.alice, "一", stages["Lead"])
    client.get(url)
    few = measure()
    for i in range(10):
        _stalled(personas.charlie, f"多{i}", stages["Proposal / quote"])
    html = client.get(url).content.decode()
    assert "多9" in html
    assert measure() == few
