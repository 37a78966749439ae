"""POST /deals/<id>/move/: drags on the board (htmx) and the stage form on the deal page."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from salestrack.core.tests.i18n import zh
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.deals.errors import deal_conflict
from salestrack.deals.models import Deal, StageChange
from salestrack.deals.tests.factories import DealFactory
from salestrack.pipeline.services import pipeline_create

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def conflict_message() -> str:
    with translation.override("zh-hans"):
        return escape(deal_conflict().message)


@pytest.fixture
def alice_deal(personas, stages) -> Deal:
    """Alice's deal waiting in 'Needs confirmed', whose exit needs confirmed requirements."""
    return DealFactory(
        owner=personas.alice,
        customer=CustomerFactory(owner=personas.alice),
        stage=stages["Needs confirmed"],
        title="华信 ERP 升级",
        amount=Decimal("80000.00"),
    )


def move_url(deal) -> str:
    return reverse("deals:move", args=[deal.pk])


def missing_inputs(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="missing" value="([^"]+)">', html)


def fact_fields(html: str) -> list[str]:
    return sorted(set(re.findall(r'name="fact-([a-z_]+)"', html)))


def head_count(html: str, stage) -> int:
    """The deal count in a column head sent out of band."""
    match = re.search(rf'id="col-head-{stage.pk}".*?<span data-count>(\d+)</span>', html, re.S)
    assert match, f"no head for column {stage.name_en}"
    return int(match.group(1))


def unchanged(deal: Deal, stage, version: int = 1, history: int = 1) -> bool:
    deal.refresh_from_db()
    return (
        deal.stage_id == stage.pk
        and deal.version == version
        and StageChange.objects.filter(deal=deal).count() == history
    )


def test_it_asks_for_exactly_the_missing_fact(client, personas, stages, alice_deal):
    client.force_login(personas.alice)

    r = client.post(
        move_url(alice_deal), {"to_stage": stages["Proposal / quote"].pk, "version": 1}, **HTMX
    )

    assert r.status_code == 200
    assert r["HX-Retarget"] == "#modal"
    assert r["HX-Reswap"] == "innerHTML"
    assert r["HX-Trigger"] == "move-refused"
    html = r.content.decode()
    assert "<html" not in html
    assert missing_inputs(html) == ["confirmed_requirements"]
    assert fact_fields(html) == ["confirmed_requirements"]
    assert unchanged(alice_deal, stages["Needs confirmed"])


def test_it_asks_for_every_fact_of_the_skipped_stages(client, personas, stages, alice_deal):
    client.force_login(personas.alice)

    r = client.post(
        move_url(alice_deal), {"to_stage": stages["Negotiation"].pk, "version": 1}, **HTMX
    )

    html = r.content.decode()
    assert missing_inputs(html) == ["confirmed_requirements", "quote_amount"]
    assert fact_fields(html) == ["confirmed_requirements", "quote_amount"]
    assert unchanged(alice_deal, stages["Needs confirmed"])


def test_it_asks_for_the_lost_reason(client, personas, stages, alice_deal):
    client.force_login(personas.alice)

    r = client.post(move_url(alice_deal), {"to_stage": stages["Lost"].pk, "version": 1}, **HTMX)

    assert r["HX-Retarget"] == "#modal"
    assert missing_inputs(r.content.decode()) == ["lost_reason"]
    assert unchanged(alice_deal, stages["Needs confirmed"])


def test_it_moves_with_the_facts_and_answers_card_and_column_heads(
    client, personas, stages, alice_deal
):
    client.force_login(personas.alice)

    r = client.post(
        move_url(alice_deal),
        {
            "to_stage": stages["Proposal / quote"].pk,
            "version": 1,
            "with_facts": "1",
            "missing": "confirmed_requirements",
            "fact-confirmed_requirements": "100 用户，含移动端审批",
        },
        **HTMX,
    )

    assert r.status_code == 200
    assert "HX-Retarget" not in r
    html = r.content.decode()
    assert f'id="deal-card-{alice_deal.pk}"' in html
    assert 'data-version="2"' in html
    heads = re.findall(r'id="col-head-(\d+)"[^>]*hx-swap-oob="true"', html)
    assert heads == [str(s.pk) for s in stages.values()]
    assert head_count(html, stages["Proposal / quote"]) == 1
    assert head_count(html, stages["Needs confirmed"]) == 0
    assert '<div id="modal" hx-swap-oob="innerHTML"></div>' in html  # closes the gate modal

    alice_deal.refresh_from_db()
    assert alice_deal.stage == stages["Proposal / quote"]
    assert alice_deal.confirmed_requirements == "100 用户，含移动端审批"
    assert alice_deal.version == 2
    last = StageChange.objects.filter(deal=alice_deal).order_by("entered_at", "id").last()
    assert last.from_stage == stages["Needs confirmed"]
    assert last.to_stage == stages["Proposal / quote"]
    assert last.actor == personas.alice


def test_it_moves_an_ungated_drag_and_leaves_the_modal_alone(client, personas, stages):
    deal = DealFactory(owner=personas.alice, customer=CustomerFactory(owner=personas.alice))
    client.force_login(personas.alice)

    r = client.post(
        move_url(deal), {"to_stage": stages["Needs confirmed"].pk, "version": 1}, **HTMX
    )

    assert r.status_code == 200
    assert f'id="deal-card-{deal.pk}"' in r.content.decode()
    assert 'id="modal"' not in r.content.decode()
    deal.refresh_from_db()
    assert deal.stage == stages["Needs confirmed"]


@pytest.mark.parametrize("value", ["", "   "])
def test_it_asks_again_when_the_fact_is_empty(client, personas, stages, alice_deal, value):
    client.force_login(personas.alice)

    r = client.post(
        move_url(alice_deal),
        {
            "to_stage": stages["Proposal / quote"].pk,
            "version": 1,
            "with_facts": "1",
            "missing": "confirmed_requirements",
            "fact-confirmed_requirements": value,
        },
        **HTMX,
    )

    assert r.status_code == 200
    assert r["HX-Retarget"] == "#modal"
    html = r.content.decode()
    assert fact_fields(html) == ["confirmed_requirements"]
    assert "field-error" in html
    assert zh("This field is required.") in html
    assert unchanged(alice_deal, stages["Needs confirmed"])
    assert alice_deal.confirmed_requirements == ""


def test_it_refuses_a_decision_maker_of_another_customer(client, personas, stages):
    deal = DealFactory(
        owner=personas.alice,
        customer=CustomerFactory(owner=personas.alice),
        stage=stages["Negotiation"],
        confirmed_requirements="已确认",
        quote_amount=Decimal("90000"),
    )
    stranger = ContactFactory(customer=CustomerFactory(owner=personas.charlie))
    client.force_login(personas.alice)

    r = client.post(
        move_url(deal),
        {
            "to_stage": stages["Contract"].pk,
            "version": 1,
            "with_facts": "1",
            "missing": "decision_maker",
            "fact-decision_maker": stranger.pk,
        },
        **HTMX,
    )

    assert r["HX-Retarget"] == "#modal"
    assert "field-error" in r.content.decode()
    assert unchanged(deal, stages["Negotiation"])
    assert deal.decision_maker is None


def test_it_refuses_a_stale_version(client, personas, stages):
    deal = DealFactory(owner=personas.alice, customer=CustomerFactory(owner=personas.alice))
    client.force_login(personas.alice)
    moved = client.post(move_url(deal), {"to_stage": stages["Needs confirmed"].pk, "version": 1})
    assert moved.status_code == 302

    r = client.post(move_url(deal), {"to_stage": stages["Lead"].pk, "version": 1}, **HTMX)

    assert r.status_code == 200
    assert r["HX-Retarget"] == "#modal"
    html = r.content.decode()
    assert zh("This deal changed meanwhile") in html
    assert conflict_message() in html
    assert unchanged(deal, stages["Needs confirmed"], version=2, history=2)


def test_it_refuses_a_stage_of_another_pipeline(client, personas, stages, alice_deal):
    other = pipeline_create(name="项目制", name_en="Projects")
    client.force_login(personas.alice)

    r = client.post(
        move_url(alice_deal), {"to_stage": other.stages.first().pk, "version": 1}, **HTMX
    )

    assert r.status_code == 200
    assert r["HX-Retarget"] == "#modal"
    assert zh("Choose a stage of this deal's pipeline.") in r.content.decode()
    assert unchanged(alice_deal, stages["Needs confirmed"])


def test_it_hides_alices_deal_from_charlie(client, personas, stages, alice_deal):
    client.force_login(personas.charlie)

    r = client.post(
        move_url(alice_deal),
        {
            "to_stage": stages["Proposal / quote"].pk,
            "version": 1,
            "with_facts": "1",
            "missing": "confirmed_requirements",
            "fact-confirmed_requirements": "查理写的",
        },
        **HTMX,
    )

    assert r.status_code == 404
    assert unchanged(alice_deal, stages["Needs confirmed"])
    assert alice_deal.confirmed_requirements == ""


def test_it_hides_alices_deal_from_bob_too(client, personas, stages, alice_deal):
    client.force_login(personas.bob)

    r = client.post(move_url(alice_deal), {"to_stage": stages["Lost"].pk, "version": 1})

    assert r.status_code == 404
    assert unchanged(alice_deal, stages["Needs confirmed"])


def test_it_lets_the_manager_move_a_team_deal(client, personas, stages, alice_deal):
    client.force_login(personas.mia)

    r = client.post(move_url(alice_deal), {"to_stage": stages["Lead"].pk, "version": 1}, **HTMX)

    assert r.status_code == 200
    alice_deal.refresh_from_db()
    assert alice_deal.stage == stages["Lead"]
    assert StageChange.objects.filter(deal=alice_deal).last().actor == personas.mia


def test_it_redirects_a_plain_post_to_the_deal_with_a_message(client, personas, stages):
    deal = DealFactory(owner=personas.alice, customer=CustomerFactory(owner=personas.alice))
    client.force_login(personas.alice)

    r = client.post(move_url(deal), {"to_stage": stages["Needs confirmed"].pk, "version": 1})

    assert r.status_code == 302
    assert r["Location"] == reverse("deals:detail", args=[deal.pk])
    page = client.get(r["Location"]).content.decode()
    with translation.override("zh-hans"):
        stage_label = stages["Needs confirmed"].label
    assert zh("Moved to %(stage)s.", stage=stage_label) in page
    deal.refresh_from_db()
    assert deal.stage == stages["Needs confirmed"]
    assert StageChange.objects.filter(deal=deal).count() == 2


def test_it_renders_the_full_gate_page_for_a_plain_post(client, personas, stages, alice_deal):
    client.force_login(personas.alice)

    r = client.post(move_url(alice_deal), {"to_stage": stages["Proposal / quote"].pk, "version": 1})

    assert r.status_code == 200
    assert "HX-Retarget" not in r
    html = r.content.decode()
    assert "<html" in html
    assert f'action="{move_url(alice_deal)}"' in html
    assert missing_inputs(html) == ["confirmed_requirements"]
    assert fact_fields(html) == ["confirmed_requirements"]
    assert unchanged(alice_deal, stages["Needs confirmed"])


def test_it_moves_from_the_full_gate_page(client, personas, stages, alice_deal):
    client.force_login(personas.alice)

    r = client.post(
        move_url(alice_deal),
        {
            "to_stage": stages["Proposal / quote"].pk,
            "version": 1,
            "with_facts": "1",
            "missing": "confirmed_requirements",
            "fact-confirmed_requirements": "需要 OA 集成",
        },
    )

    assert r.status_code == 302
    assert r["Location"] == reverse("deals:detail", args=[alice_deal.pk])
    alice_deal.refresh_from_db()
    assert alice_deal.stage == stages["Proposal / quote"]
    assert alice_deal.confirmed_requirements == "需要 OA 集成"


def test_it_redirects_a_plain_stale_post_with_the_conflict_message(client, personas, stages):
    deal = DealFactory(owner=personas.alice, customer=CustomerFactory(owner=personas.alice))
    Deal.objects.filter(pk=deal.pk).update(version=5)
    client.force_login(personas.alice)

    r = client.post(move_url(deal), {"to_stage": stages["Needs confirmed"].pk, "version": 4})

    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert conflict_message() in page
    assert unchanged(deal, stages["Lead"], version=5)


def test_it_refuses_a_tampered_missing_field_without_crashing(client, personas, stages, alice_deal):
    client.force_login(personas.alice)

    r = client.post(
        move_url(alice_deal),
        {
            "to_stage": stages["Proposal / quote"].pk,
            "version": 1,
            "with_facts": "1",
            "missing": "no_such_field",
            "fact-no_such_field": "x",
        },
        **HTMX,
    )

    assert r.status_code in (200, 400)
    assert unchanged(alice_deal, stages["Needs confirmed"])


def test_it_only_accepts_post(client, personas, alice_deal):
    client.force_login(personas.alice)

    assert client.get(move_url(alice_deal)).status_code == 405
