"""Chunks that forget: earlier rows known by digests across chunks, the preview's plan cache
read by the commit (planned again against the database as it is then), ids kept as runs."""

import pytest

from salestrack.customers.models import Contact, Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.imports import engine, services, state
from salestrack.imports.models import ImportBatch
from salestrack.imports.tests.conftest import write_csv
from salestrack.imports.tests.test_commit import batch_for

DEALS = [
    ["客户名称", "联系人", "手机", "商机名称", "金额(元)"],
    ["新客户有限公司", "张三", "13812345678", "CRM", "100"],
    ["云杉网络", "李四", "13912345678", "OA", "200"],
    ["新客户", "张三", "13812345678", "ERP", "300"],  # same customer and contact, 2nd chunk
    ["新客户有限公司", "王五", "", "CRM", ""],  # the same deal again: skipped
    ["云杉网络", "赵六", "13712345678", "BI", "400"],  # a second contact of a file customer
]


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 2)


def test_earlier_chunks_are_remembered_in_preview_and_commit(
    personas, tmp_path, stages, small_chunks
):
    batch = batch_for(personas.alice, write_csv(tmp_path / "d.csv", DEALS), "deals")
    rows = {r["row"]: r for r in batch.result["rows"]}
    assert [rows[n]["action"] for n in range(2, 7)] == ["create"] * 3 + ["skip", "create"]
    assert rows[5]["note"] == "duplicate of row 2"
    services.import_commit(batch=batch, actor=personas.alice)
    new = Customer.objects.get(name="新客户有限公司")
    assert sorted(Deal.objects.filter(customer=new).values_list("title", flat=True)) == [
        "CRM",
        "ERP",
    ]
    assert list(Contact.objects.filter(customer=new).values_list("name", flat=True)) == ["张三"]
    yunshan = Customer.objects.get(name="云杉网络")
    assert sorted(c.name for c in yunshan.contacts.all()) == ["李四", "赵六"]
    assert "zl zhaoliu 赵六" in yunshan.search_key  # the later contact is searchable
    assert Customer.objects.count() == 2 and Deal.objects.count() == 4
    batch.refresh_from_db()
    # Created ids as runs [first, last]; the undo trashes exactly them.
    assert batch.undo["created"]["deal"] == [
        [min(d.pk for d in Deal.objects.all()), max(d.pk for d in Deal.objects.all())]
    ]
    services.import_undo(batch=batch, actor=personas.alice)
    assert not Deal.objects.exists() and not Customer.objects.exists()


def test_the_commit_plans_from_the_previews_cleaned_rows(personas, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "c.csv", [["公司名称", "手机"], ["华信科技", "13812345678"]])
    batch = batch_for(personas.alice, path)
    cache = services.plan_cache_path(batch)
    assert cache.exists()

    def no_cleaning(self, plan):
        raise AssertionError("the commit cleaned a row again")

    monkeypatch.setattr(engine.Importer, "clean", no_cleaning)
    assert services.import_commit(batch=batch, actor=personas.alice) == "done"
    assert Contact.objects.get().phone == "+8613812345678"
    assert not cache.exists()  # gone with the commit


def test_a_stale_cache_is_not_used(personas, tmp_path, monkeypatch):
    """The file or the options changed after the preview: the commit reads the file."""
    path = write_csv(tmp_path / "c.csv", [["公司名称", "行业"], ["华信科技", "软件"]])
    batch = batch_for(personas.alice, path)
    ImportBatch.objects.filter(pk=batch.pk).update(
        options={**batch.options, "columns": ["name", ""]}
    )
    batch.refresh_from_db()
    cleaned = []
    original = engine.Importer.clean

    def counting(self, plan):
        cleaned.append(plan.number)
        original(self, plan)

    monkeypatch.setattr(engine.Importer, "clean", counting)
    services.import_commit(batch=batch, actor=personas.alice)
    assert cleaned == [2]
    assert Customer.objects.get().industry == ""


def test_the_commit_sees_what_changed_since_the_preview(personas, tmp_path, stages):
    """Planned again at commit: a customer created by someone else since the preview is
    skipped as existing, an owner who may no longer be assigned makes the row an error."""
    rows = [["公司名称", "负责人"], ["华信科技", ""], ["云杉网络", personas.bob.username]]
    batch = batch_for(personas.mia, write_csv(tmp_path / "c.csv", rows))
    assert batch.result["counts"]["create"] == 2
    CustomerFactory(name="华信科技有限公司", owner=personas.alice)
    personas.bob.is_active = False
    personas.bob.save(update_fields=["is_active"])
    services.import_commit(batch=batch, actor=personas.mia)
    batch.refresh_from_db()
    assert batch.result["counts"] == {"create": 0, "update": 0, "skip": 1, "ask": 0, "error": 1}
    assert "not a user you may assign records to" in batch.result["errors"]["3"]
    assert Customer.objects.count() == 1


def test_an_older_undo_record_of_plain_ids_still_undoes(personas, tmp_path):
    path = write_csv(tmp_path / "c.csv", [["公司名称", "联系人"], ["华信科技", "张三"]])
    batch = batch_for(personas.alice, path)
    services.import_commit(batch=batch, actor=personas.alice)
    batch.refresh_from_db()
    plain = {kind: list(state.iter_ids(ids)) for kind, ids in batch.undo["created"].items()}
    ImportBatch.objects.filter(pk=batch.pk).update(undo={**batch.undo, "created": plain})
    batch.refresh_from_db()
    services.import_undo(batch=batch, actor=personas.alice)
    assert not Customer.objects.exists() and not Contact.objects.exists()


def test_the_file_index_remembers_the_first_row_across_chunks():
    index = state.FileIndex()
    try:
        key = state.digest("c", "华信科技")
        assert index.get(key) is None
        index.add(key, 2, 41, new=True)
        index.add(key, 9)  # a later row does not replace the first
        assert index.get(key) == [2, 41, 1]
        index.flush()
        assert index.get(key) == [2, 41, 1]  # from the file now
        index.add(key, 12)
        assert index.fresh == {}
        others = [state.digest("c", f"公司{i}") for i in range(2000)]
        assert all(index.get(k) is None for k in others)
    finally:
        index.close()


def test_ids_are_kept_as_runs():
    runs = state.IdRuns()
    runs.extend([5, 6, 7, 9, 10, 20])
    assert runs.runs == [[5, 7], [9, 10], [20, 20]] and runs.count == 6
    assert 6 in runs and 9 in runs and 8 not in runs and 4 not in runs and 21 not in runs
    assert list(state.iter_ids(runs.runs)) == [5, 6, 7, 9, 10, 20]
    assert list(state.iter_ids([3, 4])) == [3, 4]  # the older form: plain ids
    assert list(state.id_chunks(runs.runs, 4)) == [[5, 6, 7, 9], [10, 20]]
    assert state.id_count(runs.runs) == 6 and state.id_count([1, 2]) == 2
