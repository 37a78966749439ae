"""After-follow-up rules: matching by tier and kind, the due date, idempotence."""

from datetime import date, datetime, timedelta

import pytest
import time_machine

from salestrack.activities.models import FollowUp
from salestrack.activities.services import followup_create
from salestrack.audit.models import AuditEntry
from salestrack.cadence.models import FollowUpRule, PlannedFollowUp
from salestrack.cadence.services import rules_apply_after_followup
from salestrack.cadence.tests.conftest import SHANGHAI
from salestrack.cadence.tests.factories import FollowUpRuleFactory
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db


def planned():
    return FollowUp.objects.filter(planned_by__isnull=False)


def record(capture, *, actor, kind, customer=None, deal=None, occurred_at=None):
    """Record a follow-up as the view does, running the after-commit hooks."""
    with capture(execute=True):
        return followup_create(
            actor=actor,
            customer=customer,
            deal=deal,
            kind=kind,
            summary="客户看了演示",
            occurred_at=occurred_at,
        )


def test_it_seeds_the_two_examples(db):
    review = FollowUpRule.objects.get(trigger="after_followup")
    touch = FollowUpRule.objects.get(trigger="every_days")
    assert (sorted(review.after_kinds), review.tiers, review.due_within, review.due_unit) == (
        ["demo", "visit"],
        ["A"],
        24,
        "hours",
    )
    assert review.is_active and review.followup_kind == "call"
    assert (touch.every_days, touch.tiers, touch.is_active) == (1, ["A"], False)


def test_the_seeded_rule_plans_a_review_call_after_a_demo(
    personas, frozen, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(owner=personas.alice, tier="A")
    record(django_capture_on_commit_callbacks, actor=personas.alice, kind="demo", customer=customer)
    (task,) = planned()
    assert (task.kind, task.next_due_on, task.done_at) == ("call", date(2026, 3, 11), None)


def test_it_plans_for_the_customers_owner_on_the_same_deal(
    personas, no_seeded_rules, frozen, django_capture_on_commit_callbacks
):
    rule = FollowUpRuleFactory()
    deal = DealFactory(customer=CustomerFactory(owner=personas.alice, tier="A"))
    demo = record(django_capture_on_commit_callbacks, actor=personas.mia, kind="demo", deal=deal)
    (task,) = planned()
    assert (task.owner, task.team, task.customer, task.deal) == (
        personas.alice,
        personas.team_a,
        deal.customer,
        deal,
    )
    assert task.planned_by.rule == rule and task.next_step == "电话复盘"
    assert rule.name in task.summary
    deal.refresh_from_db()
    assert deal.next_due_on == date(2026, 3, 11)
    entry = AuditEntry.objects.get(object_type="activities.followup", object_id=str(task.pk))
    assert entry.actor is None and entry.action == "create"
    assert (entry.extra["planned_by"], entry.extra["rule_id"]) == ("rule", rule.pk)
    demo.refresh_from_db()
    assert demo.done_at is None  # planning does not close the follow-up that started it


@pytest.mark.parametrize(
    ("tier", "kind", "planned_count"),
    [("A", "demo", 1), ("A", "visit", 1), ("A", "call", 0), ("B", "demo", 0), ("C", "visit", 0)],
)
def test_it_matches_tier_and_kind(
    personas, no_seeded_rules, frozen, django_capture_on_commit_callbacks, tier, kind, planned_count
):
    FollowUpRuleFactory()
    customer = CustomerFactory(owner=personas.alice, tier=tier)
    record(django_capture_on_commit_callbacks, actor=personas.alice, kind=kind, customer=customer)
    assert planned().count() == planned_count


def test_a_rule_for_several_tiers(personas, no_seeded_rules, frozen):
    FollowUpRuleFactory(tiers=["B", "C"], after_kinds=["call"])
    b_call = FollowUp.objects.create(
        customer=CustomerFactory(owner=personas.alice, tier="B"),
        owner=personas.alice,
        kind="call",
        occurred_at=frozen,
        summary="x",
    )
    assert len(rules_apply_after_followup(followup_id=b_call.pk)) == 1


def test_inactive_rules_pooled_and_trashed_customers_get_nothing(
    personas, no_seeded_rules, frozen, django_capture_on_commit_callbacks
):
    FollowUpRuleFactory(is_active=False)
    customer = CustomerFactory(owner=personas.alice, tier="A")
    record(django_capture_on_commit_callbacks, actor=personas.alice, kind="demo", customer=customer)
    assert not planned().exists()
    FollowUpRule.objects.update(is_active=True)
    pooled = CustomerFactory(owner=personas.alice, tier="A", in_pool_since=frozen)
    trashed = CustomerFactory(owner=personas.alice, tier="A", deleted_at=frozen)
    for customer in (pooled, trashed):
        demo = FollowUp.objects.create(
            customer=customer, owner=personas.alice, kind="demo", occurred_at=frozen, summary="x"
        )
        assert rules_apply_after_followup(followup_id=demo.pk) == []


@pytest.mark.parametrize(
    ("occurred", "within", "unit", "due"),
    [
        (datetime(2026, 3, 10, 10, 0), 24, "hours", date(2026, 3, 11)),
        (datetime(2026, 3, 10, 23, 30), 24, "hours", date(2026, 3, 11)),
        (datetime(2026, 3, 10, 23, 30), 2, "hours", date(2026, 3, 11)),
        (datetime(2026, 3, 10, 0, 30), 2, "hours", date(2026, 3, 10)),
        (datetime(2026, 3, 10, 10, 0), 0, "days", date(2026, 3, 10)),
        (datetime(2026, 3, 10, 10, 0), 3, "days", date(2026, 3, 13)),
    ],
)
def test_the_due_date_counts_from_the_follow_up_in_local_time(
    personas, no_seeded_rules, occurred, within, unit, due
):
    occurred = occurred.replace(tzinfo=SHANGHAI)
    FollowUpRuleFactory(due_within=within, due_unit=unit)
    demo = FollowUp.objects.create(
        customer=CustomerFactory(owner=personas.alice, tier="A"),
        owner=personas.alice,
        kind="demo",
        occurred_at=occurred,
        summary="x",
    )
    with time_machine.travel(occurred + timedelta(minutes=1), tick=False):
        (task,) = rules_apply_after_followup(followup_id=demo.pk)
    assert task.next_due_on == due


def test_a_demo_recorded_late_is_never_due_in_the_past(personas, no_seeded_rules, frozen):
    FollowUpRuleFactory()
    demo = FollowUp.objects.create(
        customer=CustomerFactory(owner=personas.alice, tier="A"),
        owner=personas.alice,
        kind="demo",
        occurred_at=frozen - timedelta(days=3),
        summary="x",
    )
    (task,) = rules_apply_after_followup(followup_id=demo.pk)
    assert task.next_due_on == frozen.date()


def test_it_never_plans_the_same_follow_up_twice(
    personas, no_seeded_rules, frozen, django_capture_on_commit_callbacks
):
    FollowUpRuleFactory()
    customer = CustomerFactory(owner=personas.alice, tier="A")
    capture = django_capture_on_commit_callbacks
    demo = record(capture, actor=personas.alice, kind="demo", customer=customer)
    assert rules_apply_after_followup(followup_id=demo.pk) == []  # the hook delivered twice
    # A visit while the review call is pending, on another thread of the customer (a deal).
    deal = DealFactory(customer=customer)
    record(capture, actor=personas.alice, kind="visit", deal=deal)
    assert planned().count() == 1
    assert PlannedFollowUp.objects.count() == 1


def test_once_the_review_call_happened_the_next_demo_plans_again(
    personas, no_seeded_rules, frozen, django_capture_on_commit_callbacks
):
    FollowUpRuleFactory()
    customer = CustomerFactory(owner=personas.alice, tier="A")
    capture = django_capture_on_commit_callbacks
    record(capture, actor=personas.alice, kind="demo", customer=customer)
    later = frozen + timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        record(capture, actor=personas.alice, kind="call", customer=customer)
    assert planned().get().done_at is not None  # the call closed the planned one
    with time_machine.travel(later + timedelta(hours=1), tick=False):
        record(capture, actor=personas.alice, kind="demo", customer=customer)
    assert planned().filter(done_at__isnull=True).count() == 1
    assert planned().count() == 2
