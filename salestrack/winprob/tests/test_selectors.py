import pytest
from django.utils import translation

from salestrack.access.models import FieldLevel, FieldPolicy, Role
from salestrack.winprob.selectors import reasons_for

pytestmark = pytest.mark.django_db

REASONS = [
    {"feature": "followups_30d", "value": 4, "effect": 0.8},
    {"feature": "days_in_stage", "value": 45.4, "effect": -0.6},
    {"feature": "amount", "value": 250000.0, "effect": 0.1},
    {"feature": "stage", "value": "0", "effect": -0.05},
]


def test_reasons_read_plainly_with_their_sign(personas):
    with translation.override("en"):
        reasons = reasons_for(user=personas.alice, reasons=REASONS)
    assert [(r.sign, r.text) for r in reasons] == [
        ("+", "4 follow-ups in the last 30 days"),
        ("−", "45 days in this stage"),
        ("+", "amount ¥250,000"),
        ("−", "in stage —"),  # a stage deleted since
    ]


def test_a_hidden_field_leaves_its_value_out_of_the_reason(personas):
    role = Role.objects.get(key=personas.alice.role)
    FieldPolicy.objects.update_or_create(
        role=role, object_type="deal", field="amount", defaults={"level": FieldLevel.HIDDEN}
    )
    with translation.override("en"):
        texts = [r.text for r in reasons_for(user=personas.alice, reasons=REASONS)]
    assert "the amount" in texts and not any("250" in t for t in texts)


def test_no_card_for_a_role_that_may_not_read_the_probability(personas, stages):
    from salestrack.deals.tests.factories import DealFactory
    from salestrack.winprob.selectors import deal_win_card

    deal = DealFactory(customer__owner=personas.alice)
    assert deal_win_card(user=personas.alice, deal=deal).state == "no_model"
    role = Role.objects.get(key=personas.alice.role)
    FieldPolicy.objects.update_or_create(
        role=role, object_type="deal", field="probability", defaults={"level": FieldLevel.HIDDEN}
    )
    alice = type(personas.alice).objects.get(pk=personas.alice.pk)  # permissions are cached
    assert deal_win_card(user=alice, deal=deal).state == "hidden"
