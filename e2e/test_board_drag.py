"""Kanban drag and drop in a real browser: gated moves, plain moves, version conflicts."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from e2e.conftest import login, save_screenshot, zh
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals import services
from salestrack.deals.errors import deal_conflict
from salestrack.deals.models import Deal, StageChange
from salestrack.deals.tests.factories import DealFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def drag_card(page, deal: Deal, to_stage) -> None:
    """Drag a card by its body (links and buttons are not drag handles) onto another column.

    SortableJS only reacts to a real pointer sequence: press, several moves, release.
    """
    handle = page.locator(f"#deal-card-{deal.pk} .muted.small").first
    handle.scroll_into_view_if_needed()
    start = handle.bounding_box()
    target = page.locator(f"#cards-{to_stage.pk}")
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert start and box
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    x1, y1 = box["x"] + box["width"] / 2, box["y"] + min(box["height"] / 2, 30)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 10, y0 + 5, steps=3)
    page.mouse.move(x1, y1, steps=15)
    page.mouse.move(x1, y1 + 4, steps=2)
    page.mouse.up()


def count_of(page, stage):
    return page.locator(f"#col-head-{stage.pk} [data-count]")


@pytest.fixture
def alice(personas):
    return personas.alice


@pytest.fixture
def customer(alice):
    return CustomerFactory(name="华信科技有限公司", owner=alice)


def test_gated_drag_asks_for_missing_fact_then_moves(page, alice, customer, stages):
    needs, quote = stages["Needs confirmed"], stages["Proposal / quote"]
    deal = DealFactory(title="华信 ERP 升级", customer=customer, stage=needs)
    assert deal.confirmed_requirements == ""

    login(page, "alice")
    expect(page.locator(f"#cards-{needs.pk} #deal-card-{deal.pk}")).to_be_visible()
    expect(count_of(page, needs)).to_have_text("1")
    expect(count_of(page, quote)).to_have_text("0")

    # 1. The move is refused: a modal asks for the missing fact; Cancel puts the card back.
    drag_card(page, deal, quote)
    modal = page.locator("#modal #gate-form")
    expect(modal).to_be_visible()
    field_label = zh(Deal._meta.get_field("confirmed_requirements").verbose_name)
    expect(page.locator("#modal")).to_contain_text(field_label)
    expect(page.locator("#modal h2")).to_contain_text(needs.name)
    expect(page.locator("#modal h2")).to_contain_text(quote.name)
    expect(page.locator("#id_fact-confirmed_requirements")).to_be_visible()
    save_screenshot(page, "drag-gate-modal")

    page.locator("#modal [data-close-modal]").click()
    expect(page.locator("#modal #gate-form")).to_have_count(0)
    expect(page.locator(f"#cards-{needs.pk} #deal-card-{deal.pk}")).to_be_visible()
    expect(page.locator(f"#cards-{quote.pk} #deal-card-{deal.pk}")).to_have_count(0)
    expect(count_of(page, needs)).to_have_text("1")
    unchanged = Deal.objects.get(pk=deal.pk)
    assert (unchanged.stage_id, unchanged.version) == (needs.pk, deal.version)
    assert unchanged.confirmed_requirements == ""

    # 2. Drag again, record the requirements, save: the card lands in 方案报价.
    drag_card(page, deal, quote)
    expect(page.locator("#id_fact-confirmed_requirements")).to_be_visible()
    page.fill("#id_fact-confirmed_requirements", "上线财务和库存模块，支持 200 个用户并发")
    with page.expect_response(lambda r: r.url.endswith(f"/deals/{deal.pk}/move/")) as response:
        page.locator("#gate-form button[type=submit]").click()
    assert response.value.status == 200
    expect(page.locator("#modal #gate-form")).to_have_count(0)
    expect(page.locator(f"#cards-{quote.pk} #deal-card-{deal.pk}")).to_be_visible()
    expect(page.locator(f"#cards-{needs.pk} #deal-card-{deal.pk}")).to_have_count(0)
    expect(count_of(page, needs)).to_have_text("0")
    expect(count_of(page, quote)).to_have_text("1")

    moved = Deal.objects.get(pk=deal.pk)
    assert moved.stage_id == quote.pk
    assert moved.confirmed_requirements == "上线财务和库存模块，支持 200 个用户并发"
    assert moved.version == deal.version + 1
    # The new card carries the new version, so a further drag is not a false conflict.
    expect(page.locator(f"#deal-card-{deal.pk}")).to_have_attribute(
        "data-version", str(moved.version)
    )
    change = StageChange.objects.get(deal=deal, to_stage=quote)
    assert (change.from_stage_id, change.actor_id) == (needs.pk, alice.pk)

    # 3. The deal page shows the move in its history and progress bar.
    page.locator(f"#deal-card-{deal.pk} a.title").click()
    page.wait_for_url(f"**/deals/{deal.pk}/")
    last = page.locator("table[data-history] tbody tr").filter(has_text=quote.name)
    expect(last).to_have_count(1)
    cells = last.locator("td")
    expect(cells.nth(0)).to_have_text(needs.name)
    expect(cells.nth(1)).to_have_text(quote.name)
    expect(cells.nth(4)).to_have_text(str(alice))
    expect(page.locator("[data-progress] .step.current")).to_contain_text(quote.name)
    assert page.js_errors == []


def test_plain_drag_moves_without_modal(page, alice, customer, stages):
    lead, needs = stages["Lead"], stages["Needs confirmed"]
    deal = DealFactory(title="云仓储试点", customer=customer, stage=lead, amount=Decimal("48000"))

    login(page, "alice")
    expect(page.locator(f"#cards-{lead.pk} #deal-card-{deal.pk}")).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith(f"/deals/{deal.pk}/move/")) as response:
        drag_card(page, deal, needs)
    assert response.value.status == 200
    expect(page.locator(f"#cards-{needs.pk} #deal-card-{deal.pk}")).to_be_visible()
    expect(count_of(page, lead)).to_have_text("0")
    expect(count_of(page, needs)).to_have_text("1")
    expect(page.locator("#modal")).to_be_empty()
    assert Deal.objects.get(pk=deal.pk).stage_id == needs.pk
    assert page.js_errors == []


def test_drag_after_someone_else_changed_the_deal_is_refused(page, alice, customer, stages):
    lead, needs = stages["Lead"], stages["Needs confirmed"]
    deal = DealFactory(title="智慧工厂一期", customer=customer, stage=lead)

    login(page, "alice")
    card = page.locator(f"#deal-card-{deal.pk}")
    expect(card).to_have_attribute("data-version", str(deal.version))
    # Someone saves the deal after the board was loaded.
    services.deal_update(
        deal=Deal.objects.get(pk=deal.pk),
        actor=alice,
        expected_version=deal.version,
        data={"next_step": "周五前发送报价"},
    )

    drag_card(page, deal, needs)
    dialog = page.locator("#modal [role=alertdialog]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(zh(deal_conflict().message))
    expect(dialog.locator("a.btn.primary")).to_be_visible()  # "Reload the board"
    save_screenshot(page, "drag-conflict-modal")

    dialog.locator("[data-close-modal]").click()
    expect(page.locator("#modal")).to_be_empty()
    expect(page.locator(f"#cards-{lead.pk} #deal-card-{deal.pk}")).to_be_visible()
    expect(page.locator(f"#cards-{needs.pk} #deal-card-{deal.pk}")).to_have_count(0)
    expect(count_of(page, lead)).to_have_text("1")
    expect(count_of(page, needs)).to_have_text("0")
    current = Deal.objects.get(pk=deal.pk)
    assert current.stage_id == lead.pk
    assert current.version == deal.version + 1
    assert StageChange.objects.filter(deal=deal).count() == 1
    assert page.js_errors == []
