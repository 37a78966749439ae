import pytest

from salestrack.accounts.models import User
from salestrack.core.tests.factories import UserFactory
from salestrack.customers.selectors import customer_filter_options, customer_list
from salestrack.customers.services import contact_create, customer_create
from salestrack.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def huaxin(personas):
    customer = CustomerFactory(owner=personas.alice, name="华信科技有限公司")
    contact_create(
        customer=customer,
        actor=personas.alice,
        name="王建国",
        phone="13812345678",
        email="wang@huaxin.cn",
    )
    return customer


@pytest.fixture
def yunfan(personas):
    return CustomerFactory(owner=personas.alice, name="杭州云帆网络")


def _search(user, q):
    return list(customer_list(user=user, q=q))


def test_it_finds_a_customer_by_pinyin_initials(personas, huaxin, yunfan):
    assert _search(personas.alice, "hxkj") == [huaxin]


def test_it_finds_a_customer_by_pinyin_initials_typed_in_capitals(personas, huaxin, yunfan):
    assert _search(personas.alice, " HXKJ ") == [huaxin]


def test_it_finds_a_customer_by_full_pinyin(personas, huaxin, yunfan):
    assert _search(personas.alice, "huaxin") == [huaxin]


def test_it_finds_a_customer_by_part_of_its_chinese_name(personas, huaxin, yunfan):
    assert _search(personas.alice, "云帆") == [yunfan]


def test_it_finds_a_customer_created_by_the_service(personas):
    customer = customer_create(actor=personas.alice, name="华信科技有限公司")
    assert _search(personas.alice, "hxkj") == [customer]


def test_it_finds_a_customer_by_contact_name(personas, huaxin, yunfan):
    assert _search(personas.alice, "王建国") == [huaxin]


def test_it_finds_a_customer_by_contact_name_pinyin(personas, huaxin, yunfan):
    assert _search(personas.alice, "wjg") == [huaxin]


def test_it_finds_a_customer_by_part_of_a_contact_phone(personas, huaxin, yunfan):
    assert _search(personas.alice, "13812345678") == [huaxin]
    assert _search(personas.alice, "5678") == [huaxin]


def test_it_finds_a_customer_by_contact_email(personas, huaxin, yunfan):
    assert _search(personas.alice, "wang@huaxin.cn") == [huaxin]


def test_it_finds_a_customer_by_an_email_written_in_capitals(personas, huaxin):
    contact_create(customer=huaxin, actor=personas.alice, name="李娜", email="Li.Na@HuaXin.cn")
    assert _search(personas.alice, "li.na@huaxin.cn") == [huaxin]
    assert _search(personas.alice, "Li.Na@HuaXin.cn") == [huaxin]


def test_it_lists_a_customer_once_when_several_contacts_match(personas, huaxin):
    contact_create(customer=huaxin, actor=personas.alice, name="王芳")
    assert _search(personas.alice, "王") == [huaxin]


def test_it_finds_nothing_for_an_unknown_term(personas, huaxin, yunfan):
    assert _search(personas.alice, "zzzz") == []


def test_it_never_gives_an_outsider_alices_customers(personas, huaxin, yunfan):
    own = CustomerFactory(owner=personas.charlie, name="华信精密机械")
    for q in ("hxkj", "华信", "王建国", "13812345678", "wang@huaxin.cn", ""):
        assert huaxin not in _search(personas.charlie, q)
    assert _search(personas.charlie, "华信") == [own]


def test_it_never_gives_a_teammate_alices_customers(personas, huaxin):
    assert _search(personas.bob, "hxkj") == []


def test_it_searches_the_whole_subtree_for_a_manager(personas, huaxin):
    other = CustomerFactory(owner=personas.charlie, name="华信精密机械")
    assert set(_search(personas.mia, "华信")) == {huaxin, other}


def test_it_filters_by_tier(personas):
    key = CustomerFactory(owner=personas.alice, tier="A")
    CustomerFactory(owner=personas.alice, tier="C")
    assert list(customer_list(user=personas.alice, tier="A")) == [key]


def test_it_filters_by_industry(personas):
    bank = CustomerFactory(owner=personas.alice, industry="金融")
    CustomerFactory(owner=personas.alice, industry="制造业")
    assert list(customer_list(user=personas.alice, industry="金融")) == [bank]


def test_it_filters_by_region(personas):
    CustomerFactory(owner=personas.alice, region="上海")
    hangzhou = CustomerFactory(owner=personas.alice, region="杭州")
    assert list(customer_list(user=personas.alice, region="杭州")) == [hangzhou]


def test_it_filters_by_owner(personas):
    CustomerFactory(owner=personas.alice)
    bobs = CustomerFactory(owner=personas.bob)
    assert list(customer_list(user=personas.mia, owner_id=personas.bob.pk)) == [bobs]


def test_it_combines_filters_and_search(personas):
    match = CustomerFactory(owner=personas.alice, name="华信科技", tier="A", region="上海")
    CustomerFactory(owner=personas.alice, name="华信物流", tier="B", region="上海")
    CustomerFactory(owner=personas.alice, name="华信电子", tier="A", region="杭州")
    assert list(customer_list(user=personas.alice, q="hx", tier="A", region="上海")) == [match]


def test_it_ignores_an_owner_filter_outside_the_users_scope(personas):
    CustomerFactory(owner=personas.alice)
    assert list(customer_list(user=personas.charlie, owner_id=personas.alice.pk)) == []


def test_it_sorts_by_name(personas):
    b = CustomerFactory(owner=personas.alice, name="B 公司")
    a = CustomerFactory(owner=personas.alice, name="A 公司")
    assert list(customer_list(user=personas.alice, sort="name")) == [a, b]


def test_it_offers_filter_values_from_the_users_scope_only(personas):
    CustomerFactory(owner=personas.alice, industry="金融", region="上海")
    CustomerFactory(owner=personas.alice, industry="", region="苏州")
    CustomerFactory(owner=personas.charlie, industry="教育", region="杭州")
    assert customer_filter_options(user=personas.alice) == {
        "industry": ["金融"],
        "region": ["上海", "苏州"],
    }


def test_it_shows_an_inactive_user_no_customers(personas, huaxin):
    ghost = UserFactory(role=User.Role.ADMIN, is_active=False)
    assert list(customer_list(user=ghost)) == []
