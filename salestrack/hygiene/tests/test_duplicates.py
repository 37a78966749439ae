"""Duplicate finder: names, phones and e-mails; scope; cost."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.hygiene.selectors import customer_duplicate_groups

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def groups_by_name(user) -> list[set[str]]:
    return [{c.name for c in g.customers} for g in customer_duplicate_groups(user=user)]


def test_it_groups_spellings_of_one_company(personas):
    for name in ("华信科技有限公司", "华信科技（上海）有限公司", "华信科技股份有限公司"):
        CustomerFactory(owner=personas.alice, name=name)
    CustomerFactory(owner=personas.alice, name="东方明珠集团")
    [group] = customer_duplicate_groups(user=personas.mia)
    assert {c.name for c in group.customers} == {
        "华信科技有限公司",
        "华信科技（上海）有限公司",
        "华信科技股份有限公司",
    }
    assert {m.kind for m in group.matches} == {"name"}
    assert len(group.matches) == 2


def test_it_finds_similar_names_within_a_block(personas, settings):
    settings.SALESTRACK_DUPLICATE_MIN_SIMILARITY = 80
    CustomerFactory(owner=personas.alice, name="华信科技发展有限公司")
    CustomerFactory(owner=personas.alice, name="华信科技开发有限公司")
    CustomerFactory(owner=personas.alice, name="西湖龙井茶业")
    [group] = customer_duplicate_groups(user=personas.mia)
    [match] = group.matches
    assert match.kind == "similar_name"
    assert 80 <= match.score < 100


def test_it_matches_by_contact_phone(personas):
    a = CustomerFactory(owner=personas.alice, name="甲公司")
    b = CustomerFactory(owner=personas.bob, name="乙企业")
    ContactFactory(customer=a, phone="13812345678")
    ContactFactory(customer=b, phone="13812345678")
    [group] = customer_duplicate_groups(user=personas.mia)
    assert [c.pk for c in group.customers] == [a.pk, b.pk]
    [match] = group.matches
    assert (match.kind, match.value) == ("phone", "13812345678")


def test_it_matches_by_contact_email_ignoring_case(personas):
    a = CustomerFactory(owner=personas.alice, name="甲公司")
    b = CustomerFactory(owner=personas.alice, name="乙企业")
    ContactFactory(customer=a, phone="", email="Wang@Huaxin.cn")
    ContactFactory(customer=b, phone="", email="wang@huaxin.cn")
    [group] = customer_duplicate_groups(user=personas.alice)
    assert [m.kind for m in group.matches] == ["email"]


def test_trashed_contacts_do_not_match(personas):
    a = CustomerFactory(owner=personas.alice, name="甲公司")
    b = CustomerFactory(owner=personas.alice, name="乙企业")
    ContactFactory(customer=a, phone="13812345678")
    gone = ContactFactory(customer=b, phone="13812345678")
    gone.deleted_at = gone.created_at
    gone.save()
    assert customer_duplicate_groups(user=personas.alice) == []


def test_it_never_matches_across_scope(personas):
    """Alice's and Charlie's 华信 are one company, but neither rep may change the other's."""
    mine = CustomerFactory(owner=personas.alice, name="华信科技有限公司")
    theirs = CustomerFactory(owner=personas.charlie, name="华信科技股份有限公司")
    ContactFactory(customer=mine, phone="13812345678", email="a@huaxin.cn")
    ContactFactory(customer=theirs, phone="13812345678", email="a@huaxin.cn")
    assert customer_duplicate_groups(user=personas.alice) == []
    assert customer_duplicate_groups(user=personas.charlie) == []
    assert groups_by_name(personas.admin) == [{"华信科技有限公司", "华信科技股份有限公司"}]


def test_the_page_needs_the_bulk_right(personas):
    assert client_for(personas.alice).get(reverse("hygiene:duplicates")).status_code == 403
    assert client_for(personas.mia).get(reverse("hygiene:duplicates")).status_code == 200


def test_the_page_lists_groups_with_reasons(personas):
    a = CustomerFactory(owner=personas.alice, name="华信科技有限公司")
    b = CustomerFactory(owner=personas.bob, name="华信科技（上海）有限公司")
    ContactFactory(customer=a, phone="13900001111")
    ContactFactory(customer=b, phone="13900001111")
    html = client_for(personas.mia).get(reverse("hygiene:duplicates")).content.decode()
    assert "华信科技（上海）有限公司" in html
    assert "13900001111" in html
    assert reverse("hygiene:merge", args=[a.pk, b.pk]) in html


def test_the_nav_link_shows_for_the_bulk_right_only(personas):
    link = reverse("hygiene:duplicates")
    assert link in client_for(personas.mia).get(reverse("customers:list")).content.decode()
    assert link not in client_for(personas.alice).get(reverse("customers:list")).content.decode()


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("hygiene:duplicates"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_customers_or_groups(personas):
    def seed(n: int, start: int) -> None:
        for i in range(start, start + n):
            a = CustomerFactory(owner=personas.alice, name=f"公司{i:03d}号有限公司")
            CustomerFactory(owner=personas.bob, name=f"公司{i:03d}号股份有限公司")
            ContactFactory(customer=a, phone=f"1390000{i:04d}")
            ContactFactory(customer=a, phone="", email=f"x{i}@a.cn")

    client = client_for(personas.mia)
    seed(3, 0)
    small = _queries(client)
    seed(20, 100)
    assert _queries(client) == small
