from datetime import date
from decimal import Decimal

import pytest

from salestrack.access.services import share_grant
from salestrack.core.exceptions import ApplicationError, ConflictError
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.deals.errors import StageGateError
from salestrack.deals.models import Deal, StageChange
from salestrack.deals.services import deal_create, deal_line_add, deal_update
from salestrack.deals.tests.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(personas):
    return CustomerFactory(owner=personas.alice)


def test_it_creates_a_deal_with_the_defaults(personas, pipeline, stages, customer):
    deal = deal_create(actor=personas.alice, customer=customer, title="ERP 一期")
    deal.refresh_from_db()
    assert deal.pipeline == pipeline
    assert deal.stage == stages["Lead"]
    assert deal.status == Deal.Status.OPEN
    assert deal.owner == personas.alice
    assert deal.team == personas.team_a
    assert deal.amount == Decimal("0.00")
    assert deal.version == 1


def test_it_records_the_opening_stage_change(personas, stages, customer):
    deal = deal_create(actor=personas.alice, customer=customer, title="ERP 一期")
    [row] = StageChange.objects.filter(deal=deal)
    assert row.from_stage is None
    assert row.from_kind == ""
    assert row.to_stage == stages["Lead"]
    assert row.to_kind == "open"
    assert row.entered_at == deal.stage_entered_at
    assert row.left_at is None
    assert row.actor == personas.alice


def test_it_takes_the_team_from_the_owner_not_the_actor(personas, customer):
    deal = deal_create(
        actor=personas.mia, customer=customer, title="ERP 一期", owner=personas.charlie
    )
    assert deal.owner == personas.charlie
    assert deal.team == personas.team_b
    assert StageChange.objects.get(deal=deal).actor == personas.mia


def test_it_keeps_the_given_fields_and_collaborators(personas, customer):
    deal = deal_create(
        actor=personas.alice,
        customer=customer,
        title="ERP 一期",
        amount=Decimal("250000.00"),
        expected_close_date=date(2025, 6, 30),
        collaborators=[personas.bob],
    )
    deal.refresh_from_db()
    assert deal.amount == Decimal("250000.00")
    assert deal.expected_close_date == date(2025, 6, 30)
    assert list(deal.collaborators.all()) == [personas.bob]


def test_it_refuses_to_create_in_a_later_stage_without_the_earlier_facts(
    personas, stages, customer
):
    with pytest.raises(StageGateError) as exc:
        deal_create(
            actor=personas.alice,
            customer=customer,
            title="ERP 一期",
            stage=stages["Negotiation"],
        )
    assert exc.value.missing == ["confirmed_requirements", "quote_amount"]
    assert exc.value.extra == {"missing": ["confirmed_requirements", "quote_amount"]}
    assert not Deal.objects.exists()
    assert not StageChange.objects.exists()


def test_it_names_only_the_facts_still_missing(personas, stages, customer):
    with pytest.raises(StageGateError) as exc:
        deal_create(
            actor=personas.alice,
            customer=customer,
            title="ERP 一期",
            stage=stages["Contract"],
            quote_amount=Decimal("300000.00"),
        )
    assert exc.value.missing == ["confirmed_requirements", "decision_maker"]


def test_it_creates_in_a_later_stage_when_the_facts_come_along(personas, stages, customer):
    deal = deal_create(
        actor=personas.alice,
        customer=customer,
        title="ERP 一期",
        stage=stages["Negotiation"],
        confirmed_requirements="200 用户，含移动审批",
        quote_amount=Decimal("300000.00"),
    )
    deal.refresh_from_db()
    assert deal.stage == stages["Negotiation"]
    assert StageChange.objects.get(deal=deal).to_stage == stages["Negotiation"]


def test_it_refuses_to_create_a_deal_already_won(personas, stages, customer):
    with pytest.raises(ApplicationError):
        deal_create(actor=personas.alice, customer=customer, title="ERP", stage=stages["Won"])
    assert not Deal.objects.exists()


def test_it_refuses_a_negative_amount_on_create(personas, customer):
    with pytest.raises(ApplicationError) as exc:
        deal_create(actor=personas.alice, customer=customer, title="ERP", amount=Decimal("-0.01"))
    assert "amount" in exc.value.extra["errors"]
    assert not Deal.objects.exists()


def test_it_refuses_unknown_fields_on_create(personas, customer):
    with pytest.raises(ApplicationError):
        deal_create(actor=personas.alice, customer=customer, title="ERP", status="won")
    assert not Deal.objects.exists()


def test_it_updates_and_bumps_the_version(personas):
    deal = DealFactory(owner=personas.alice, title="旧名称")
    deal = deal_update(
        deal=deal,
        actor=personas.alice,
        expected_version=1,
        data={"title": "新名称", "competitor": "用友"},
    )
    assert deal.version == 2
    stored = Deal.objects.get(pk=deal.pk)
    assert (stored.title, stored.competitor) == ("新名称", "用友")


def test_it_refuses_the_second_save_from_an_old_version(personas):
    deal = DealFactory(owner=personas.alice, title="旧名称", amount=Decimal("1000.00"))
    alices_copy = Deal.objects.get(pk=deal.pk)
    bobs_copy = Deal.objects.get(pk=deal.pk)
    deal_update(
        deal=alices_copy,
        actor=personas.alice,
        expected_version=alices_copy.version,
        data={"title": "艾丽丝的改动"},
    )
    with pytest.raises(ConflictError):
        deal_update(
            deal=bobs_copy,
            actor=personas.bob,
            expected_version=bobs_copy.version,
            data={"title": "鲍勃的改动", "amount": Decimal("9.00")},
        )
    stored = Deal.objects.get(pk=deal.pk)
    assert stored.title == "艾丽丝的改动"
    assert stored.amount == Decimal("1000.00")
    assert stored.version == 2


def test_it_refuses_a_negative_amount_and_writes_nothing(personas):
    deal = DealFactory(owner=personas.alice, title="原名称", amount=Decimal("1000.00"))
    with pytest.raises(ApplicationError) as exc:
        deal_update(
            deal=deal,
            actor=personas.alice,
            expected_version=1,
            data={"amount": Decimal("-1.00"), "title": "改名"},
        )
    assert "amount" in exc.value.extra["errors"]
    stored = Deal.objects.get(pk=deal.pk)
    assert stored.amount == Decimal("1000.00")
    assert stored.title == "原名称"
    assert stored.version == 1


def test_it_accepts_a_zero_amount(personas):
    deal = DealFactory(owner=personas.alice)
    deal = deal_update(
        deal=deal, actor=personas.alice, expected_version=1, data={"amount": Decimal("0")}
    )
    assert deal.amount == Decimal("0.00")


def test_it_refuses_to_edit_the_amount_when_lines_exist(personas):
    deal = DealFactory(owner=personas.alice)
    deal_line_add(
        deal=deal,
        actor=personas.alice,
        product=ProductFactory(list_price=Decimal("12000.00")),
        quantity=Decimal("2"),
    )
    version = deal.version
    with pytest.raises(ApplicationError):
        deal_update(
            deal=deal,
            actor=personas.alice,
            expected_version=version,
            data={"amount": Decimal("1.00")},
        )
    stored = Deal.objects.get(pk=deal.pk)
    assert stored.amount == Decimal("24000.00")
    assert stored.version == version


def test_it_lets_other_fields_change_when_lines_exist(personas):
    deal = DealFactory(owner=personas.alice)
    deal_line_add(deal=deal, actor=personas.alice, product=ProductFactory(), quantity=Decimal("1"))
    deal = deal_update(
        deal=deal,
        actor=personas.alice,
        expected_version=deal.version,
        data={"amount": deal.amount, "next_step": "安排演示"},
    )
    assert deal.next_step == "安排演示"
    assert deal.amount == Decimal("12000.00")


def test_it_moves_the_team_with_the_owner(personas):
    deal = DealFactory(owner=personas.alice)
    assert deal.team == personas.team_a
    deal = deal_update(
        deal=deal, actor=personas.mia, expected_version=1, data={"owner": personas.charlie}
    )
    stored = Deal.objects.get(pk=deal.pk)
    assert stored.owner == personas.charlie
    assert stored.team == personas.team_b


def test_it_sets_collaborators_on_update(personas):
    deal = DealFactory(owner=personas.alice)
    deal_update(
        deal=deal,
        actor=personas.alice,
        expected_version=1,
        data={"collaborators": [personas.bob, personas.charlie]},
    )
    assert set(deal.collaborators.all()) == {personas.bob, personas.charlie}


def test_it_refuses_unknown_fields_on_update(personas, stages):
    deal = DealFactory(owner=personas.alice)
    with pytest.raises(ApplicationError):
        deal_update(
            deal=deal, actor=personas.alice, expected_version=1, data={"stage": stages["Won"]}
        )
    assert Deal.objects.get(pk=deal.pk).stage == stages["Lead"]


def test_it_records_a_decision_maker_fact(personas):
    deal = DealFactory(owner=personas.alice)
    contact = ContactFactory(customer=deal.customer)
    deal = deal_update(
        deal=deal, actor=personas.alice, expected_version=1, data={"decision_maker": contact}
    )
    assert Deal.objects.get(pk=deal.pk).decision_maker == contact


def test_it_refuses_a_deal_under_a_customer_shared_read_only(personas, customer):
    share_grant(
        obj=customer, user=personas.charlie, can_edit=False, expires_at=None, actor=personas.alice
    )

    with pytest.raises(ApplicationError):
        deal_create(actor=personas.charlie, customer=customer, title="ERP")

    assert not Deal.objects.exists()
    assert not StageChange.objects.exists()


def test_it_creates_a_deal_under_a_customer_shared_for_editing(personas, customer):
    share_grant(
        obj=customer, user=personas.charlie, can_edit=True, expires_at=None, actor=personas.alice
    )

    deal = deal_create(actor=personas.charlie, customer=customer, title="ERP")

    assert deal.customer == customer and deal.owner == personas.charlie


def test_it_refuses_to_move_a_deal_under_a_customer_shared_read_only(personas, customer):
    deal = DealFactory(customer=CustomerFactory(owner=personas.charlie))
    share_grant(
        obj=customer, user=personas.charlie, can_edit=False, expires_at=None, actor=personas.alice
    )

    with pytest.raises(ApplicationError):
        deal_update(
            deal=deal, actor=personas.charlie, expected_version=1, data={"customer": customer}
        )

    deal.refresh_from_db()
    assert deal.customer != customer and deal.version == 1
