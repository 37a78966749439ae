"""The daily "touch every N days" rules: who gets a touch, idempotence, bulk queries."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salestrack.activities.models import FollowUp
from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.audit.models import AuditEntry
from salestrack.cadence.services import touch_rules_run
from salestrack.cadence.tasks import touch_rules_run_task
from salestrack.cadence.tests.factories import TouchRuleFactory
from salestrack.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def planned():
    return FollowUp.objects.filter(planned_by__isnull=False)


def test_it_plans_a_touch_for_each_a_customer_not_touched_today(personas, no_seeded_rules, frozen):
    rule = TouchRuleFactory()
    quiet = CustomerFactory(owner=personas.alice, tier="A")
    old_touch = CustomerFactory(
        owner=personas.charlie, tier="A", last_activity_at=frozen - timedelta(days=1, hours=1)
    )
    touched_today = CustomerFactory(
        owner=personas.alice, tier="A", last_activity_at=frozen - timedelta(hours=2)
    )
    has_task = CustomerFactory(owner=personas.alice, tier="A")
    FollowUpFactory(customer=has_task, next_due_on=frozen.date() - timedelta(days=2))  # overdue
    CustomerFactory(owner=personas.alice, tier="B")
    CustomerFactory(owner=personas.alice, tier="A", in_pool_since=frozen)
    CustomerFactory(owner=personas.alice, tier="A", deleted_at=frozen)

    assert touch_rules_run() == 2
    rows = planned().order_by("customer_id")
    assert [(f.customer, f.owner, f.team, f.next_due_on) for f in rows] == [
        (quiet, personas.alice, personas.team_a, date(2026, 3, 10)),
        (old_touch, personas.charlie, personas.team_b, date(2026, 3, 10)),
    ]
    assert touched_today not in [f.customer for f in rows]
    assert {f.planned_by.rule for f in rows} == {rule}
    entry = AuditEntry.objects.get(object_type="activities.followup", extra__rule_id=rule.pk)
    assert entry.actor is None
    assert sorted(entry.extra["followup_ids"]) == sorted(f.pk for f in rows)

    assert touch_rules_run() == 0  # the same day again: each already has its touch pending


def test_every_n_days_looks_at_the_whole_window(personas, no_seeded_rules, frozen):
    TouchRuleFactory(every_days=7, due_within=2)
    touched = CustomerFactory(
        owner=personas.alice, tier="A", last_activity_at=frozen - timedelta(days=6)
    )
    planned_soon = CustomerFactory(owner=personas.alice, tier="A")
    FollowUpFactory(customer=planned_soon, next_due_on=frozen.date() + timedelta(days=6))
    planned_late = CustomerFactory(owner=personas.alice, tier="A")
    FollowUpFactory(customer=planned_late, next_due_on=frozen.date() + timedelta(days=7))
    assert touch_rules_run() == 1
    task = planned().get()
    assert (task.customer, task.next_due_on) == (planned_late, date(2026, 3, 12))
    assert touched.pk != task.customer_id


def test_inactive_touch_rules_do_nothing(personas, frozen):
    CustomerFactory(owner=personas.alice, tier="A")
    assert touch_rules_run() == 0  # the seeded daily touch starts inactive


def test_the_daily_run_takes_the_same_queries_for_more_customers(personas, no_seeded_rules, frozen):
    TouchRuleFactory()

    def queries_for(count: int) -> int:
        FollowUp.objects.all().delete()
        for _ in range(count):
            CustomerFactory(owner=personas.alice, tier="A")
        with CaptureQueriesContext(connection) as ctx:
            touch_rules_run()
        return len(ctx.captured_queries)

    queries_for(1)  # warm-up: the first audit entry sets up the chain head
    few = queries_for(3)
    assert planned().count() == 3 + 1
    many = queries_for(40)
    assert planned().count() == 40 + 3 + 1
    assert many == few


def test_the_job_and_the_command_run_the_rules(personas, no_seeded_rules, frozen, capsys):
    TouchRuleFactory()
    CustomerFactory(owner=personas.alice, tier="A")
    assert touch_rules_run_task.call_local() == 1
    CustomerFactory(owner=personas.bob, tier="A")
    call_command("cadence_touch")
    assert "1" in capsys.readouterr().out
    assert planned().count() == 2
