"""The tier rules: a pure function from a customer's facts to a tier and the reasons for it.

No database access here: selectors.tier_facts_annotate computes the facts in SQL (one query for
any number of customers), services apply the result. The rules page (tiers:rules) shows this
table with the configured values, so the tier is never a black box.

    purchase intent   most advanced open deal at >= 50 %  -> 2 points
                      most advanced open deal at >= 20 %  -> 1 point
    budget            budget >= typical deal size          -> 1 point
                      (typical = average amount of won deals)
    decision timeline an open deal expected to close within
                      SALESTRACK_TIER_CLOSE_DAYS            -> 1 point

    3 points or more -> A, 1 or 2 -> B, 0 -> C
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

STRONG_INTENT_PROBABILITY = 50
SOME_INTENT_PROBABILITY = 20
A_POINTS = 3
B_POINTS = 1


@dataclass(frozen=True)
class TierFacts:
    top_probability: int | None  # the most advanced open deal's win probability, None: no deal
    budget: Decimal | None
    typical_amount: Decimal | None  # average amount of won deals, None: no won deal yet
    next_close_date: datetime.date | None  # nearest expected close date of an open deal
    today: datetime.date
    close_days: int


@dataclass(frozen=True)
class Reason:
    """One line of the explanation: a stable code (tests, audit) and its parameters."""

    code: str
    points: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return reason_text(self.code, self.params)

    def __str__(self) -> str:
        return self.text

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "points": self.points, "params": self.params}


@dataclass(frozen=True)
class TierResult:
    tier: str
    points: int
    reasons: list[Reason]


def reason_text(code: str, params: dict[str, Any]) -> str:
    """The reason in the active language (also for reasons stored as JSON on proposals)."""
    texts = {
        "strong_intent": _(
            "Strong purchase intent: the most advanced open deal is at %(probability)s%%."
        ),
        "some_intent": _(
            "Some purchase intent: the most advanced open deal is at %(probability)s%%."
        ),
        "low_intent": _(
            "Low purchase intent: the most advanced open deal is only at %(probability)s%%."
        ),
        "no_open_deal": _("Purchase intent: no open deal."),
        "budget_high": _(
            "Budget %(budget)s is at least the typical deal size %(typical)s (average won deal)."
        ),
        "budget_low": _(
            "Budget %(budget)s is below the typical deal size %(typical)s (average won deal)."
        ),
        "budget_unknown": _("Budget not recorded."),
        "no_typical": _("No won deals yet, so there is no typical deal size to compare with."),
        "closing_soon": _(
            "Decision timeline: an open deal is expected to close on %(date)s, "
            "within %(days)s days."
        ),
        "no_close_soon": _(
            "Decision timeline: no open deal is expected to close within %(days)s days."
        ),
        "no_response": _("No follow-up for %(days)s days (since %(since)s)."),
        "fast_advance": _("The deal “%(deal)s” advanced %(stages)s stages within %(days)s days."),
    }
    template = texts.get(code)
    if template is None:
        return code
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return code


def _money(value: Decimal) -> str:
    return f"¥{value:,.0f}"


def tier_for_points(points: int) -> str:
    if points >= A_POINTS:
        return "A"
    if points >= B_POINTS:
        return "B"
    return "C"


def tier_score(facts: TierFacts) -> TierResult:
    """The tier the rules give, with one reason per rule (points earned or why not)."""
    reasons: list[Reason] = []

    probability = facts.top_probability
    if probability is None:
        reasons.append(Reason("no_open_deal"))
    elif probability >= STRONG_INTENT_PROBABILITY:
        reasons.append(Reason("strong_intent", 2, {"probability": probability}))
    elif probability >= SOME_INTENT_PROBABILITY:
        reasons.append(Reason("some_intent", 1, {"probability": probability}))
    else:
        reasons.append(Reason("low_intent", 0, {"probability": probability}))

    if facts.budget is None:
        reasons.append(Reason("budget_unknown"))
    elif not facts.typical_amount:
        reasons.append(Reason("no_typical"))
    else:
        params = {"budget": _money(facts.budget), "typical": _money(facts.typical_amount)}
        if facts.budget >= facts.typical_amount:
            reasons.append(Reason("budget_high", 1, params))
        else:
            reasons.append(Reason("budget_low", 0, params))

    horizon = facts.today + datetime.timedelta(days=facts.close_days)
    if facts.next_close_date is not None and facts.today <= facts.next_close_date <= horizon:
        params = {"date": facts.next_close_date.isoformat(), "days": facts.close_days}
        reasons.append(Reason("closing_soon", 1, params))
    else:
        reasons.append(Reason("no_close_soon", 0, {"days": facts.close_days}))

    points = sum(r.points for r in reasons)
    return TierResult(tier=tier_for_points(points), points=points, reasons=reasons)
