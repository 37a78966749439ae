from decimal import Decimal

import pytest

from salestrack.core.exceptions import ApplicationError
from salestrack.deals.models import Deal, DealLine
from salestrack.deals.services import deal_line_add, deal_line_remove
from salestrack.deals.tests.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(personas):
    return DealFactory(owner=personas.alice, amount=Decimal("0"))


def _add(deal, actor, **kwargs):
    kwargs.setdefault("product", ProductFactory())
    return deal_line_add(deal=deal, actor=actor, **kwargs)


def test_it_multiplies_quantity_price_and_discount_exactly(personas, deal):
    line = _add(
        deal,
        personas.alice,
        quantity=Decimal("3"),
        unit_price=Decimal("333.33"),
        discount=Decimal("12.5"),
    )
    # 3 × 333.33 × 0.875 = 874.99125
    assert DealLine.objects.get(pk=line.pk).total == Decimal("874.99")


def test_it_rounds_half_up_to_cents(personas, deal):
    # 1 × 0.05 × 0.5 = 0.025: half-up gives 0.03 (banker's rounding would give 0.02)
    line = _add(
        deal,
        personas.alice,
        quantity=Decimal("1"),
        unit_price=Decimal("0.05"),
        discount=Decimal("50"),
    )
    assert line.total == Decimal("0.03")
    assert DealLine.objects.get(pk=line.pk).total == Decimal("0.03")


def test_it_rounds_below_half_down(personas, deal):
    # 3 × 19.99 × 0.6667 = 39.981999
    line = _add(
        deal,
        personas.alice,
        quantity=Decimal("3"),
        unit_price=Decimal("19.99"),
        discount=Decimal("33.33"),
    )
    assert DealLine.objects.get(pk=line.pk).total == Decimal("39.98")


def test_it_handles_fractional_quantities(personas, deal):
    line = _add(deal, personas.alice, quantity=Decimal("0.5"), unit_price=Decimal("0.05"))
    assert DealLine.objects.get(pk=line.pk).total == Decimal("0.03")


def test_it_sets_the_amount_to_the_sum_of_the_lines(personas, deal):
    _add(deal, personas.alice, quantity=Decimal("2"), unit_price=Decimal("12000.00"))
    _add(
        deal,
        personas.alice,
        quantity=Decimal("3"),
        unit_price=Decimal("333.33"),
        discount=Decimal("12.5"),
    )
    assert deal.amount == Decimal("24874.99")
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("24874.99")


def test_it_sums_cents_without_float_drift(personas, deal):
    for price in ("0.10", "0.20", "0.70"):
        _add(deal, personas.alice, quantity=Decimal("1"), unit_price=Decimal(price))
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("1.00")


def test_it_replaces_a_hand_typed_amount(personas):
    deal = DealFactory(owner=personas.alice, amount=Decimal("999999.00"))
    _add(deal, personas.alice, quantity=Decimal("1"), unit_price=Decimal("100.00"))
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("100.00")


def test_it_bumps_the_deal_version_on_each_line_change(personas, deal):
    line = _add(deal, personas.alice, quantity=Decimal("1"))
    assert Deal.objects.get(pk=deal.pk).version == 2
    deal_line_remove(line=line, actor=personas.alice)
    assert Deal.objects.get(pk=deal.pk).version == 3


def test_it_recomputes_the_amount_when_a_line_is_removed(personas, deal):
    kept = _add(deal, personas.alice, quantity=Decimal("2"), unit_price=Decimal("100.00"))
    gone = _add(deal, personas.alice, quantity=Decimal("1"), unit_price=Decimal("50.00"))
    deal = deal_line_remove(line=gone, actor=personas.alice)
    assert deal.amount == Decimal("200.00")
    assert list(deal.lines.all()) == [kept]
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("200.00")


def test_it_sets_the_amount_to_zero_when_the_last_line_goes(personas, deal):
    line = _add(deal, personas.alice, quantity=Decimal("1"))
    deal = deal_line_remove(line=line, actor=personas.alice)
    assert deal.amount == Decimal("0.00")
    assert not deal.lines.exists()


def test_it_defaults_the_unit_price_to_the_list_price(personas, deal):
    product = ProductFactory(list_price=Decimal("8800.00"))
    line = _add(deal, personas.alice, product=product, quantity=Decimal("2"))
    stored = DealLine.objects.get(pk=line.pk)
    assert stored.unit_price == Decimal("8800.00")
    assert stored.total == Decimal("17600.00")


def test_it_keeps_an_explicit_zero_unit_price(personas, deal):
    line = _add(
        deal,
        personas.alice,
        product=ProductFactory(list_price=Decimal("8800.00")),
        quantity=Decimal("1"),
        unit_price=Decimal("0"),
    )
    assert DealLine.objects.get(pk=line.pk).unit_price == Decimal("0.00")
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("0.00")


def test_it_gives_a_full_discount_a_zero_total(personas, deal):
    line = _add(deal, personas.alice, quantity=Decimal("5"), discount=Decimal("100"))
    assert DealLine.objects.get(pk=line.pk).total == Decimal("0.00")


@pytest.mark.parametrize(
    "field, value",
    [
        ("discount", Decimal("100.01")),
        ("discount", Decimal("-1")),
        ("quantity", Decimal("0")),
        ("unit_price", Decimal("-0.01")),
    ],
)
def test_it_refuses_an_invalid_line_and_writes_nothing(personas, deal, field, value):
    kwargs = {"quantity": Decimal("1"), field: value}
    with pytest.raises(ApplicationError) as exc:
        _add(deal, personas.alice, **kwargs)
    assert field in exc.value.extra["errors"]
    assert not DealLine.objects.exists()
    stored = Deal.objects.get(pk=deal.pk)
    assert stored.amount == Decimal("0.00")
    assert stored.version == 1
