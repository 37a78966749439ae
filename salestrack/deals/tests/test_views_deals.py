"""Deal list, detail page, create and edit forms, and product lines."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from salestrack.access.services import share_grant
from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.audit.models import AuditEntry
from salestrack.core.tests.i18n import zh
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.errors import deal_conflict
from salestrack.deals.models import Deal, DealLine, StageChange
from salestrack.deals.services import deal_move_stage
from salestrack.deals.tests.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db

LIST = reverse("deals:list")
CREATE = reverse("deals:create")


def titles(html: str) -> list[str]:
    return re.findall(r'<td><a href="/deals/\d+/">([^<]+)</a></td>', html)


@pytest.fixture
def alice_customer(personas):
    return CustomerFactory(owner=personas.alice, name="华信科技有限公司")


@pytest.fixture
def alice_deal(personas, alice_customer):
    return DealFactory(owner=personas.alice, customer=alice_customer, title="华信 ERP 升级")


def edit_data(deal: Deal, **changes) -> dict:
    data = {
        "title": deal.title,
        "customer": deal.customer_id,
        "amount": str(deal.amount),
        "expected_close_date": "",
        "probability": "",
        "owner": deal.owner_id,
        "source": deal.source,
        "competitor": deal.competitor,
        "next_step": deal.next_step,
        "version": deal.version,
    }
    return {**data, **changes}


def create_data(pipeline, customer, owner, **changes) -> dict:
    data = {
        "pipeline": pipeline.pk,
        "stage": "",
        "title": "东方明珠 CRM 项目",
        "customer": customer.pk,
        "amount": "120000.00",
        "expected_close_date": "2030-06-30",
        "probability": "",
        "owner": owner.pk,
        "source": "trade_show",
        "competitor": "",
        "next_step": "安排演示",
    }
    return {**data, **changes}


# ---- list -------------------------------------------------------------------------------------


def test_it_lists_only_deals_in_scope(client, personas, alice_deal):
    DealFactory(
        owner=personas.charlie, customer=CustomerFactory(owner=personas.charlie), title="查理的项目"
    )
    client.force_login(personas.alice)

    r = client.get(LIST)

    assert r.status_code == 200
    assert titles(r.content.decode()) == ["华信 ERP 升级"]


def test_it_hides_alices_deals_from_charlie(client, personas, alice_deal):
    client.force_login(personas.charlie)

    html = client.get(LIST, {"q": "华信"}).content.decode()

    assert titles(html) == []
    assert "华信 ERP 升级" not in html


def test_it_lists_both_teams_for_the_manager(client, personas, alice_deal):
    DealFactory(
        owner=personas.charlie, customer=CustomerFactory(owner=personas.charlie), title="查理的项目"
    )
    client.force_login(personas.mia)

    html = client.get(LIST).content.decode()

    assert sorted(titles(html)) == ["华信 ERP 升级", "查理的项目"]


def test_it_paginates_the_list(client, personas, alice_customer):
    for i in range(51):
        DealFactory(owner=personas.alice, customer=alice_customer, title=f"项目{i:02d}")
    client.force_login(personas.alice)

    first = client.get(LIST, {"sort": "created"}).content.decode()
    second = client.get(LIST, {"sort": "created", "page": 2}).content.decode()

    assert len(titles(first)) == 50
    assert titles(second) == ["项目00"]  # newest first: the oldest lands on page 2
    assert "?sort=created&page=2" in first
    assert set(titles(first)).isdisjoint(titles(second))


def test_it_uses_the_list_page_size_setting(client, personas, alice_customer, settings):
    settings.SALESTRACK_LIST_PAGE_SIZE = 2
    for i in range(3):
        DealFactory(owner=personas.alice, customer=alice_customer, title=f"项目{i}")
    client.force_login(personas.alice)

    assert len(titles(client.get(LIST).content.decode())) == 2
    assert len(titles(client.get(LIST, {"page": 2}).content.decode())) == 1


def test_it_searches_by_title_and_by_customer(client, personas, alice_deal):
    DealFactory(
        owner=personas.alice,
        customer=CustomerFactory(owner=personas.alice, name="东方明珠集团"),
        title="OA 实施",
    )
    client.force_login(personas.alice)

    assert titles(client.get(LIST, {"q": "ERP"}).content.decode()) == ["华信 ERP 升级"]
    assert titles(client.get(LIST, {"q": "明珠"}).content.decode()) == ["OA 实施"]
    assert titles(client.get(LIST, {"q": "不存在"}).content.decode()) == []


def test_it_renders_only_the_results_for_htmx(client, personas, alice_deal):
    client.force_login(personas.alice)

    r = client.get(LIST, {"q": "ERP"}, HTTP_HX_REQUEST="true")

    html = r.content.decode()
    assert html.strip().startswith('<div id="results">')
    assert "<html" not in html
    assert titles(html) == ["华信 ERP 升级"]


# ---- detail -----------------------------------------------------------------------------------


def test_it_shows_progress_history_and_followups(client, personas, stages, alice_deal):
    alice_deal = deal_move_stage(
        deal=alice_deal,
        to_stage=stages["Proposal / quote"],
        actor=personas.alice,
        expected_version=1,
        facts={"confirmed_requirements": "200 用户"},
    )
    FollowUpFactory(
        customer=alice_deal.customer,
        deal=alice_deal,
        owner=personas.alice,
        customer_words="下周给报价，我们要上会",
    )
    client.force_login(personas.alice)

    r = client.get(reverse("deals:detail", args=[alice_deal.pk]))

    assert r.status_code == 200
    html = r.content.decode()
    progress = re.search(r"data-progress>(.*?)</div>\s*<form", html, re.S).group(1)
    steps = re.findall(r'<div class="step (\w+)[^"]*">\s*([^<\s]+)', progress)
    assert steps == [
        ("done", stages["Lead"].name),
        ("done", stages["Needs confirmed"].name),
        ("current", stages["Proposal / quote"].name),
        ("ahead", stages["Negotiation"].name),
        ("ahead", stages["Contract"].name),
        ("ahead", stages["Payment"].name),
    ]
    history = re.search(r"<table class=\"list\" data-history>(.*?)</table>", html, re.S).group(1)
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", history)
    assert rows == [
        ("—", stages["Lead"].name),
        (stages["Lead"].name, stages["Proposal / quote"].name),  # a skip is one move
    ]
    assert "下周给报价，我们要上会" in html
    assert "200 用户" in html


@pytest.mark.parametrize("outsider", ["charlie", "bob"])
def test_it_answers_404_to_outsiders_on_the_detail_page(client, personas, alice_deal, outsider):
    client.force_login(getattr(personas, outsider))

    assert client.get(reverse("deals:detail", args=[alice_deal.pk])).status_code == 404


def test_it_answers_404_for_a_deal_that_does_not_exist(client, personas):
    client.force_login(personas.admin)

    assert client.get(reverse("deals:detail", args=[424242])).status_code == 404


# ---- create -----------------------------------------------------------------------------------


def test_it_creates_a_deal_with_its_opening_stage_change(
    client, personas, pipeline, stages, alice_customer
):
    client.force_login(personas.alice)

    r = client.post(CREATE, create_data(pipeline, alice_customer, personas.alice))

    deal = Deal.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("deals:detail", args=[deal.pk])
    assert deal.title == "东方明珠 CRM 项目"
    assert deal.customer == alice_customer
    assert deal.amount == Decimal("120000.00")
    assert deal.stage == stages["Lead"]
    assert deal.owner == personas.alice
    assert deal.team == personas.team_a
    assert deal.version == 1
    opening = StageChange.objects.get(deal=deal)
    assert opening.from_stage is None
    assert opening.to_stage == stages["Lead"]
    assert opening.actor == personas.alice
    assert zh("Deal created.") in client.get(r["Location"]).content.decode()


def test_it_refuses_a_negative_amount(client, personas, pipeline, alice_customer):
    client.force_login(personas.alice)

    r = client.post(CREATE, create_data(pipeline, alice_customer, personas.alice, amount="-1"))

    assert r.status_code == 200
    assert zh("The amount cannot be negative.") in r.content.decode()
    assert not Deal.objects.exists()
    assert not StageChange.objects.exists()


def test_it_refuses_a_customer_out_of_scope(client, personas, pipeline):
    charlies = CustomerFactory(owner=personas.charlie, name="查理的客户")
    client.force_login(personas.alice)

    r = client.post(CREATE, create_data(pipeline, charlies, personas.alice))

    assert r.status_code == 200
    assert 'class="form-row field-error"' in r.content.decode()
    assert not Deal.objects.exists()


def test_it_answers_404_when_prefilling_an_outsiders_customer(client, personas):
    charlies = CustomerFactory(owner=personas.charlie)
    client.force_login(personas.alice)

    assert client.get(CREATE, {"customer": charlies.pk}).status_code == 404


def customer_choices(html: str) -> list[str]:
    select = re.search(r'<select name="customer"[^>]*>(.*?)</select>', html, re.S)
    assert select, "no customer select"
    return re.findall(r'<option value="(\d+)"', select.group(1))


def test_it_offers_only_customers_the_user_may_write_on_the_create_form(
    client, personas, alice_customer
):
    editable = CustomerFactory(owner=personas.alice, name="可编辑共享客户")
    own = CustomerFactory(owner=personas.charlie, name="查理自己的客户")
    share_grant(
        obj=alice_customer,
        user=personas.charlie,
        can_edit=False,
        expires_at=None,
        actor=personas.alice,
    )
    share_grant(
        obj=editable, user=personas.charlie, can_edit=True, expires_at=None, actor=personas.alice
    )
    client.force_login(personas.charlie)

    choices = customer_choices(client.get(CREATE).content.decode())

    assert sorted(choices) == sorted([str(editable.pk), str(own.pk)])


def test_it_refuses_a_deal_under_a_customer_shared_read_only(
    client, personas, pipeline, alice_customer
):
    share_grant(
        obj=alice_customer,
        user=personas.charlie,
        can_edit=False,
        expires_at=None,
        actor=personas.alice,
    )
    client.force_login(personas.charlie)

    r = client.post(CREATE, create_data(pipeline, alice_customer, personas.charlie))

    assert r.status_code == 200
    assert 'class="form-row field-error"' in r.content.decode()
    assert not Deal.objects.exists()
    assert not StageChange.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.CREATE).exists()
    assert client.get(CREATE, {"customer": alice_customer.pk}).status_code == 403


def test_it_creates_a_deal_under_a_customer_shared_for_editing(
    client, personas, pipeline, alice_customer
):
    share_grant(
        obj=alice_customer,
        user=personas.charlie,
        can_edit=True,
        expires_at=None,
        actor=personas.alice,
    )
    client.force_login(personas.charlie)

    assert client.get(CREATE, {"customer": alice_customer.pk}).status_code == 200
    r = client.post(CREATE, create_data(pipeline, alice_customer, personas.charlie))

    assert r.status_code == 302
    assert Deal.objects.get().customer == alice_customer


def test_it_refuses_to_move_a_deal_under_a_customer_shared_read_only(
    client, personas, alice_customer
):
    charlies = DealFactory(owner=personas.charlie, customer=CustomerFactory(owner=personas.charlie))
    share_grant(
        obj=alice_customer,
        user=personas.charlie,
        can_edit=False,
        expires_at=None,
        actor=personas.alice,
    )
    client.force_login(personas.charlie)
    url = reverse("deals:edit", args=[charlies.pk])

    assert str(alice_customer.pk) not in customer_choices(client.get(url).content.decode())
    r = client.post(url, edit_data(charlies, customer=alice_customer.pk))

    assert r.status_code == 200
    charlies.refresh_from_db()
    assert charlies.customer != alice_customer
    assert charlies.version == 1


def test_it_refuses_to_assign_a_deal_to_another_teams_rep(
    client, personas, pipeline, alice_customer
):
    client.force_login(personas.alice)

    r = client.post(CREATE, create_data(pipeline, alice_customer, personas.charlie))

    assert r.status_code == 200
    assert not Deal.objects.exists()


def test_it_asks_for_facts_when_starting_past_the_first_stage(
    client, personas, pipeline, stages, alice_customer
):
    client.force_login(personas.alice)

    r = client.post(
        CREATE,
        create_data(pipeline, alice_customer, personas.alice, stage=stages["Proposal / quote"].pk),
    )

    assert r.status_code == 200
    html = r.content.decode()
    assert 'class="errors"' in html
    with translation.override("zh-hans"):
        label = str(Deal._meta.get_field("confirmed_requirements").verbose_name)
    assert escape(label) in html
    assert not Deal.objects.exists()


# ---- edit -------------------------------------------------------------------------------------


def test_it_saves_an_edit(client, personas, alice_deal):
    client.force_login(personas.alice)
    url = reverse("deals:edit", args=[alice_deal.pk])

    r = client.post(url, edit_data(alice_deal, title="华信 ERP 二期", amount="150000"))

    assert r.status_code == 302
    alice_deal.refresh_from_db()
    assert alice_deal.title == "华信 ERP 二期"
    assert alice_deal.amount == Decimal("150000")
    assert alice_deal.version == 2


def test_it_refuses_the_second_of_two_concurrent_edits(client, personas, alice_deal):
    url = reverse("deals:edit", args=[alice_deal.pk])
    first, second = client, Client()
    first.force_login(personas.alice)
    second.force_login(personas.mia)
    for c in (first, second):
        form = c.get(url).content.decode()
        assert re.search(r'name="version" value="1"', form)

    saved = first.post(url, edit_data(alice_deal, title="艾丽丝改的", amount="90000"))
    refused = second.post(url, edit_data(alice_deal, title="米娅改的", amount="1"))

    assert saved.status_code == 302
    assert refused.status_code == 200
    html = refused.content.decode()
    assert 'class="conflict"' in html
    with translation.override("zh-hans"):
        assert escape(deal_conflict().message) in html
    alice_deal.refresh_from_db()
    assert alice_deal.title == "艾丽丝改的"
    assert alice_deal.amount == Decimal("90000")
    assert alice_deal.version == 2


@pytest.mark.parametrize("outsider", ["charlie", "bob"])
def test_it_answers_404_to_outsiders_on_edit(client, personas, alice_deal, outsider):
    client.force_login(getattr(personas, outsider))
    url = reverse("deals:edit", args=[alice_deal.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, edit_data(alice_deal, title="外人改的")).status_code == 404
    alice_deal.refresh_from_db()
    assert alice_deal.title == "华信 ERP 升级"
    assert alice_deal.version == 1


def test_it_refuses_a_negative_amount_on_edit(client, personas, alice_deal):
    client.force_login(personas.alice)

    r = client.post(reverse("deals:edit", args=[alice_deal.pk]), edit_data(alice_deal, amount="-5"))

    assert r.status_code == 200
    assert zh("The amount cannot be negative.") in r.content.decode()
    alice_deal.refresh_from_db()
    assert alice_deal.amount == Decimal("100000.00")
    assert alice_deal.version == 1


# ---- product lines ----------------------------------------------------------------------------


def test_it_recomputes_the_amount_when_lines_change(client, personas, alice_deal):
    erp = ProductFactory(list_price=Decimal("12000.00"))
    oa = ProductFactory(list_price=Decimal("5000.00"))
    client.force_login(personas.alice)
    add = reverse("deals:line_add", args=[alice_deal.pk])

    r = client.post(add, {"product": erp.pk, "quantity": "2", "unit_price": "", "discount": "10"})
    assert r.status_code == 302
    alice_deal.refresh_from_db()
    assert alice_deal.amount == Decimal("21600.00")  # 2 × 12000 − 10 %

    client.post(add, {"product": oa.pk, "quantity": "3", "unit_price": "4000", "discount": ""})
    alice_deal.refresh_from_db()
    assert alice_deal.amount == Decimal("33600.00")

    line = DealLine.objects.get(product=erp)
    r = client.post(reverse("deals:line_remove", args=[alice_deal.pk, line.pk]))
    assert r.status_code == 302
    alice_deal.refresh_from_db()
    assert alice_deal.amount == Decimal("12000.00")
    assert list(alice_deal.lines.values_list("product", flat=True)) == [oa.pk]

    edit_form = client.get(reverse("deals:edit", args=[alice_deal.pk])).content.decode()
    assert re.search(r'<input[^>]*name="amount"[^>]*disabled', edit_form)


def test_it_refuses_an_invalid_line(client, personas, alice_deal):
    product = ProductFactory()
    client.force_login(personas.alice)

    r = client.post(
        reverse("deals:line_add", args=[alice_deal.pk]),
        {"product": product.pk, "quantity": "0", "unit_price": "", "discount": "120"},
        follow=True,
    )

    assert r.status_code == 200
    assert "msg-error" in r.content.decode()
    assert not DealLine.objects.exists()
    alice_deal.refresh_from_db()
    assert alice_deal.amount == Decimal("100000.00")


def test_it_keeps_outsiders_away_from_the_lines(client, personas, alice_deal):
    product = ProductFactory()
    line = DealLine.objects.create(
        deal=alice_deal, product=product, quantity=1, unit_price=100, total=100
    )
    client.force_login(personas.charlie)

    added = client.post(
        reverse("deals:line_add", args=[alice_deal.pk]), {"product": product.pk, "quantity": "1"}
    )
    removed = client.post(reverse("deals:line_remove", args=[alice_deal.pk, line.pk]))

    assert added.status_code == 404
    assert removed.status_code == 404
    assert list(DealLine.objects.all()) == [line]


def test_it_does_not_remove_a_line_through_another_deal(client, personas, alice_deal):
    other = DealFactory(owner=personas.alice, customer=alice_deal.customer)
    line = DealLine.objects.create(
        deal=other, product=ProductFactory(), quantity=1, unit_price=100, total=100
    )
    client.force_login(personas.alice)

    r = client.post(reverse("deals:line_remove", args=[alice_deal.pk, line.pk]))

    assert r.status_code == 404
    assert DealLine.objects.filter(pk=line.pk).exists()
