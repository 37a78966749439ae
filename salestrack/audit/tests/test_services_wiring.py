from decimal import Decimal

import pytest

from salestrack.activities.services import followup_create, followup_mark_done
from salestrack.audit.models import AuditEntry
from salestrack.audit.selectors import audit_verify
from salestrack.customers.services import contact_create, contact_delete, contact_update
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.services import deal_line_add, deal_line_remove
from salestrack.deals.tests.factories import DealFactory, ProductFactory
from salestrack.pipeline.services import pipeline_create, stage_delete, stage_save

pytestmark = pytest.mark.django_db


def _last() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


def test_it_records_contact_create_update_and_delete(personas):
    customer = CustomerFactory(owner=personas.alice)
    contact = contact_create(customer=customer, actor=personas.alice, name="王经理", phone="1")
    assert (_last().action, _last().object_type) == ("create", "customers.contact")
    contact_update(contact=contact, actor=personas.alice, data={"phone": "2"})
    assert _last().changes == {"phone": ["1", "2"]}
    contact_id = contact.pk
    contact_delete(contact=contact, actor=personas.bob)
    entry = _last()
    assert (entry.action, entry.object_id, entry.actor) == ("delete", str(contact_id), personas.bob)
    assert entry.changes["name"] == ["王经理", None]
    assert entry.extra == {"customer_id": customer.pk}


def test_it_records_followup_create_and_done(personas):
    deal = DealFactory(customer=CustomerFactory(owner=personas.alice))
    followup = followup_create(actor=personas.alice, summary="电话沟通", deal=deal)
    assert (_last().action, _last().object_type) == ("create", "activities.followup")
    followup_mark_done(followup=followup, actor=personas.alice)
    assert _last().action == "update"
    assert _last().changes["done_at"][0] is None


def test_it_records_deal_lines_on_the_deal(personas):
    deal = DealFactory(customer=CustomerFactory(owner=personas.alice), amount=Decimal("0.00"))
    line = deal_line_add(
        deal=deal, actor=personas.alice, product=ProductFactory(), quantity=Decimal("2")
    )
    entry = _last()
    assert (entry.object_type, entry.object_id) == ("deals.deal", str(deal.pk))
    assert entry.changes == {"amount": ["0.00", "24000.00"]}
    assert entry.extra["event"] == "line_add"
    line_id = line.pk
    deal_line_remove(line=line, actor=personas.alice)
    assert _last().changes == {"amount": ["24000.00", "0.00"]}
    assert _last().extra["line"]["id"] == line_id


def test_it_records_pipeline_and_stage_changes(personas):
    pipeline = pipeline_create(name="项目制", name_en="Projects", actor=personas.admin)
    assert (_last().action, _last().object_type) == ("create", "pipeline.pipeline")
    stage = stage_save(
        pipeline=pipeline,
        data={"name": "方案", "name_en": "Proposal"},
        requirements=[],
        actor=personas.admin,
    )
    assert (_last().action, _last().object_type) == ("create", "pipeline.stage")
    stage_id = stage.pk
    stage_delete(stage=stage, actor=personas.admin)
    assert (_last().action, _last().object_id) == ("delete", str(stage_id))
    assert _last().actor == personas.admin
    assert audit_verify().ok
