import datetime

import pytest

from salestrack.core.exceptions import ApplicationError
from salestrack.imports.reading import count_rows, csv_encoding, iter_rows, sheet_names
from salestrack.imports.tests.conftest import write_csv, write_xlsx

ROWS = [["公司名称", "联系人"], ["华信科技", "张三"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_it_reads_csv_in_the_encodings_excel_writes(tmp_path, encoding):
    path = write_csv(tmp_path / "a.csv", ROWS, encoding=encoding)
    assert list(iter_rows(path)) == ROWS
    assert csv_encoding(path) in ("utf-8-sig", "gb18030")


def test_it_reads_semicolon_and_tab_separated_files(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("公司名称;联系人\n华信科技;张三\n", encoding="utf-8")
    assert list(iter_rows(path)) == ROWS


def test_it_refuses_binary_junk(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(bytes(range(128, 256)) * 10)
    with pytest.raises(ApplicationError):
        list(iter_rows(path))


def test_it_reads_the_chosen_sheet_with_cells_in_place(tmp_path):
    path = tmp_path / "a.xlsx"
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["填写说明"])
    sheet = workbook.create_sheet("客户")
    sheet["B3"] = "公司名称"
    sheet["B4"] = "华信"
    sheet["C4"] = datetime.date(2024, 3, 5)
    workbook.save(path)
    assert sheet_names(path) == ["说明", "客户"]
    rows = list(iter_rows(path, sheet="客户"))
    assert rows[2] == [None, "公司名称", None]
    assert rows[3][:2] == [None, "华信"]
    assert rows[3][2] in (datetime.date(2024, 3, 5), datetime.datetime(2024, 3, 5))
    with pytest.raises(ApplicationError):
        list(iter_rows(path, sheet="nope"))


def test_it_counts_rows(tmp_path):
    assert count_rows(write_csv(tmp_path / "a.csv", ROWS)) == 2
    assert count_rows(write_xlsx(tmp_path / "a.xlsx", ROWS)) == 2


def test_it_streams_large_xlsx_files_with_the_same_rows(tmp_path, monkeypatch):
    """Above STREAM_BYTES .xlsx is read with openpyxl's read-only mode (memory flat in the
    file's size); it gives the rows calamine gives: numbering, blank rows, sheets, dates."""
    from openpyxl import Workbook

    from salestrack.imports import reading

    path = tmp_path / "big.xlsx"
    workbook = Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["填写说明"])
    sheet = workbook.create_sheet("客户")
    sheet.append(["公司名称", "金额", "日期"])
    sheet.append(["华信", 1200, datetime.datetime(2024, 3, 5)])
    sheet.append([])
    sheet.append(["云杉", 3.5, None])
    workbook.save(path)
    whole = list(reading.iter_rows(path, sheet="客户"))
    monkeypatch.setattr(reading, "STREAM_BYTES", 0)
    assert reading._streamed(path)
    streamed = list(reading.iter_rows(path, sheet="客户"))
    assert [r for r in streamed if any(c is not None for c in r)] == [
        r for r in whole if any(c is not None for c in r)
    ]
    assert streamed[3][0] == "云杉" and whole[3][0] == "云杉"  # row numbers kept
    assert reading.count_rows(path, sheet="客户") == 4
    assert list(reading.iter_rows(path)) == [["填写说明"]]
    with pytest.raises(ApplicationError):
        list(reading.iter_rows(path, sheet="nope"))
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip" * 100)
    with pytest.raises(ApplicationError):
        list(reading.iter_rows(junk))
