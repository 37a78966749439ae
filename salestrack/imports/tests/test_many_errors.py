"""A file full of errors: the batch keeps the first ERRORS_KEPT reasons, the error file all of
them — the page, the error report and the command still name every row."""

import io

from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.imports import engine, plans, services
from salestrack.imports.tests.conftest import write_csv
from salestrack.imports.tests.test_commit import batch_for

ROWS = [
    ["公司名称", "手机"],
    ["华信科技有限公司", "13812345678"],
    *[[f"客户{i}", f"12{i}"] for i in range(5)],  # rows 3..7: invalid phones
]


def test_the_batch_keeps_some_reasons_and_the_error_file_all(
    personas, tmp_path, monkeypatch, client
):
    monkeypatch.setattr(plans, "ERRORS_KEPT", 3)
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", ROWS))
    result = batch.result
    assert result["counts"]["error"] == 5 and result["errors_truncated"] is True
    assert sorted(result["errors"]) == ["3", "4", "5"]
    every = list(services.batch_errors(batch=batch))
    assert [row for row, _reason in every] == [3, 4, 5, 6, 7]
    assert every[4] == (7, "手机: not a phone number")

    client.force_login(personas.alice)
    page = client.get(batch.get_absolute_url()).content.decode()
    errors_table = page[
        page.index("data-errors") : page.index("</table>", page.index("data-errors"))
    ]
    assert errors_table.count("<tr data-row=") == 3 and "and 2 more in the downloadable" in page
    report = client.get(reverse("imports:errors", args=[batch.pk]))
    sheet = load_workbook(io.BytesIO(report.content)).active
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == [3, 4, 5, 6, 7]

    services.import_commit(batch=batch, actor=personas.alice)
    batch.refresh_from_db()
    assert batch.created_count == 1 and len(list(services.batch_errors(batch=batch))) == 5


def test_a_preview_with_fewer_errors_replaces_the_error_file(personas, tmp_path, monkeypatch):
    monkeypatch.setattr(plans, "ERRORS_KEPT", 1)
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", ROWS))
    assert len(list(services.batch_errors(batch=batch))) == 5
    # the phone column is not imported any more: no errors left
    services.import_preview(batch=batch, options={"columns": ["name", ""]})
    assert batch.result["errors_truncated"] is False
    assert list(services.batch_errors(batch=batch)) == []


def test_the_command_prints_every_error_and_leaves_no_files(
    personas, tmp_path, monkeypatch, capsys, data_dir
):
    monkeypatch.setattr(plans, "ERRORS_KEPT", 2)
    path = write_csv(tmp_path / "c.csv", ROWS)
    call_command("import_records", str(path), "--type", "customers")
    out = capsys.readouterr().out
    assert [f"row {n}: error" in out for n in range(3, 8)] == [True] * 5
    assert path.exists()  # the administrator's own file stays
    assert not any(data_dir.rglob("batch-*"))  # the dry run's plan and error files do not


def test_unknown_stage_names_offered_for_mapping_are_bounded(
    personas, tmp_path, monkeypatch, stages
):
    monkeypatch.setattr(engine, "UNKNOWN_STAGES_KEPT", 2)
    rows = [
        ["客户名称", "商机名称", "阶段"],
        *[["新客户", f"D{i}", f"奇怪阶段{i}"] for i in range(4)],
    ]
    batch = batch_for(personas.alice, write_csv(tmp_path / "d.csv", rows), "deals")
    assert set(batch.result["unknown_stages"]) == {"奇怪阶段0", "奇怪阶段1"}
    assert batch.result["counts"]["error"] == 4


def test_only_the_first_matches_are_listed_the_rest_follow_the_defaults(
    personas, tmp_path, monkeypatch, client
):
    monkeypatch.setattr(plans, "MATCHES_KEPT", 2)
    names = ["华信科技有限公司", "云杉网络有限公司", "东海水产有限公司", "北辰物流有限公司"]
    for name in names:
        CustomerFactory(name=name, owner=personas.alice)
    rows = [["公司名称"], *[[name] for name in names]]  # each one an existing customer
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", rows))
    assert [m["row"] for m in batch.result["matches"]] == [2, 3]
    assert batch.result["matches_more"] == 2 and batch.result["counts"]["skip"] == 4
    client.force_login(personas.alice)
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "and 2 more similar rows: they follow the choices above" in page
