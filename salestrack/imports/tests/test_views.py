"""The wizard over HTTP: upload → preview → adjust → commit → history → undo; who may."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.imports.models import ImportBatch, SavedMapping
from salestrack.imports.tests.conftest import write_csv, write_xlsx


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client, path, record_type="customers"):
    with open(path, "rb") as handle:
        data = SimpleUploadedFile(path.name, handle.read())
    return client.post(reverse("imports:upload"), {"record_type": record_type, "file": data})


def test_it_walks_through_the_wizard(personas, tmp_path):
    rows = [
        ["客户台账"],
        ["公司名称", "备注", "负责人"],
        ["华信科技", "老客户", "alice"],
        ["云杉网络", "", "bob"],  # a rep may not assign to Bob
    ]
    path = write_xlsx(tmp_path / "台账.xlsx", rows)
    client = client_for(personas.alice)
    response = upload(client, path)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == batch.get_absolute_url()
    page = client.get(batch.get_absolute_url())
    assert page.status_code == 200
    assert batch.result["errors"] == {"4": "负责人: not a user you may assign records to"}
    assert 'data-count="create">1<' in page.content.decode()

    # map 备注 to pain points, then save the mapping for next time
    post = {"header_row": 2, "exact": "skip", "fuzzy": "ask"}
    post |= {"col_0": "name", "col_1": "pain_points", "col_2": "owner"}
    assert client.post(batch.get_absolute_url(), post).status_code == 302
    batch.refresh_from_db()
    assert batch.options["columns"] == ["name", "pain_points", "owner"]
    client.post(reverse("imports:save_mapping", args=[batch.pk]), {"name": "台账"})
    assert SavedMapping.objects.get().columns == {
        "公司名称": "name",
        "备注": "pain_points",
        "负责人": "owner",
    }

    errors = client.get(reverse("imports:errors", args=[batch.pk]))
    sheet = load_workbook(io.BytesIO(errors.content)).active
    assert [c.value for c in sheet[1]] == ["Row", "公司名称", "备注", "负责人", "Errors"]
    assert [c.value for c in sheet[2]] == [
        4,
        "云杉网络",
        None,
        "bob",
        "负责人: not a user you may assign records to",
    ]

    assert client.post(reverse("imports:commit", args=[batch.pk])).status_code == 302
    customer = Customer.objects.get()
    assert (customer.name, customer.pain_points, customer.owner) == (
        "华信科技",
        "老客户",
        personas.alice,
    )
    history = client.get(reverse("imports:index")).content.decode()
    assert f'data-batch="{batch.pk}"' in history and "台账.xlsx" in history

    assert client.post(reverse("imports:undo", args=[batch.pk])).status_code == 302
    assert not Customer.objects.exists()


def test_it_asks_for_similar_rows_before_committing(personas, tmp_path):
    existing = CustomerFactory(name="南方重工机械制造", owner=personas.alice)
    path = write_csv(tmp_path / "a.csv", [["公司名称"], ["南方重工机械製造"]])
    client = client_for(personas.alice)
    upload(client, path)
    batch = ImportBatch.objects.get()
    assert batch.result["counts"]["ask"] == 1
    page = client.get(batch.get_absolute_url()).content.decode()
    assert 'name="decision_2"' in page
    client.post(reverse("imports:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "preview"  # refused: decide first
    post = {"header_row": 1, "exact": "skip", "fuzzy": "ask", "col_0": "name", "decision_2": "skip"}
    client.post(batch.get_absolute_url(), post)
    batch.refresh_from_db()
    assert batch.result["counts"] == {"create": 0, "update": 0, "skip": 1, "ask": 0, "error": 0}
    client.post(reverse("imports:commit", args=[batch.pk]))
    assert list(Customer.objects.all()) == [existing]


def test_a_rep_imports_only_for_themself_and_their_scope(personas, tmp_path):
    CustomerFactory(name="查理的客户", owner=personas.charlie)
    rows = [["公司名称", "负责人"], ["查理的客户", ""], ["新客户", "charlie"], ["另一个", "艾丽丝"]]
    client = client_for(personas.alice)
    upload(client, write_csv(tmp_path / "a.csv", rows))
    batch = ImportBatch.objects.get()
    outcome = {r["row"]: r["action"] for r in batch.result["rows"]}
    # Charlie's customer is out of Alice's scope: hers is a new one; Charlie is not assignable
    assert outcome == {2: "create", 3: "error", 4: "create"}


def test_a_manager_assigns_to_the_team(personas, tmp_path):
    rows = [["公司名称", "负责人"], ["新客户", "charlie"]]
    client = client_for(personas.mia)
    upload(client, write_csv(tmp_path / "a.csv", rows))
    client.post(reverse("imports:commit", args=[ImportBatch.objects.get().pk]))
    assert Customer.objects.get().owner == personas.charlie


def test_finance_may_not_import(personas, tmp_path):
    personas.charlie.role = "finance"
    personas.charlie.save()
    client = client_for(personas.charlie)
    assert client.get(reverse("imports:index")).status_code == 403
    assert upload(client, write_csv(tmp_path / "a.csv", [["公司名称"], ["x"]])).status_code == 403
    assert "imports/" not in client.get(reverse("deals:list")).content.decode()
    assert (
        'href="/imports/"' in client_for(personas.alice).get(reverse("deals:list")).content.decode()
    )


def test_others_cannot_see_or_commit_a_batch(personas, tmp_path):
    client = client_for(personas.alice)
    upload(client, write_csv(tmp_path / "a.csv", [["公司名称"], ["x"]]))
    batch = ImportBatch.objects.get()
    bob = client_for(personas.bob)
    assert bob.get(batch.get_absolute_url()).status_code == 404
    assert bob.post(reverse("imports:commit", args=[batch.pk])).status_code == 404
    assert bob.post(reverse("imports:undo", args=[batch.pk])).status_code == 404
    assert client_for(personas.admin).get(batch.get_absolute_url()).status_code == 200
    assert f'data-batch="{batch.pk}"' not in bob.get(reverse("imports:index")).content.decode()


def test_it_refuses_other_file_types(personas, tmp_path):
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF")
    response = upload(client_for(personas.alice), path)
    assert response.status_code == 400
    assert not ImportBatch.objects.exists()


def test_the_status_partial_polls_while_running(personas, tmp_path):
    client = client_for(personas.alice)
    upload(client, write_csv(tmp_path / "a.csv", [["公司名称"], ["x"]]))
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", total_rows=10)
    body = client.get(reverse("imports:status", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in body and "<progress" in body
    ImportBatch.objects.filter(pk=batch.pk).update(status="done")
    response = client.get(reverse("imports:status", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"


def test_it_lets_the_user_choose_a_missing_company_column(personas, tmp_path):
    client = client_for(personas.alice)
    upload(client, write_csv(tmp_path / "a.csv", [["Firma", "联系人"], ["华信", "张三"]]))
    batch = ImportBatch.objects.get()
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "data-problem" in page and 'name="col_0"' in page
    client.post(reverse("imports:commit", args=[batch.pk]))
    assert not Customer.objects.exists()
    post = {"header_row": 1, "exact": "skip", "fuzzy": "ask", "col_0": "name", "col_1": ""}
    client.post(batch.get_absolute_url(), post)
    client.post(reverse("imports:commit", args=[batch.pk]))
    assert Customer.objects.get().name == "华信"


def test_large_files_are_checked_and_committed_in_the_background(personas, tmp_path, settings):
    from django.test import TestCase

    settings.SALESTRACK_IMPORT_BACKGROUND_ROWS = 2
    client = client_for(personas.alice)
    path = write_csv(tmp_path / "a.csv", [["公司名称"], ["甲"], ["乙"], ["丙"]])
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        upload(client, path)
    batch = ImportBatch.objects.get()
    assert batch.is_checking
    page = client.get(batch.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in page and "data-options" not in page
    for callback in callbacks:
        callback()  # the Huey job (inline in tests)
    batch.refresh_from_db()
    assert not batch.is_checking and batch.result["counts"]["create"] == 3


def test_an_unreadable_upload_leaves_nothing_behind(personas, tmp_path, data_dir):
    """Junk, an empty file or a broken workbook: the reason on the upload page, no batch in
    the history, no stored file."""
    client = client_for(personas.alice)
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(128, 256)) * 10)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\xef\xbb\xbf\r\n,,\r\n")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    for path, reason in (
        (junk, "neither UTF-8 nor GBK"),
        (empty, "The file is empty"),
        (broken, "cannot be read as a spreadsheet"),
    ):
        response = upload(client, path)
        assert response.status_code == 400, path.name
        assert reason in response.content.decode(), path.name
    assert not ImportBatch.objects.exists()
    assert not any((data_dir / "imports").iterdir())
