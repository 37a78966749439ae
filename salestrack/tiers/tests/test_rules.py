"""The pure scoring function: each rule, the combined score and the reasons."""

import datetime
from decimal import Decimal

from salestrack.tiers.rules import TierFacts, tier_score

TODAY = datetime.date(2026, 3, 10)


def facts(**changes) -> TierFacts:
    values = {
        "top_probability": None,
        "budget": None,
        "typical_amount": Decimal("100000"),
        "next_close_date": None,
        "today": TODAY,
        "close_days": 30,
    }
    values.update(changes)
    return TierFacts(**values)


def codes(result) -> list[str]:
    return [r.code for r in result.reasons]


def test_it_gives_c_with_a_reason_per_rule_when_nothing_counts():
    result = tier_score(facts())
    assert (result.tier, result.points) == ("C", 0)
    assert codes(result) == ["no_open_deal", "budget_unknown", "no_close_soon"]
    assert all(r.text for r in result.reasons)


def test_it_scores_purchase_intent_from_the_most_advanced_open_deal():
    assert tier_score(facts(top_probability=50)).points == 2
    assert codes(tier_score(facts(top_probability=50)))[0] == "strong_intent"
    assert tier_score(facts(top_probability=30)).points == 1
    assert tier_score(facts(top_probability=20)).points == 1
    assert tier_score(facts(top_probability=10)).points == 0
    assert codes(tier_score(facts(top_probability=10)))[0] == "low_intent"


def test_it_scores_budget_against_the_typical_deal_size():
    at = tier_score(facts(budget=Decimal("100000")))
    below = tier_score(facts(budget=Decimal("99999.99")))
    assert (at.points, codes(at)[1]) == (1, "budget_high")
    assert (below.points, codes(below)[1]) == (0, "budget_low")
    assert "¥100,000" in at.reasons[1].text
    no_typical = tier_score(facts(budget=Decimal("5"), typical_amount=None))
    assert (no_typical.points, codes(no_typical)[1]) == (0, "no_typical")


def test_it_scores_a_decision_within_the_month():
    day30 = tier_score(facts(next_close_date=TODAY + datetime.timedelta(days=30)))
    day31 = tier_score(facts(next_close_date=TODAY + datetime.timedelta(days=31)))
    assert (day30.points, codes(day30)[2]) == (1, "closing_soon")
    assert (day31.points, codes(day31)[2]) == (0, "no_close_soon")


def test_it_combines_the_points_into_a_tier():
    soon = TODAY + datetime.timedelta(days=5)
    a = tier_score(facts(top_probability=50, next_close_date=soon))
    a2 = tier_score(facts(top_probability=20, budget=Decimal("200000"), next_close_date=soon))
    b = tier_score(facts(top_probability=80))
    b1 = tier_score(facts(budget=Decimal("200000")))
    assert (a.tier, a.points) == ("A", 3)
    assert (a2.tier, a2.points) == ("A", 3)
    assert (b.tier, b.points) == ("B", 2)
    assert (b1.tier, b1.points) == ("B", 1)
    full = tier_score(facts(top_probability=90, budget=Decimal("1e6"), next_close_date=soon))
    assert (full.tier, full.points) == ("A", 4)
    assert codes(full) == ["strong_intent", "budget_high", "closing_soon"]
