from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from salestrack.access.policy import FieldLevel, permissions_for
from salestrack.activities.services import followup_create
from salestrack.deals.models import Deal
from salestrack.deals.stalls import REASON_STAGE
from salestrack.today.selectors import (
    REASON_A_TIER,
    REASON_DUE,
    REASON_STALLED,
    daily_list_rows,
    today_items,
)
from salestrack.today.services import daily_list_generate
from salestrack.today.tests.factories import (
    AMOUNT,
    NOW,
    TODAY,
    customer,
    deal,
    due_followup,
    travel,
)

pytestmark = pytest.mark.django_db


def _keys(items) -> list[tuple[str, int]]:
    return [("deal", i["deal"]) if i["deal"] else ("customer", i["customer"]) for i in items]


def _codes(item) -> list[str]:
    return [r["code"] for r in item["reasons"]]


def test_it_lists_due_and_overdue_follow_ups_of_their_owner_only(personas, stages):
    with travel():
        overdue = due_followup(personas.alice, due=TODAY - timedelta(days=2))
        today = due_followup(personas.alice, due=TODAY)
        due_followup(personas.alice, due=TODAY + timedelta(days=1))  # not due yet
        done = due_followup(personas.alice, due=TODAY - timedelta(days=1))
        type(done).objects.filter(pk=done.pk).update(done_at=NOW)
        bobs = due_followup(personas.bob, due=TODAY - timedelta(days=1))

        alice_items = today_items(user=personas.alice)
        bob_items = today_items(user=personas.bob)

    assert set(_keys(alice_items)) == {
        ("customer", overdue.customer_id),
        ("customer", today.customer_id),
    }
    assert _keys(bob_items) == [("customer", bobs.customer_id)]
    (item,) = [i for i in alice_items if i["customer"] == overdue.customer_id]
    assert item["reasons"] == [
        {"code": REASON_DUE, "followup": overdue.pk, "due": "2026-03-08", "days": 2}
    ]


def test_it_lists_stalled_deals_of_their_owner_only(personas, stages):
    with travel():
        stalled = deal(personas.alice, stage=stages["Lead"], days_in_stage=9)  # rot_days 7
        deal(personas.alice, stage=stages["Lead"], days_in_stage=2)
        charlies = deal(personas.charlie, stage=stages["Lead"], days_in_stage=9)

        assert _keys(today_items(user=personas.alice)) == [("deal", stalled.pk)]
        assert _keys(today_items(user=personas.charlie)) == [("deal", charlies.pk)]
        (item,) = today_items(user=personas.alice)
    assert item["reasons"] == [{"code": REASON_STALLED, "why": [REASON_STAGE]}]
    assert item["overdue_days"] == 2


def test_it_lists_a_customers_without_a_follow_up_today(personas):
    with travel():
        quiet = customer(personas.alice, "A")
        never = customer(personas.alice, "A", last_activity_at=None)
        customer(personas.alice, "A", last_activity_at=NOW - timedelta(hours=1))  # touched today
        customer(personas.alice, "B")
        customer(personas.alice, "A", in_pool_since=NOW - timedelta(days=1))
        charlies = customer(personas.charlie, "A")

        assert set(_keys(today_items(user=personas.alice))) == {
            ("customer", quiet.pk),
            ("customer", never.pk),
        }
        assert _keys(today_items(user=personas.charlie)) == [("customer", charlies.pk)]


def test_it_lists_a_deal_once_with_all_its_reasons(personas, stages):
    with travel():
        cust = customer(personas.alice, "A")
        stalled = deal(personas.alice, stage=stages["Lead"], days_in_stage=9, customer=cust)
        due_followup(personas.alice, due=TODAY - timedelta(days=1), deal=stalled)
        due_followup(personas.alice, due=TODAY, deal=stalled)

        items = today_items(user=personas.alice)

    assert _keys(items) == [("deal", stalled.pk)]  # the A customer adds its reason to the deal
    assert _codes(items[0]) == [REASON_DUE, REASON_STALLED, REASON_A_TIER]
    assert items[0]["reasons"][0]["days"] == 1  # the most overdue follow-up


def _ranked(personas, stages):
    """Four items whose scores are worked out by hand from the default weights."""
    # A 30 + ¥120,000 × 50 % = 60,000 → 6 + 3 days overdue 15 + signing in 5 days 25 = 76
    first = deal(
        personas.alice,
        stage=stages["Negotiation"],
        tier="A",
        amount=AMOUNT,
        expected_close_date=TODAY + timedelta(days=5),
    )
    due_followup(personas.alice, due=TODAY - timedelta(days=3), deal=first)
    # B 10 + ¥1,000,000 × 50 % → 50 points, capped at 30 + due today 0 = 40
    second = deal(personas.alice, stage=stages["Lead"], amount=Decimal("1000000"), probability=50)
    due_followup(personas.alice, due=TODAY, deal=second)
    # A customer without a deal: 30
    third = customer(personas.alice, "A")
    # C 0 + ¥100,000 × 10 % → 1 + stalled for 3 whole days (Lead: 7 days) 15 = 16
    fourth = deal(personas.alice, stage=stages["Lead"], tier="C", days_in_stage=10)
    return first, second, third, fourth


def test_it_scores_by_the_formula_and_orders_by_score(personas, stages):
    with travel():
        first, second, third, fourth = _ranked(personas, stages)
        items = today_items(user=personas.alice)

    assert [(k, i["score"], i["terms"]) for k, i in zip(_keys(items), items, strict=True)] == [
        (("deal", first.pk), 76, {"tier": 30, "amount": 6, "overdue": 15, "close": 25}),
        (("deal", second.pk), 40, {"tier": 10, "amount": 30, "overdue": 0, "close": 0}),
        (("customer", third.pk), 30, {"tier": 30, "amount": 0, "overdue": 0, "close": 0}),
        (("deal", fourth.pk), 16, {"tier": 0, "amount": 1, "overdue": 15, "close": 0}),
    ]


def test_it_follows_the_weights_in_the_settings(personas, stages, settings):
    settings.SALESTRACK_PRIORITY_WEIGHTS = {
        **settings.SALESTRACK_PRIORITY_WEIGHTS,
        "tier_a": 0,
        "overdue_per_day": 20,
        "overdue_max": 100,
    }
    with travel():
        first, second, third, fourth = _ranked(personas, stages)
        items = today_items(user=personas.alice)
    # first: 0 + 6 + 60 + 25 = 91; fourth: 0 + 1 + 60 = 61; second: 40; third: 0
    assert [(k, i["score"]) for k, i in zip(_keys(items), items, strict=True)] == [
        (("deal", first.pk), 91),
        (("deal", fourth.pk), 61),
        (("deal", second.pk), 40),
        (("customer", third.pk), 0),
    ]


def test_it_explains_each_score(personas, stages):
    with travel():
        first, *_rest = _ranked(personas, stages)
        daily = daily_list_generate(user=personas.alice)
        with translation.override("en"):
            rows = daily_list_rows(viewer=personas.alice, daily=daily)

    assert rows[0].deal == first
    assert rows[0].explanation == [
        "A tier +30",
        "¥120,000 × 50 % → +6",
        "3 days overdue +15",
        "signing in 5 days +25",
    ]
    assert rows[0].reasons == ["Follow-up overdue by 3 days", "A customer: no follow-up today yet"]
    assert rows[2].reasons == ["A customer: no follow-up today yet"]
    assert rows[3].explanation == ["C tier +0", "¥100,000 × 10 % → +1", "3 days overdue +15"]


def test_it_hides_the_amount_from_viewers_who_may_not_read_it(personas, stages):
    with travel():
        _ranked(personas, stages)
        daily = daily_list_generate(user=personas.alice)
        perms = permissions_for(personas.mia)
        perms.fields[("deal", "amount")] = FieldLevel.HIDDEN
        with translation.override("en"):
            rows = daily_list_rows(viewer=personas.mia, daily=daily)
    assert rows[0].explanation[1] == "weighted amount +6"
    assert "120,000" not in " ".join(rows[0].explanation)


def test_it_ticks_items_followed_up_today(personas, stages):
    with travel():
        first, second, *_rest = _ranked(personas, stages)
        daily = daily_list_generate(user=personas.alice)
        followup_create(actor=personas.alice, deal=Deal.objects.get(pk=second.pk), summary="已联系")
        rows = daily_list_rows(viewer=personas.alice, daily=daily)

    assert [r.handled for r in rows] == [False, True, False, False]
    assert [r.deal for r in rows[:2]] == [first, second]  # the morning order stays


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_its_query_count_does_not_grow_with_the_deals(personas, stages):
    def build(n):
        for i in range(n):
            made = deal(personas.alice, stage=stages["Lead"], days_in_stage=8 + i % 3)
            due_followup(personas.alice, due=TODAY - timedelta(days=i % 4), deal=made)
            customer(personas.alice, "A")

    def measure():
        generate = _queries(lambda: today_items(user=personas.alice))
        daily = daily_list_generate(user=personas.alice)
        rows = []
        show = _queries(lambda: rows.extend(daily_list_rows(viewer=personas.alice, daily=daily)))
        return generate, show, len(rows)

    permissions_for(personas.alice)  # loaded once per request, not per list
    with travel():
        build(2)
        small = measure()
        build(20)
        large = measure()
    assert small[:2] == large[:2]
    assert (small[2], large[2]) == (4, 44)  # 2 deals + 2 customers; 22 + 22
