"""The priority score of the daily follow-up list: why an item comes first.

    score = tier + amount + overdue + close            (integer points, weights W below)

- tier: W["tier_a"], W["tier_b"] or W["tier_c"] for the customer's tier (30 / 10 / 0);
- amount (open deals): one point per W["amount_unit"] CNY of amount × win probability, rounded
  down, at most W["amount_max"] (¥120,000 × 60 % = ¥72,000 → 7 points); the probability is the
  deal's own or its stage's default;
- overdue: W["overdue_per_day"] per whole day past due, at most W["overdue_max"] (3 days → 15);
  for a follow-up the days since its due date, for a stalled deal the days since it became
  stalled (deals.stalls), for an A customer to touch today none;
- close (open deals with an expected close date): W["close_max"] for a date today or past,
  falling linearly to 0 at W["close_window"] days ahead:
  floor(close_max × (close_window − days left) ÷ close_window) (30 / 30: in 5 days → 25).

W is settings.SALESTRACK_PRIORITY_WEIGHTS. Each term is a SQL expression annotated on the
queryset of each item kind, so lists are ordered and cut in the database. Day thresholds are
dates computed once per query (a CASE per day up to the cap) rather than date arithmetic per
row, which differs between SQLite and PostgreSQL. `points_*` below are the same formula in
Python for one value, used by tests and to document it.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Floor, Least

from salestrack.deals.models import Deal
from salestrack.deals.stalls import stalled_condition

TERMS = ("tier", "amount", "overdue", "close")


def weights() -> dict[str, int]:
    return settings.SALESTRACK_PRIORITY_WEIGHTS


def _int(value: int) -> Value:
    return Value(value, output_field=IntegerField())


# Python twins (one value) -----------------------------------------------------------------------


def points_tier(tier: str) -> int:
    return weights().get(f"tier_{tier.lower()}", 0)


def points_amount(amount: Decimal, probability: int) -> int:
    w = weights()
    if w["amount_unit"] <= 0:
        return 0
    return min(int(Decimal(amount) * probability / 100 // w["amount_unit"]), w["amount_max"])


def points_overdue(days: int) -> int:
    w = weights()
    return min(max(days, 0) * w["overdue_per_day"], w["overdue_max"])


def points_close(days_left: int) -> int:
    w = weights()
    window = w["close_window"]
    if window <= 0 or days_left >= window:
        return 0
    return w["close_max"] * (window - max(days_left, 0)) // window


# SQL terms ------------------------------------------------------------------------------------


def tier_term(customer: str = "customer__") -> Case:
    """`customer` is the path to the customer ("" on a Customer queryset)."""
    return Case(
        *[When(**{f"{customer}tier": t}, then=_int(points_tier(t))) for t in ("A", "B", "C")],
        default=_int(0),
        output_field=IntegerField(),
    )


def amount_term(deal: str = "") -> Case:
    """`deal` is the path to the deal ("" on a Deal queryset, "deal__" on follow-ups)."""
    w = weights()
    if w["amount_unit"] <= 0:
        return Case(default=_int(0), output_field=IntegerField())
    probability = Coalesce(F(f"{deal}probability"), F(f"{deal}stage__probability"))
    weighted = ExpressionWrapper(
        F(f"{deal}amount") * probability / Value(Decimal(100 * w["amount_unit"])),
        output_field=DecimalField(max_digits=24, decimal_places=6),
    )
    points = Cast(Floor(weighted), IntegerField())
    return Case(
        When(
            **{f"{deal}status": Deal.Status.OPEN},
            then=Least(points, _int(w["amount_max"]), output_field=IntegerField()),
        ),
        default=_int(0),
        output_field=IntegerField(),
    )


def _capped_days() -> range:
    """Days from the cap down to 1: the first WHEN that matches is the most days."""
    w = weights()
    per = w["overdue_per_day"]
    cap_days = -(-w["overdue_max"] // per) if per > 0 else 0
    return range(cap_days, 0, -1)


def overdue_due_term(*, today: date, field: str = "next_due_on") -> Case:
    """Points for a due date `field` that lies before `today`."""
    whens = [
        When(**{f"{field}__lte": today - timedelta(days=k)}, then=_int(points_overdue(k)))
        for k in _capped_days()
    ]
    return Case(*whens, default=_int(0), output_field=IntegerField())


def overdue_stalled_term(*, now: datetime) -> Case:
    """Points for the whole days a deal has been stalled: stalled k days ago already means
    the stalled condition holds at now − k days."""
    whens = [
        When(stalled_condition(now=now - timedelta(days=k)), then=_int(points_overdue(k)))
        for k in _capped_days()
    ]
    return Case(*whens, default=_int(0), output_field=IntegerField())


def close_term(*, today: date, deal: str = "") -> Case:
    w = weights()
    field = f"{deal}expected_close_date"
    open_deal = Q(**{f"{deal}status": Deal.Status.OPEN})
    whens = [
        When(open_deal & Q(**{f"{field}__lte": today + timedelta(days=d)}), then=_int(points))
        for d in range(max(w["close_window"], 0))
        if (points := points_close(d)) > 0
    ]
    return Case(*whens, default=_int(0), output_field=IntegerField())


def with_score(qs: QuerySet, **terms) -> QuerySet:
    """`qs` with the four terms as pts_tier, pts_amount, pts_overdue, pts_close (a missing one is
    0) and their sum as `score`."""
    qs = qs.annotate(**{f"pts_{name}": terms.get(name) or _int(0) for name in TERMS})
    total = sum((F(f"pts_{name}") for name in TERMS), start=_int(0))
    return qs.annotate(score=ExpressionWrapper(total, output_field=IntegerField()))
