"""Commit (one transaction), undo, and the audit entry per batch."""

from decimal import Decimal

import pytest

from salestrack.audit.models import AuditEntry
from salestrack.customers.models import Contact, Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal, StageChange
from salestrack.imports import engine, services
from salestrack.imports.models import ImportBatch
from salestrack.imports.tests.conftest import write_csv

CUSTOMERS = [
    ["公司名称", "联系人", "手机", "邮箱", "行业", "预算(万元)", "规模"],
    ["华信科技有限公司", "张三", "13812345678", "z@huaxin.cn", "软件", "12.5", "2822"],
    ["云杉网络", "李四", "13912345678", "", "互联网", "3万", ""],
    ["云杉网络（北京）", "王五", "13712345678", "", "", "", ""],  # the same company: skipped
    ["坏数据", "", "123", "", "", "", ""],
]


def batch_for(user, path, record_type="customers", **options):
    batch = services.batch_create_from_path(
        actor=user, record_type=record_type, path=path, name=path.name
    )
    services.import_preview(batch=batch, options=options or None)
    return batch


def test_it_commits_customers_with_contacts_and_search_keys(personas, tmp_path):
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", CUSTOMERS))
    assert services.import_commit(batch=batch, actor=personas.alice) == "done"
    batch.refresh_from_db()
    assert (batch.created_count, batch.skipped_count, batch.error_count) == (2, 1, 1)
    huaxin = Customer.objects.get(name="华信科技有限公司")
    assert huaxin.owner == personas.alice and huaxin.team == personas.team_a
    assert huaxin.budget == Decimal("125000.00")
    assert huaxin.size == "enterprise"
    assert (
        huaxin.search_key == "hxkjyxgs huaxinkejiyouxiangongsi 华信科技有限公司 | "
        "zs zhangsan 张三 +8613812345678 z@huaxin.cn"
    )
    contact = Contact.objects.get(customer=huaxin)
    assert (contact.name, contact.phone, contact.email) == ("张三", "+8613812345678", "z@huaxin.cn")
    assert Customer.objects.get(name="云杉网络").budget == Decimal("30000.00")
    assert Contact.objects.count() == 2
    entry = AuditEntry.objects.get(object_type="imports.importbatch")
    assert entry.extra["created"] == 2 and entry.extra["import_batch"] == batch.pk
    assert entry.extra["records"] == {"customer": 2, "contact": 2, "deal": 0}
    # committing twice is refused
    with pytest.raises(Exception, match="already"):
        services.import_commit(batch=batch, actor=personas.alice)


def test_it_commits_deals_with_new_and_existing_customers(personas, tmp_path, stages):
    existing = CustomerFactory(name="华信科技股份有限公司", owner=personas.alice)
    rows = [
        ["客户名称", "商机名称", "金额(万元)", "预计成交日期", "阶段"],
        ["华信科技", "ERP", "10", "2024-06-30", "商务谈判"],
        ["新客户有限公司", "CRM", "2", "", "Won"],
        ["新客户", "OA", "", "", ""],
    ]
    batch = batch_for(personas.alice, write_csv(tmp_path / "d.csv", rows), "deals")
    services.import_commit(batch=batch, actor=personas.alice)
    erp = Deal.objects.get(title="ERP")
    assert erp.customer == existing
    assert (erp.amount, erp.stage, erp.status) == (
        Decimal("100000.00"),
        stages["Negotiation"],
        "open",
    )
    assert erp.stalls_at is not None
    crm = Deal.objects.get(title="CRM")
    assert crm.status == "won" and crm.closed_at is not None and crm.stalls_at is None
    oa = Deal.objects.get(title="OA")
    assert oa.customer == crm.customer and oa.stage == stages["Lead"]
    assert Customer.objects.filter(name__startswith="新客户").count() == 1
    assert StageChange.objects.filter(deal__in=[erp, crm, oa]).count() == 3


def test_it_writes_nothing_when_the_commit_fails_midway(personas, tmp_path, monkeypatch):
    rows = [CUSTOMERS[0]] + [[f"公司{i}", f"人{i}", "", "", "", "", ""] for i in range(50)]
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", rows))
    monkeypatch.setattr(engine, "CHUNK", 10)
    written = []
    original = engine.Importer.write

    def write_then_fail(self, plans):
        original(self, plans)
        written.append(len(plans))
        if len(written) == 3:
            raise RuntimeError("disk full")

    monkeypatch.setattr(engine.Importer, "write", write_then_fail)
    with pytest.raises(RuntimeError):
        services.import_commit(batch=batch, actor=personas.alice)
    assert written == [10, 10, 10]  # three chunks were written ... and rolled back
    assert Customer.all_objects.count() == 0 and Contact.all_objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "disk full" in batch.error
    assert not AuditEntry.objects.filter(object_type="imports.importbatch").exists()
    assert not services.plan_cache_path(batch).exists()  # a failed batch is not committed again


def test_it_updates_and_undoes(personas, tmp_path):
    existing = CustomerFactory(name="华信科技有限公司", owner=personas.alice, industry="制造业")
    rows = [
        ["公司名称", "行业", "联系人", "手机"],
        ["华信科技", "软件", "张三", "13812345678"],
        ["云杉网络", "互联网", "", ""],
    ]
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", rows), exact="update")
    services.import_commit(batch=batch, actor=personas.alice)
    existing.refresh_from_db()
    assert existing.industry == "软件" and existing.version == 2
    assert "13812345678" in existing.search_key
    batch.refresh_from_db()
    assert batch.undo["updated"]["customer"] == {str(existing.pk): {"industry": "制造业"}}

    services.import_undo(batch=batch, actor=personas.alice)
    existing.refresh_from_db()
    assert existing.industry == "制造业" and existing.deleted_at is None
    assert "13812345678" not in existing.search_key
    assert Customer.objects.filter(name="云杉网络").count() == 0  # in the trash
    assert Customer.all_objects.get(name="云杉网络").deleted_by == personas.alice
    assert Contact.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE
    assert AuditEntry.objects.filter(
        object_type="imports.importbatch", action=AuditEntry.Action.REVERT
    ).exists()


def test_it_refuses_to_undo_what_changed_since(personas, tmp_path):
    from django.utils import timezone

    rows = [["公司名称"], ["云杉网络"]]
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", rows))
    services.import_commit(batch=batch, actor=personas.alice)
    Customer.objects.filter(name="云杉网络").update(
        industry="改过", updated_at=timezone.now() + timezone.timedelta(seconds=1)
    )
    with pytest.raises(Exception, match="cannot be undone"):
        services.import_undo(batch=batch, actor=personas.alice)
    assert Customer.objects.filter(name="云杉网络").exists()


def test_it_commits_large_files_in_the_background(personas, tmp_path, settings):
    settings.SALESTRACK_IMPORT_BACKGROUND_ROWS = 2
    rows = [["公司名称"], ["甲"], ["乙"], ["丙"]]
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", rows))
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        status = services.import_commit(batch=batch, actor=personas.alice)
    assert status == "queued"
    batch.refresh_from_db()
    assert batch.status == "done" and batch.created_count == 3  # Huey runs inline in tests
