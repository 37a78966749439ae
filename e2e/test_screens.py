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
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE, login, save_screenshot
from salestrack.activities.services import followup_create
from salestrack.customers.models import Contact, Customer
from salestrack.customers.services import contact_create, customer_create
from salestrack.deals import services as deals
from salestrack.deals.models import Deal, Product
from salestrack.goals.decomposition import PlanRep, plan_decompose
from salestrack.goals.models import Goal
from salestrack.goals.periods import period_bounds
from salestrack.goals.selectors import calendar_overrides
from salestrack.goals.services import goal_plan_save
from salestrack.pipeline.services import pipeline_create
from salestrack.pool.services import pool_release
from salestrack.risks.services import risk_flag_raise
from salestrack.tiers.services import tier_proposals_generate
from salestrack.trash.services import customer_delete

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Text that must never reach the user: unrendered template syntax, unfilled placeholders,
# Python reprs of empty values (not English "None of …"), tracebacks.
DEBRIS = re.compile(
    r"\{\{|\}\}|\{%|%\}|%\(\w+\)s|\bNone\b(?! of )|Traceback|TemplateSyntaxError"
    r"|VariableDoesNotExist|Server Error|object at 0x"
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


@dataclass
class More:
    goal: Goal  # 上海一组's quarter goal, decomposed (its page has the parts chart)


def seed_more(personas, stages, data: Seed) -> More:
    """What the screens added since the first sweep need so they are not empty: closed deals
    of the past months (cycle medians, forecast, analytics), stalled and slow deals, a risk
    flag, tier proposals, a customer in the pool, one in the trash, duplicates, a stale
    customer, and the textbook goal plan for 上海一组."""
    alice, bob, mia, admin = personas.alice, personas.bob, personas.mia, personas.admin
    now = timezone.now()
    hx, hc, rf = (
        data.hx,
        Customer.objects.get(name="海川物流集团"),
        Customer.objects.get(name="瑞丰食品有限公司"),
    )

    def back(days: int):
        return time_machine.travel(now - timedelta(days=days), tick=False)

    # Closed deals over the last seven months, each through the stages a week or two apart.
    path = ["Needs confirmed", "Proposal / quote", "Negotiation", "Contract"]
    history = [
        ("华信 财务共享中心", hx, "420000", 210, 9, "Won"),
        ("海川 电子围栏", hc, "150000", 190, 12, "Won"),
        ("瑞丰 冷库温控", rf, "260000", 170, 8, "Won"),
        ("华信 供应商门户", hx, "90000", 150, 10, "Lost"),
        ("海川 车队油耗分析", hc, "310000", 130, 11, "Won"),
        ("瑞丰 质量追溯二期", rf, "520000", 110, 7, "Won"),
        ("海川 调度大屏", hc, "180000", 95, 13, "Won"),
        ("瑞丰 能耗监测", rf, "75000", 80, 9, "Lost"),
    ]
    for title, customer, amount, days, gap, outcome in history:
        with back(days):
            deal = deals.deal_create(
                actor=alice,
                customer=customer,
                title=title,
                amount=Decimal(amount),
                confirmed_requirements="按合同范围交付",
                quote_amount=Decimal(amount),
                contract_number=f"HT-{days:04d}",
                payment_received=Decimal(amount),
                decision_maker=customer.contacts.first(),
            )
        for n, stage in enumerate([*path, "Won"] if outcome == "Won" else path[:2], start=1):
            with back(days - n * gap):
                deal = _move(deal, alice, stages[stage])
        if outcome == "Lost":
            with back(days - 3 * gap):
                _move(deal, alice, stages["Lost"], lost_reason="预算被砍")

    # Stalled: two months in 线索 without a follow-up (also older than the usual cycle).
    with back(60):
        stalled = deals.deal_create(
            actor=alice, customer=hc, title="海川 仓库 WMS 扩容", amount=Decimal("640000")
        )
    risk_flag_raise(deal=data.negotiating, actor=alice, kind="competitor", reason="用友报价低 15%")
    assert stalled.pk

    # Tier proposals: an A customer quiet for 40 days; 明德 and 海川 advanced fast this week.
    with back(40):
        customer_create(
            actor=alice,
            name="东方明珠文化传媒有限公司",
            industry="文化传媒",
            region="上海",
            tier=Customer.Tier.A,
        )
    tier_proposals_generate()

    # The public pool: a customer Alice gave up.
    pooled = customer_create(actor=alice, name="云杉网络科技有限公司", industry="互联网")
    pool_release(customer=pooled, actor=alice, reason="客户今年没有预算")
    # The trash: a customer the admin deleted, with its deal.
    gone = customer_create(actor=bob, name="旧城改造测试客户")
    deals.deal_create(actor=bob, customer=gone, title="测试项目", amount=Decimal("1000"))
    customer_delete(customer=gone, actor=admin)
    # Duplicates (Bob's spelling of Alice's customer) and a customer quiet for eight months.
    customer_create(actor=bob, name="华信科技（上海）有限公司", region="上海")
    with back(240):
        customer_create(actor=bob, name="长江航运服务有限公司", industry="物流")

    # Goals: Mia's textbook plan for 上海一组 this quarter (10,000,000 / 100,000 / 10 %).
    start, end = period_bounds("quarter", timezone.localdate())
    plan = plan_decompose(
        period_kind="quarter",
        start=start,
        end=end,
        target=Decimal(10_000_000),
        avg_deal_size=Decimal(100_000),
        conversion_pct=Decimal(10),
        reps=[PlanRep(alice.pk, str(alice)), PlanRep(bob.pk, str(bob))],
        overrides=calendar_overrides(start=start, end=end),
    )
    goal = goal_plan_save(
        actor=mia, plan=plan, scope_kind="team", team=personas.team_a, note="季度冲刺"
    )
    return More(goal=goal)


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
        # "None" is a real choice in English (a role's scope: None), so not debris in a select.
        options = {t.strip() for t in page.locator("select option").all_inner_texts()}
        debris = next(
            (m for m in DEBRIS.finditer(text) if m.group(0) not in options or m.group(0) != "None"),
            None,
        )
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

    def chart(self, path: str, name: str, *containers: str):
        """Visit a page with ECharts charts; check once each container has drawn its canvas."""
        response = self.page.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response}"
        for container in containers:
            expect(self.page.locator(f"{container} canvas, {container} svg").first).to_be_attached()
        self.check(name)


def signed_in(new_page, device: str, lang: str, username: str):
    page = new_page(viewport=DEVICES[device], locale="zh-CN" if lang == "zh" else "en-US")
    login(page, username, next_url=None)  # signing in lands on 今日 /today/
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")  # the default
    if lang == "en":
        # The language button in the top bar (under the ☰ menu on a phone it stays visible).
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    return page


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_screen(new_page, personas, stages, lang, device, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"  # uploads of the import wizard
    data = seed(personas, stages)
    more = seed_more(personas, stages, data)
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
    # The seeded one, and the review the cadence rule planned after the visit to 华信 (an A
    # customer) for within 24 hours.
    expect(page.locator("[data-group=today] tbody tr")).to_have_count(2)
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

    # Settings and records only an admin sees.
    screens.visit("/trash/", "trash")
    expect(admin.locator("body")).to_contain_text("旧城改造测试客户")
    screens.visit("/audit/", "audit")
    screens.visit("/access/roles/", "roles")
    screens.visit("/access/roles/rep/", "role-edit")
    screens.visit("/cadence/rules/", "cadence-rules")
    screens.visit("/winprob/", "winprob")  # no model yet: too little history is said plainly
    screens.visit("/reminders/settings/", "reminder-settings")
    screens.visit("/jobs/failures/", "job-failures")
    # Group bots: one per kind, the last delivery of each shown; the edit form of a signed one.
    from salestrack.bots.tests.factories import BotFactory

    bots = [
        BotFactory(team=personas.team_a, kind=kind, name=name, secret=secret, events=events)
        for kind, name, secret, events in (
            ("dingtalk", "上海一组钉钉群", "SEC0123456789abcdef", ["deal.stage_changed"]),
            ("feishu", "杭州二组飞书群", "", []),
            ("slack", "Sales Slack #wins", "", []),
        )
    ]
    bots[0].last_delivery_ok, bots[0].last_delivery_at = False, timezone.now()
    bots[0].last_delivery_detail = "The service refused the message: error 310000, sign not match"
    bots[0].save()
    screens.visit("/bots/", "bots")
    screens.visit(f"/bots/{bots[0].pk}/", "bot-edit")

    # Screens added since: Alice's own (the rep), then Mia's (the manager of both teams).
    screens = Screens(page, lang, device)
    screens.number = 40
    screens.visit("/", "today")
    expect(page).to_have_url(re.compile(r"/today/$"))
    expect(page.locator("[data-today] tbody tr").first).to_be_visible()
    screens.visit("/goals/", "goals")
    screens.visit("/pool/", "pool")
    expect(page.locator("body")).to_contain_text("云杉网络科技有限公司")
    screens.visit("/tiers/rules/", "tier-rules")
    screens.visit("/tiers/proposals/", "tier-proposals")
    expect(page.locator("[data-proposal]").first).to_be_visible()
    screens.visit("/risks/stalled/", "risks-stalled")
    expect(page.locator("body")).to_contain_text("海川 仓库 WMS 扩容")
    screens.visit("/risks/cycle/", "risks-cycle")
    expect(page.locator("body")).to_contain_text("海川 仓库 WMS 扩容")
    screens.visit("/imports/", "imports")
    # The wizard's first step: upload a small ledger, see its preview.
    ledger = tmp_path / "客户台账.csv"
    ledger.write_text(
        "公司名称,行业,地区,负责人\n"
        "华信科技有限公司,制造业,上海,alice\n"
        "云杉网络,互联网,杭州,alice\n"
        "东海水产贸易有限公司,食品,浙江 舟山,\n",
        encoding="utf-8-sig",
    )
    page.locator("input[type=file]").set_input_files(ledger)
    page.locator("form[action$='/imports/new/'] button").click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    screens.check("import-preview")
    # A deals ledger while there are two pipelines: the preview asks which one the stages are of.
    pipeline_create(name="项目制销售", name_en="Project sales")
    page.goto("/imports/")
    deals_ledger = tmp_path / "商机台账.csv"
    deals_ledger.write_text(
        "客户名称,商机名称,阶段,金额(万元)\n华信科技有限公司,MES 二期,商务谈判,35\n",
        encoding="utf-8-sig",
    )
    page.locator("select[name=record_type]").select_option("deals")
    page.locator("input[type=file]").set_input_files(deals_ledger)
    page.locator("form[action$='/imports/new/'] button").click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    expect(page.locator("[data-pipeline] select option")).to_have_count(2)
    screens.check("import-preview-deals")
    # Reports (the last complete week by default) and the calendar feed page with its address.
    screens.visit("/reports/", "reports")
    screens.visit("/calendar/", "calendar")
    page.locator("[data-issue]").click()
    expect(page.locator("[data-webcal]")).to_have_value(re.compile(r"^webcal://.+\.ics$"))
    screens.check("calendar-address")
    # The notification centre (whatever the seeded changes notified) and the channel settings.
    screens.visit("/notifications/", "notifications")
    screens.visit("/notifications/settings/", "notification-settings")

    manager = signed_in(new_page, device, lang, "mia")
    screens = Screens(manager, lang, device)
    screens.number = 60
    screens.visit("/goals/plan/", "goal-plan")
    manager.select_option("select[name=subject]", f"team:{personas.team_a.pk}")
    manager.fill("input[name=target]", "10000000")
    manager.fill("input[name=avg_deal_size]", "100000")
    manager.fill("input[name=conversion_pct]", "10")
    manager.locator("button[name=action][value=propose]").click()
    expect(manager.locator("[data-weekly-deals]")).to_have_text("8")
    screens.check("goal-plan-proposal")
    screens.chart(more.goal.get_absolute_url(), "goal-detail", "#goal-parts-chart")
    screens.visit("/risks/review/", "risks-review")
    expect(manager.locator("body")).to_contain_text("海川 仓库 WMS 扩容")
    alice, bob = personas.alice, personas.bob
    screens.visit(f"/handover/?from_user={alice.pk}&to_user={bob.pk}", "handover-preview")
    screens.visit("/hygiene/duplicates/", "hygiene-duplicates")
    expect(manager.locator("[data-duplicate-group]").first).to_be_visible()
    screens.visit("/hygiene/stale/", "hygiene-stale")
    expect(manager.locator("body")).to_contain_text("长江航运服务有限公司")
    screens.chart("/analytics/", "analytics", "#chart-funnel", "#chart-breakdown")
    screens.chart(
        "/forecast/",
        "forecast",
        "#forecast-weighted-chart",
        "#forecast-statistical-chart",
        "#forecast-backtest-chart",
    )
    monday = period_bounds("week", timezone.localdate())[0]
    screens.visit(f"/reports/weekly/team/{personas.department.pk}/{monday}/", "report-team")
    expect(manager.locator("[data-figure=created]")).to_be_visible()
