"""Every screen as a user sees it: desktop and phone, Chinese and English.

Checks each page loads (200), shows no template debris and, at phone width, does not make the
whole document scroll sideways. With SALESTRACK_SCREENSHOTS=1 it also saves full-page PNGs to
e2e/screenshots/<lang>-<device>-<nn>-<screen>.png for a person to look at.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE, login, save_screenshot
from salestrack.activities.services import followup_create
from salestrack.customers.models import Contact, Customer
from salestrack.customers.services import contact_create, customer_create
from salestrack.deals import services as deals
from salestrack.deals.models import Deal, Product

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Text that must never reach the user: unrendered template syntax, unfilled placeholders,
# Python reprs of empty values, tracebacks.
DEBRIS = re.compile(
    r"\{\{|\}\}|\{%|%\}|%\(\w+\)s|\bNone\b|Traceback|TemplateSyntaxError|VariableDoesNotExist"
    r"|Server Error|object at 0x"
)
DEVICES = {"desktop": DESKTOP, "phone": PHONE}


@dataclass
class Seed:
    hx: Customer  # 华信科技 (found by the pinyin initials hxkj)
    negotiating: Deal  # 商务谈判, with history, product line and follow-ups
    needs: Deal  # 需求确认 without confirmed requirements (its move is gated)


def _move(deal: Deal, actor, stage, **facts) -> Deal:
    return deals.deal_move_stage(
        deal=deal, to_stage=stage, actor=actor, expected_version=deal.version, facts=facts
    )


def seed(personas, stages) -> Seed:
    """A small, realistic book of business for Alice (上海一组), plus one deal of Bob's."""
    alice, bob = personas.alice, personas.bob
    now = timezone.now()
    today = timezone.localdate()

    def customer(name, **data):
        return customer_create(actor=alice, name=name, **data)

    hx = customer(
        "华信科技有限公司",
        industry="制造业",
        region="上海",
        size=Customer.Size.MEDIUM,
        source=Customer.Source.REFERRAL,
        budget=Decimal("500000"),
        pain_points="库存数据靠 Excel 汇总，月底对账要三天；多个仓库之间调拨没有记录。",
        tier=Customer.Tier.A,
    )
    yj = customer(
        "远景新能源股份有限公司",
        industry="新能源",
        region="江苏 苏州",
        source=Customer.Source.TRADE_SHOW,
        tier=Customer.Tier.B,
    )
    hc = customer(
        "海川物流集团",
        industry="物流",
        region="浙江 宁波",
        source=Customer.Source.WEBSITE,
        size=Customer.Size.LARGE,
    )
    md = customer(
        "明德教育科技（上海）有限公司",
        industry="教育",
        region="上海",
        source=Customer.Source.PARTNER,
        tier=Customer.Tier.C,
    )
    rf = customer(
        "瑞丰食品有限公司",
        industry="食品加工",
        region="江苏 无锡",
        source=Customer.Source.COLD_CALL,
    )

    wang = contact_create(
        customer=hx,
        actor=alice,
        name="王建国",
        title="总经理",
        phone="13812345678",
        wechat="wjg_hx",
        decision_role=Contact.Role.DECISION_MAKER,
        preferences="上午开会效率高，喜欢看数据对比。",
    )
    contact_create(
        customer=hx,
        actor=alice,
        name="李晓燕",
        title="信息部主管",
        phone="13987654321",
        email="lixy@huaxin.example",
        decision_role=Contact.Role.INFLUENCER,
    )
    contact_create(
        customer=hc,
        actor=alice,
        name="陈志强",
        title="采购经理",
        phone="13700001111",
        decision_role=Contact.Role.GATEKEEPER,
    )

    def deal(title, cust, amount, **data):
        return deals.deal_create(
            actor=alice, customer=cust, title=title, amount=Decimal(amount), **data
        )

    negotiating = deal(
        "华信 ERP 升级项目",
        hx,
        "380000",
        expected_close_date=today + timedelta(days=30),
        next_step="周五前给王总发送优惠后的报价",
        competitor="用友",
        source=Customer.Source.REFERRAL,
    )
    negotiating = _move(negotiating, alice, stages["Needs confirmed"])
    negotiating = _move(
        negotiating,
        alice,
        stages["Proposal / quote"],
        confirmed_requirements="财务、库存、采购三个模块上线；支持 200 人在线。",
    )
    negotiating = _move(negotiating, alice, stages["Negotiation"], quote_amount=Decimal("365000"))
    deals.deal_update(
        deal=negotiating,
        actor=alice,
        expected_version=negotiating.version,
        data={"decision_maker": wang},
    )
    product = Product.objects.create(name="专业版", series="云ERP", list_price=Decimal("12000"))
    deals.deal_line_add(
        deal=Deal.objects.get(pk=negotiating.pk),
        actor=alice,
        product=product,
        quantity=Decimal("30"),
        discount=Decimal("5"),
    )

    needs = deal("华信 仓储管理二期", hx, "120000")
    needs = _move(needs, alice, stages["Needs confirmed"])
    deal(
        "上海浦东国际机场货运站智能仓储与冷链物流一体化信息平台建设项目（一期）",
        hc,
        "2680000",
        expected_close_date=today + timedelta(days=90),
    )
    quote = deal("海川 TMS 运输管理系统", hc, "960000")
    for stage, facts in [
        ("Needs confirmed", {}),
        ("Proposal / quote", {"confirmed_requirements": "覆盖 40 条干线，对接 GPS 平台"}),
    ]:
        quote = _move(quote, alice, stages[stage], **facts)
    deal("远景 CRM 集成", yj, "85000")
    md_head = contact_create(
        customer=md,
        actor=alice,
        name="赵丽华",
        title="校长",
        decision_role=Contact.Role.DECISION_MAKER,
    )
    contract = deal(
        "明德 校园一卡通",
        md,
        "230000",
        confirmed_requirements="三个校区",
        quote_amount=Decimal("230000"),
    )
    for stage in ["Needs confirmed", "Proposal / quote", "Negotiation"]:
        contract = _move(contract, alice, stages[stage])
    _move(contract, alice, stages["Contract"], decision_maker=md_head)
    won = deal(
        "瑞丰 MES 生产追溯",
        rf,
        "450000",
        confirmed_requirements="两条产线试点",
        quote_amount=Decimal("450000"),
        contract_number="HT-2026-0815",
        payment_received=Decimal("450000"),
    )
    rf_head = contact_create(customer=rf, actor=alice, name="孙海峰", title="生产副总")
    won = deals.deal_update(
        deal=won, actor=alice, expected_version=won.version, data={"decision_maker": rf_head}
    )
    _move(won, alice, stages["Won"])
    lost = deal("远景 储能电站监控", yj, "300000")
    _move(lost, alice, stages["Lost"], lost_reason="客户选择了自研方案")
    deals.deal_create(
        actor=bob,
        customer=customer_create(actor=bob, name="金桥电子有限公司"),
        title="金桥 SRM 供应商协同",
        amount=Decimal("150000"),
    )

    # Follow-ups: one overdue, one due today, one upcoming, one on a customer only.
    followup_create(
        actor=alice,
        deal=Deal.objects.get(pk=negotiating.pk),
        occurred_at=now - timedelta(days=6),
        kind="visit",
        customer_words="价格再优惠一点，我们这个月就能走合同流程。",
        summary="拜访王总，演示了库存模块；对方关心实施周期和价格。",
        next_step="发送优惠报价和实施计划",
        next_due_on=today - timedelta(days=2),
        resources_needed="需要实施顾问一起参加下次会议",
    )
    followup_create(
        actor=alice,
        deal=Deal.objects.get(pk=needs.pk),
        occurred_at=now - timedelta(days=1),
        kind="call",
        customer_words="我们先内部讨论一下需求范围。",
        summary="电话沟通二期范围，客户内部还没定。",
        next_step="确认需求清单",
        next_due_on=today,
    )
    followup_create(
        actor=alice,
        deal=Deal.objects.get(pk=quote.pk),
        occurred_at=now - timedelta(hours=3),
        kind="meeting",
        summary="和陈经理过了一遍报价单，对方希望分两期付款。",
        next_step="准备分期付款方案",
        next_due_on=today + timedelta(days=3),
    )
    followup_create(
        actor=alice,
        customer=yj,
        occurred_at=now - timedelta(days=3),
        kind="chat",
        summary="微信上约了展会后的见面时间。",
        next_step="上门拜访",
        next_due_on=today + timedelta(days=5),
    )
    return Seed(
        hx=hx, negotiating=Deal.objects.get(pk=negotiating.pk), needs=Deal.objects.get(pk=needs.pk)
    )


class Screens:
    """Visits screens on one page and checks each; numbering keeps the PNGs in visiting order."""

    def __init__(self, page, lang: str, device: str):
        self.page, self.lang, self.device = page, lang, device
        self.number = 0

    def visit(self, path: str, name: str):
        response = self.page.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response}"
        self.check(name)

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("networkidle")
        expect(page.locator("html")).to_have_attribute(
            "lang", "zh-CN" if self.lang == "zh" else "en"
        )
        text = page.locator("body").inner_text()
        debris = DEBRIS.search(text)
        if debris:
            context = text[max(debris.start() - 80, 0) : debris.end() + 80]
            pytest.fail(f"{name}: {debris.group(0)!r} shown to the user in {context!r}")
        if self.device == "phone":
            scroll_width, inner_width = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert scroll_width <= inner_width + 1, (
                f"{name}: the page is {scroll_width}px wide on a {inner_width}px screen"
            )
        assert page.js_errors == [], f"{name}: {page.js_errors}"
        self.number += 1
        save_screenshot(page, f"{self.lang}-{self.device}-{self.number:02d}-{name}")


def signed_in(new_page, device: str, lang: str, username: str):
    page = new_page(viewport=DEVICES[device], locale="zh-CN" if lang == "zh" else "en-US")
    login(page, username)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")  # the default
    if lang == "en":
        # The language button in the top bar (under the ☰ menu on a phone it stays visible).
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    return page


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_screen(new_page, personas, stages, lang, device):
    data = seed(personas, stages)
    deal, customer = data.negotiating, data.hx

    # Login page, signed out.
    page = new_page(viewport=DEVICES[device], locale="zh-CN" if lang == "zh" else "en-US")
    screens = Screens(page, lang, device)
    page.goto("/accounts/login/")
    if lang == "en":
        page.locator(".lang-switch button[value=en]").click()
    screens.check("login")

    page = signed_in(new_page, device, lang, "alice")
    screens = Screens(page, lang, device)
    screens.number = 1
    screens.visit("/deals/board/", "board")
    expect(page.locator(f"#deal-card-{deal.pk}")).to_be_visible()
    # The new-follow-up modal, opened from a card on the board.
    page.locator(f"#deal-card-{deal.pk} .card-actions a").click()
    modal = page.locator("#modal .modal")
    expect(modal).to_be_visible()
    expect(modal).to_contain_text(deal.title)
    screens.check("board-followup-modal")
    page.keyboard.press("Escape")
    expect(modal).to_have_count(0)

    screens.visit("/deals/", "deal-list")
    screens.visit(f"/deals/{deal.pk}/", "deal-detail")
    expect(page.locator("table[data-history] tbody tr")).to_have_count(4)
    screens.visit(f"/deals/{deal.pk}/edit/", "deal-edit")
    screens.visit("/deals/new/", "deal-new")
    # A gated move from the deal page's stage form (no JavaScript needed).
    screens.visit(f"/deals/{data.needs.pk}/", "deal-detail-needs")
    page.select_option("select[name=to_stage]", str(stages["Proposal / quote"].pk))
    page.locator("form[action$='/move/'] button").click()
    page.wait_for_url(f"**/deals/{data.needs.pk}/move/")
    expect(page.locator("#id_fact-confirmed_requirements")).to_be_visible()
    screens.check("deal-move-gate")

    screens.visit("/customers/?q=hxkj", "customer-search-hxkj")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("华信科技有限公司")
    screens.visit(f"/customers/{customer.pk}/", "customer-detail")
    screens.visit(f"/customers/{customer.pk}/edit/", "customer-edit")
    screens.visit(f"/customers/{customer.pk}/contacts/new/", "contact-new")
    screens.visit("/followups/", "my-followups")
    expect(page.locator("[data-group=overdue] tbody tr")).to_have_count(1)
    expect(page.locator("[data-group=today] tbody tr")).to_have_count(1)
    if device == "phone":
        page.locator(".nav-burger").click()
        expect(page.locator(".nav")).to_be_visible()
        screens.check("phone-menu-open")

    admin = signed_in(new_page, device, lang, "admin")
    screens = Screens(admin, lang, device)
    screens.number = 30
    screens.visit("/pipelines/", "pipelines")
    stage = stages["Needs confirmed"]
    screens.visit(f"/pipelines/{stage.pipeline_id}/stages/{stage.pk}/", "stage-edit")
