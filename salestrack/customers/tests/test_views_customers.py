"""Customer list (pinyin and phone search, filters), detail page, create/edit and contacts."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.core.tests.i18n import zh
from salestrack.customers.models import Contact, Customer
from salestrack.customers.services import contact_create
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db

LIST = reverse("customers:list")
CREATE = reverse("customers:create")


def names(html: str) -> list[str]:
    return re.findall(r'<td><a href="/customers/\d+/">([^<]+)</a></td>', html)


@pytest.fixture
def huaxin(personas) -> Customer:
    return CustomerFactory(owner=personas.alice, name="华信科技有限公司")


def customer_data(customer: Customer | None = None, **changes) -> dict:
    data = {
        "name": "东方明珠集团",
        "industry": "零售",
        "region": "上海",
        "size": "medium",
        "source": "referral",
        "budget": "300000",
        "tier": "A",
        "owner": "",
        "pain_points": "门店库存不准",
    }
    if customer is not None:
        data.update(
            name=customer.name,
            industry=customer.industry,
            region=customer.region,
            size=customer.size,
            source=customer.source,
            budget="" if customer.budget is None else str(customer.budget),
            tier=customer.tier,
            owner=customer.owner_id,
            pain_points=customer.pain_points,
            version=customer.version,
        )
    return {**data, **changes}


def contact_data(**changes) -> dict:
    data = {
        "name": "王经理",
        "title": "信息部经理",
        "phone": "138 0013 8000",
        "email": "wang@example.cn",
        "wechat": "wang_it",
        "decision_role": "decision_maker",
        "preferences": "喜欢上午沟通",
    }
    return {**data, **changes}


# ---- list -------------------------------------------------------------------------------------


def test_it_finds_a_customer_by_pinyin_initials(client, personas, huaxin):
    CustomerFactory(owner=personas.alice, name="东方明珠集团")
    client.force_login(personas.alice)

    r = client.get(LIST, {"q": "hxkj"})

    assert r.status_code == 200
    assert names(r.content.decode()) == ["华信科技有限公司"]


def test_it_finds_a_customer_by_chinese_name_and_full_pinyin(client, personas, huaxin):
    client.force_login(personas.alice)

    assert names(client.get(LIST, {"q": "华信"}).content.decode()) == ["华信科技有限公司"]
    assert names(client.get(LIST, {"q": "HuaXin"}).content.decode()) == ["华信科技有限公司"]


def test_it_finds_a_customer_by_a_contacts_phone(client, personas, huaxin):
    other = CustomerFactory(owner=personas.alice, name="东方明珠集团")
    contact_create(customer=huaxin, actor=personas.alice, name="王经理", phone="13912345678")
    contact_create(customer=other, actor=personas.alice, name="李总", phone="13600000000")
    client.force_login(personas.alice)

    assert names(client.get(LIST, {"q": "1391234"}).content.decode()) == ["华信科技有限公司"]
    assert names(client.get(LIST, {"q": "王经理"}).content.decode()) == ["华信科技有限公司"]


def test_it_filters_by_tier_source_industry_region_and_owner(client, personas):
    CustomerFactory(owner=personas.alice, name="甲", tier="A", source="referral")
    CustomerFactory(owner=personas.alice, name="乙", tier="B", source="referral", industry="零售")
    CustomerFactory(owner=personas.alice, name="丙", tier="A", region="杭州")
    CustomerFactory(owner=personas.bob, name="丁", tier="A")
    client.force_login(personas.mia)

    def listed(**params):
        return sorted(names(client.get(LIST, params).content.decode()))

    assert listed(tier="A") == ["丁", "丙", "甲"]
    assert listed(source="referral") == ["乙", "甲"]
    assert listed(industry="零售") == ["乙"]
    assert listed(region="杭州") == ["丙"]
    assert listed(owner=personas.bob.pk) == ["丁"]
    assert listed(tier="A", owner=personas.alice.pk) == ["丙", "甲"]


def test_it_hides_alices_customers_from_charlie(client, personas, huaxin):
    CustomerFactory(owner=personas.charlie, name="华信电子")
    client.force_login(personas.charlie)

    html = client.get(LIST, {"q": "hx"}).content.decode()

    assert names(html) == ["华信电子"]
    assert "华信科技有限公司" not in html


def test_it_does_not_filter_by_an_owner_charlie_cannot_see(client, personas, huaxin):
    client.force_login(personas.charlie)

    html = client.get(LIST, {"owner": personas.alice.pk}).content.decode()

    assert "华信科技有限公司" not in html


def test_it_paginates_with_the_list_page_size_setting(client, personas, settings):
    settings.SALESTRACK_LIST_PAGE_SIZE = 2
    for name in ("甲公司", "乙公司", "丙公司"):
        CustomerFactory(owner=personas.alice, name=name)
    CustomerFactory(owner=personas.charlie, name="查理的公司")
    client.force_login(personas.alice)

    first = names(client.get(LIST, {"sort": "name"}).content.decode())
    second = names(client.get(LIST, {"sort": "name", "page": 2}).content.decode())

    assert len(first) == 2
    assert len(second) == 1
    assert sorted(first + second) == sorted(["甲公司", "乙公司", "丙公司"])


def test_it_renders_only_the_results_for_htmx(client, personas, huaxin):
    client.force_login(personas.alice)

    html = client.get(LIST, {"q": "hxkj"}, HTTP_HX_REQUEST="true").content.decode()

    assert html.strip().startswith('<div id="results">')
    assert "<html" not in html
    assert names(html) == ["华信科技有限公司"]


# ---- detail -----------------------------------------------------------------------------------


def test_it_shows_contacts_deals_and_timeline(client, personas, huaxin):
    ContactFactory(customer=huaxin, name="王经理", phone="13912345678")
    DealFactory(owner=personas.alice, customer=huaxin, title="华信 ERP 升级")
    FollowUpFactory(customer=huaxin, owner=personas.alice, customer_words="预算下个月批")
    client.force_login(personas.alice)

    r = client.get(reverse("customers:detail", args=[huaxin.pk]))

    assert r.status_code == 200
    html = r.content.decode()
    assert "华信科技有限公司" in html
    assert "王经理" in html
    assert "13912345678" in html
    assert "华信 ERP 升级" in html
    assert "预算下个月批" in html


def test_it_lists_only_the_deals_in_scope_on_the_customer_page(client, personas, huaxin):
    DealFactory(owner=personas.alice, customer=huaxin, title="艾丽丝的项目")
    DealFactory(owner=personas.bob, customer=huaxin, title="鲍勃的项目")
    client.force_login(personas.alice)

    html = client.get(reverse("customers:detail", args=[huaxin.pk])).content.decode()

    assert "艾丽丝的项目" in html
    assert "鲍勃的项目" not in html


def test_it_does_not_leak_out_of_scope_deal_titles_through_the_timeline(client, personas, huaxin):
    bobs = DealFactory(owner=personas.bob, customer=huaxin, title="鲍勃的机密项目")
    FollowUpFactory(customer=huaxin, deal=bobs, owner=personas.bob)
    client.force_login(personas.alice)

    html = client.get(reverse("customers:detail", args=[huaxin.pk])).content.decode()

    assert "鲍勃的机密项目" not in html


@pytest.mark.parametrize("outsider", ["charlie", "bob"])
def test_it_answers_404_to_outsiders_on_the_detail_page(client, personas, huaxin, outsider):
    client.force_login(getattr(personas, outsider))

    assert client.get(reverse("customers:detail", args=[huaxin.pk])).status_code == 404


# ---- create / edit ----------------------------------------------------------------------------


def test_it_creates_a_customer(client, personas):
    client.force_login(personas.alice)

    r = client.post(CREATE, customer_data(owner=personas.alice.pk))

    customer = Customer.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("customers:detail", args=[customer.pk])
    assert customer.name == "东方明珠集团"
    assert customer.owner == personas.alice
    assert customer.team == personas.team_a
    assert customer.tier == "A"
    assert "dfmzjt" in customer.search_key
    assert zh("Customer created.") in client.get(r["Location"]).content.decode()


@pytest.mark.parametrize("name", ["", "   "])
def test_it_refuses_an_empty_name(client, personas, name):
    client.force_login(personas.alice)

    r = client.post(CREATE, customer_data(name=name, owner=personas.alice.pk))

    assert r.status_code == 200
    assert "field-error" in r.content.decode()
    assert zh("This field is required.") in r.content.decode()
    assert not Customer.objects.exists()


def test_it_refuses_a_negative_budget(client, personas):
    client.force_login(personas.alice)

    r = client.post(CREATE, customer_data(budget="-1", owner=personas.alice.pk))

    assert r.status_code == 200
    assert zh("The budget cannot be negative.") in r.content.decode()
    assert not Customer.objects.exists()


def test_it_does_not_let_a_rep_give_a_customer_to_another_team(client, personas):
    client.force_login(personas.alice)

    r = client.post(CREATE, customer_data(owner=personas.charlie.pk))

    assert r.status_code == 200
    assert not Customer.objects.exists()


def test_it_saves_an_edit(client, personas, huaxin):
    client.force_login(personas.alice)

    r = client.post(
        reverse("customers:edit", args=[huaxin.pk]),
        customer_data(huaxin, name="华信数码有限公司", tier="A"),
    )

    assert r.status_code == 302
    huaxin.refresh_from_db()
    assert huaxin.name == "华信数码有限公司"
    assert huaxin.tier == "A"
    assert huaxin.version == 2
    assert "hxsm" in huaxin.search_key


def test_it_refuses_the_second_of_two_concurrent_edits(client, personas, huaxin):
    url = reverse("customers:edit", args=[huaxin.pk])
    first, second = client, Client()
    first.force_login(personas.alice)
    second.force_login(personas.mia)
    for c in (first, second):
        assert 'name="version" value="1"' in c.get(url).content.decode()

    saved = first.post(url, customer_data(huaxin, region="苏州"))
    refused = second.post(url, customer_data(huaxin, region="南京"))

    assert saved.status_code == 302
    assert refused.status_code == 200
    html = refused.content.decode()
    assert 'class="conflict"' in html
    assert zh("Someone else changed this customer after you opened it. Reload to see it.") in html
    huaxin.refresh_from_db()
    assert huaxin.region == "苏州"
    assert huaxin.version == 2


def test_it_refuses_an_empty_name_on_edit(client, personas, huaxin):
    client.force_login(personas.alice)

    r = client.post(reverse("customers:edit", args=[huaxin.pk]), customer_data(huaxin, name=" "))

    assert r.status_code == 200
    assert "field-error" in r.content.decode()
    huaxin.refresh_from_db()
    assert huaxin.name == "华信科技有限公司"
    assert huaxin.version == 1


@pytest.mark.parametrize("outsider", ["charlie", "bob"])
def test_it_answers_404_to_outsiders_on_edit(client, personas, huaxin, outsider):
    client.force_login(getattr(personas, outsider))
    url = reverse("customers:edit", args=[huaxin.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, customer_data(huaxin, name="外人改的")).status_code == 404
    huaxin.refresh_from_db()
    assert huaxin.name == "华信科技有限公司"


# ---- contacts ---------------------------------------------------------------------------------


def test_it_creates_edits_and_deletes_a_contact(client, personas, huaxin):
    client.force_login(personas.alice)

    r = client.post(reverse("customers:contact_create", args=[huaxin.pk]), contact_data())
    assert r.status_code == 302
    assert r["Location"] == reverse("customers:detail", args=[huaxin.pk])
    contact = Contact.objects.get()
    assert contact.customer == huaxin
    assert contact.phone == "138 0013 8000"
    assert names(client.get(LIST, {"q": "wang@example"}).content.decode()) == [huaxin.name]

    edit = reverse("customers:contact_edit", args=[huaxin.pk, contact.pk])
    assert "王经理" in client.get(edit).content.decode()
    r = client.post(edit, contact_data(name="王总", phone="021-5555 0000"))
    assert r.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "王总"
    assert names(client.get(LIST, {"q": "021-5555"}).content.decode()) == [huaxin.name]

    delete = reverse("customers:contact_delete", args=[huaxin.pk, contact.pk])
    assert client.get(delete).status_code == 405
    r = client.post(delete)
    assert r.status_code == 302
    assert not Contact.objects.exists()


def test_it_refuses_an_invalid_phone(client, personas, huaxin):
    client.force_login(personas.alice)

    r = client.post(
        reverse("customers:contact_create", args=[huaxin.pk]), contact_data(phone="call me")
    )

    assert r.status_code == 200
    assert zh("A phone number has digits, spaces, + and - only.") in r.content.decode()
    assert not Contact.objects.exists()


def test_it_refuses_an_invalid_email(client, personas, huaxin):
    client.force_login(personas.alice)

    r = client.post(
        reverse("customers:contact_create", args=[huaxin.pk]), contact_data(email="wang@")
    )

    assert r.status_code == 200
    assert zh("Enter a valid email address.") in r.content.decode()
    assert not Contact.objects.exists()


def test_it_refuses_an_invalid_phone_on_edit(client, personas, huaxin):
    contact = ContactFactory(customer=huaxin, phone="13912345678")
    client.force_login(personas.alice)

    r = client.post(
        reverse("customers:contact_edit", args=[huaxin.pk, contact.pk]),
        contact_data(phone="12#34"),
    )

    assert r.status_code == 200
    assert "field-error" in r.content.decode()
    contact.refresh_from_db()
    assert contact.phone == "13912345678"


def test_it_keeps_charlie_away_from_alices_contacts(client, personas, huaxin):
    contact = ContactFactory(customer=huaxin, name="王经理")
    client.force_login(personas.charlie)

    create = client.post(reverse("customers:contact_create", args=[huaxin.pk]), contact_data())
    edit = client.post(
        reverse("customers:contact_edit", args=[huaxin.pk, contact.pk]), contact_data(name="x")
    )
    delete = client.post(reverse("customers:contact_delete", args=[huaxin.pk, contact.pk]))

    assert (create.status_code, edit.status_code, delete.status_code) == (404, 404, 404)
    assert list(Contact.objects.values_list("name", flat=True)) == ["王经理"]


def test_it_does_not_reach_a_contact_through_another_customer(client, personas, huaxin):
    charlies_contact = ContactFactory(customer=CustomerFactory(owner=personas.charlie))
    client.force_login(personas.alice)
    edit = reverse("customers:contact_edit", args=[huaxin.pk, charlies_contact.pk])
    delete = reverse("customers:contact_delete", args=[huaxin.pk, charlies_contact.pk])

    assert client.get(edit).status_code == 404
    assert client.post(edit, contact_data(name="艾丽丝改的")).status_code == 404
    assert client.post(delete).status_code == 404
    charlies_contact.refresh_from_db()
    assert charlies_contact.name != "艾丽丝改的"
