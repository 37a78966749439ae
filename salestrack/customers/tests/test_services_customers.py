from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from salestrack.core.exceptions import ApplicationError, ConflictError
from salestrack.customers.models import Contact, Customer
from salestrack.customers.services import (
    contact_create,
    contact_delete,
    contact_update,
    customer_create,
    customer_update,
)
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_it_creates_a_customer_in_the_owners_team(personas):
    customer = customer_create(actor=personas.alice, name="  华信科技有限公司 ", tier="A")
    customer.refresh_from_db()
    assert customer.name == "华信科技有限公司"
    assert customer.owner == personas.alice
    assert customer.team == personas.team_a
    assert customer.tier == "A"
    assert customer.version == 1


def test_it_takes_the_team_from_an_explicit_owner_not_the_actor(personas):
    customer = customer_create(actor=personas.mia, name="杭州云帆", owner=personas.charlie)
    assert customer.owner == personas.charlie
    assert customer.team == personas.team_b


def test_it_writes_the_pinyin_search_key(personas):
    customer = customer_create(actor=personas.alice, name="华信科技有限公司")
    customer.refresh_from_db()
    assert customer.search_key.split() == [
        "hxkjyxgs",
        "huaxinkejiyouxiangongsi",
        "华信科技有限公司",
    ]


def test_it_refuses_unknown_fields(personas):
    with pytest.raises(ApplicationError):
        customer_create(actor=personas.alice, name="华信", version=9)
    assert not Customer.objects.exists()


def test_it_refuses_an_invalid_choice_and_writes_nothing(personas):
    with pytest.raises(ApplicationError) as exc:
        customer_create(actor=personas.alice, name="华信", tier="Z")
    assert "tier" in exc.value.extra["errors"]
    assert not Customer.objects.exists()


def test_it_refuses_an_empty_name(personas):
    with pytest.raises(ApplicationError):
        customer_create(actor=personas.alice, name="   ")
    assert not Customer.objects.exists()


def test_it_refuses_a_negative_budget_on_create(personas):
    with pytest.raises(ApplicationError):
        customer_create(actor=personas.alice, name="华信", budget=Decimal("-1.00"))
    assert not Customer.objects.exists()


def test_it_refuses_a_negative_budget_on_update(personas):
    customer = CustomerFactory(owner=personas.alice, budget=Decimal("500000.00"))
    with pytest.raises(ApplicationError):
        customer_update(
            customer=customer,
            actor=personas.alice,
            expected_version=1,
            data={"budget": Decimal("-1.00")},
        )
    customer.refresh_from_db()
    assert customer.budget == Decimal("500000.00")


def test_it_updates_and_bumps_the_version(personas):
    customer = CustomerFactory(owner=personas.alice, region="上海")
    customer = customer_update(
        customer=customer,
        actor=personas.alice,
        expected_version=1,
        data={"region": "苏州", "budget": Decimal("800000.00")},
    )
    assert customer.version == 2
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.region == "苏州"
    assert stored.budget == Decimal("800000.00")


def test_it_rewrites_the_search_key_on_rename(personas):
    customer = CustomerFactory(owner=personas.alice, name="华信科技")
    customer_update(
        customer=customer, actor=personas.alice, expected_version=1, data={"name": "云帆网络"}
    )
    customer.refresh_from_db()
    assert customer.search_key.startswith("yfwl yunfanwangluo")


def test_it_moves_the_team_with_the_owner(personas):
    customer = CustomerFactory(owner=personas.alice)
    customer = customer_update(
        customer=customer,
        actor=personas.mia,
        expected_version=1,
        data={"owner": personas.charlie},
    )
    assert customer.owner == personas.charlie
    assert customer.team == personas.team_b


def test_it_refuses_a_stale_version_and_changes_nothing(personas):
    customer = CustomerFactory(owner=personas.alice, region="上海")
    stale = Customer.objects.get(pk=customer.pk)
    customer_update(
        customer=customer, actor=personas.alice, expected_version=1, data={"region": "苏州"}
    )
    with pytest.raises(ConflictError):
        customer_update(
            customer=stale, actor=personas.bob, expected_version=1, data={"region": "南京"}
        )
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.region == "苏州"
    assert stored.version == 2


def test_it_refuses_an_invalid_update_and_writes_nothing(personas):
    customer = CustomerFactory(owner=personas.alice, tier="B")
    with pytest.raises(ApplicationError):
        customer_update(
            customer=customer, actor=personas.alice, expected_version=1, data={"tier": "Z"}
        )
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.tier == "B"
    assert stored.version == 1


def test_it_creates_a_contact_with_a_search_key(personas):
    customer = CustomerFactory(owner=personas.alice)
    contact = contact_create(
        customer=customer,
        actor=personas.alice,
        name=" 王建国 ",
        phone="13812345678",
        email="wang@huaxin.cn",
        decision_role=Contact.Role.DECISION_MAKER,
    )
    contact.refresh_from_db()
    assert contact.customer == customer
    assert contact.name == "王建国"
    assert contact.search_key == "wjg wangjianguo 王建国 13812345678 wang@huaxin.cn"


def test_it_touches_the_customer_when_a_contact_is_added(personas):
    with time_machine.travel(datetime(2025, 3, 3, 9, 0, tzinfo=UTC), tick=False):
        customer = CustomerFactory(owner=personas.alice)
    later = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
    with time_machine.travel(later, tick=False):
        contact_create(customer=customer, actor=personas.alice, name="王建国")
    assert Customer.objects.get(pk=customer.pk).updated_at == later


def test_it_refuses_a_bad_email_on_a_contact_and_writes_nothing(personas):
    customer = CustomerFactory(owner=personas.alice)
    with pytest.raises(ApplicationError) as exc:
        contact_create(customer=customer, actor=personas.alice, name="王建国", email="not-an-email")
    assert "email" in exc.value.extra["errors"]
    assert not Contact.objects.exists()


def test_it_updates_a_contact_and_its_search_key(personas):
    contact = contact_create(
        customer=CustomerFactory(owner=personas.alice),
        actor=personas.alice,
        name="王建国",
        phone="13812345678",
    )
    contact_update(
        contact=contact,
        actor=personas.alice,
        data={"name": "李娜", "phone": "13900001111", "title": "IT 总监"},
    )
    contact.refresh_from_db()
    assert contact.name == "李娜"
    assert contact.title == "IT 总监"
    assert contact.search_key == "ln lina 李娜 13900001111"


def test_it_refuses_a_bad_contact_update_and_writes_nothing(personas):
    contact = ContactFactory(customer=CustomerFactory(owner=personas.alice), email="a@b.cn")
    with pytest.raises(ApplicationError):
        contact_update(contact=contact, actor=personas.alice, data={"email": "broken@"})
    assert Contact.objects.get(pk=contact.pk).email == "a@b.cn"


def test_it_refuses_unknown_contact_fields(personas):
    contact = ContactFactory(customer=CustomerFactory(owner=personas.alice))
    with pytest.raises(ApplicationError):
        contact_update(contact=contact, actor=personas.alice, data={"customer": None})


def test_it_deletes_a_contact(personas):
    customer = CustomerFactory(owner=personas.alice)
    gone, kept = ContactFactory.create_batch(2, customer=customer)
    contact_delete(contact=gone, actor=personas.alice)
    assert list(customer.contacts.all()) == [kept]


def test_a_tier_changed_on_the_form_becomes_a_manual_override(personas):
    from salestrack.customers.services import customer_update

    customer = CustomerFactory(owner=personas.alice, tier="B")
    customer_update(customer=customer, actor=personas.alice, expected_version=1, data={"tier": "A"})
    customer.refresh_from_db()
    assert (customer.tier, customer.tier_source) == ("A", Customer.TierSource.MANUAL)
    customer_update(customer=customer, actor=personas.alice, expected_version=2, data={"name": "x"})
    customer.refresh_from_db()
    assert customer.tier_source == Customer.TierSource.MANUAL
