from decimal import Decimal
from itertools import pairwise

import pytest

from salestrack.audit.models import GENESIS_HASH, AuditEntry
from salestrack.audit.selectors import audit_history_for, audit_verify
from salestrack.audit.services import (
    AuditItem,
    audit_diff,
    audit_record,
    audit_record_many,
    audit_snapshot,
)
from salestrack.customers.services import customer_create, customer_update
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.services import deal_create, deal_move_stage, deal_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(personas):
    return CustomerFactory(owner=personas.alice)


def test_it_chains_entries_on_create_update_and_move(personas, stages, customer):
    deal = deal_create(actor=personas.alice, customer=customer, title="ERP 一期")
    deal = deal_update(
        deal=deal, actor=personas.alice, expected_version=deal.version, data={"title": "ERP 二期"}
    )
    deal = deal_move_stage(
        deal=deal,
        to_stage=stages["Needs confirmed"],
        actor=personas.alice,
        expected_version=deal.version,
        facts={"confirmed_requirements": "库存模块"},
    )
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3]
    assert [e.action for e in entries] == ["create", "update", "update"]
    assert entries[0].prev_hash == GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    assert {e.object_type for e in entries} == {"deals.deal"}
    assert {e.object_id for e in entries} == {str(deal.pk)}
    assert entries[0].actor == personas.alice
    assert entries[0].actor_label == "alice"


def test_it_records_field_level_before_and_after_for_deal_update(personas, customer):
    deal = deal_create(
        actor=personas.alice, customer=customer, title="ERP 一期", amount=Decimal("1000.00")
    )
    deal_update(
        deal=deal,
        actor=personas.alice,
        expected_version=deal.version,
        data={"title": "ERP 二期", "amount": Decimal("2500.50"), "next_step": deal.next_step},
    )
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == AuditEntry.Action.UPDATE
    # Unchanged fields are left out; Decimal is kept as its exact string.
    assert entry.changes == {"title": ["ERP 一期", "ERP 二期"], "amount": ["1000.00", "2500.50"]}


def test_it_records_the_stage_move_with_from_to_and_facts(personas, stages, customer):
    deal = deal_create(actor=personas.alice, customer=customer, title="ERP 一期")
    deal_move_stage(
        deal=deal,
        to_stage=stages["Needs confirmed"],
        actor=personas.alice,
        expected_version=deal.version,
        facts={"confirmed_requirements": "库存模块"},
    )
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.changes["stage"] == [stages["Lead"].pk, stages["Needs confirmed"].pk]
    assert entry.changes["confirmed_requirements"][1] == "库存模块"
    assert entry.extra["event"] == "move_stage"
    assert entry.extra["from_stage"]["id"] == stages["Lead"].pk
    assert entry.extra["to_stage"]["id"] == stages["Needs confirmed"].pk
    assert entry.extra["facts"] == {"confirmed_requirements": "库存模块"}


def test_it_records_customer_create_and_update(personas):
    customer = customer_create(actor=personas.alice, name="华信科技", industry="制造业")
    customer_update(
        customer=customer,
        actor=personas.bob,
        expected_version=customer.version,
        data={"industry": "零售", "owner": personas.bob},
    )
    created, updated = audit_history_for(customer)[::-1]
    assert created.action == "create"
    assert created.changes["name"] == [None, "华信科技"]
    assert updated.actor == personas.bob
    assert updated.changes == {
        "industry": ["制造业", "零售"],
        "owner": [personas.alice.pk, personas.bob.pk],
    }


def test_it_keeps_the_actor_label_when_the_user_is_deleted(personas):
    entry = audit_record(actor=personas.charlie, action="export", object_type="deals.deal")
    personas.charlie.delete()
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor is None
    assert entry.actor_label == "charlie"
    assert audit_verify().ok


def test_it_makes_values_json_safe(personas, customer):
    snapshot = audit_snapshot(customer, ["owner", "created_at", "budget"])
    assert snapshot["owner"] == personas.alice.pk
    assert isinstance(snapshot["created_at"], str)
    assert audit_diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": [2, 3]}


def test_many_entries_chain_as_one_by_one_with_one_lock(personas, django_assert_num_queries):
    customers = CustomerFactory.create_batch(3, owner=personas.alice)
    audit_record(actor=personas.alice, action="create", obj=customers[0])
    items = [
        AuditItem(obj=c, changes={"owner": [1, 2]}, extra={"n": i}) for i, c in enumerate(customers)
    ]
    # the head locked and read, one INSERT, the head moved (and the atomic block's savepoint)
    with django_assert_num_queries(5):
        assert audit_record_many(actor=personas.alice, action="update", items=items) == 3
    audit_record(actor=personas.alice, action="delete", obj=customers[1])
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert [e.action for e in entries] == ["create", "update", "update", "update", "delete"]
    assert [e.object_id for e in entries[1:4]] == [str(c.pk) for c in customers]
    assert [e.extra for e in entries[1:4]] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert all(b.prev_hash == a.hash for a, b in pairwise(entries))
    assert audit_verify().ok
    assert audit_record_many(actor=personas.alice, action="update", items=[]) == 0
