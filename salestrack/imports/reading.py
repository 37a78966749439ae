"""Read an uploaded sheet row by row: .xlsx/.xls (python-calamine) or .csv (UTF-8 or GBK).

Rows come back as lists of raw cell values (str, int, float, date, datetime, None); cleaning
happens later (imports.cleaning). Row numbers are 1-based, as a spreadsheet shows them.

CSV is read as a stream. python-calamine reads a whole sheet into memory before its first row
(a 100,000-row ledger: ~100 MB) but is ~15× faster than openpyxl; so .xlsx files up to
STREAM_BYTES are read with calamine and larger ones streamed with openpyxl's read-only mode
(memory flat in the file's size; the shared-string table, if the file has one, is still held).
"""

import csv
import datetime
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from salestrack.core.exceptions import ApplicationError

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".txt")
SUFFIXES = EXCEL_SUFFIXES + CSV_SUFFIXES
# Tried in this order: Excel writes UTF-8 with a BOM or, in Chinese Windows, GBK (⊂ GB18030).
ENCODINGS = ("utf-8-sig", "gb18030")
STREAM_SUFFIXES = (".xlsx", ".xlsm")
STREAM_BYTES = 2 * 1024 * 1024  # larger .xlsx files are streamed (see the module's docstring)


def is_excel(path: Path | str) -> bool:
    return str(path).lower().endswith(EXCEL_SUFFIXES)


def csv_encoding(path: Path | str) -> str:
    for encoding in ENCODINGS:
        try:
            with open(path, encoding=encoding) as handle:
                while handle.read(1 << 20):
                    pass
            return encoding
        except UnicodeDecodeError:
            continue
    raise ApplicationError(_("The file is neither UTF-8 nor GBK text."))


def _dialect(path: Path | str, encoding: str) -> type[csv.Dialect] | csv.Dialect:
    with open(path, encoding=encoding, newline="") as handle:
        sample = handle.read(16 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        return csv.excel


def _workbook(path: Path | str) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise ApplicationError(_("The file cannot be read as a spreadsheet.")) from exc


def _streamed(path: Path | str) -> bool:
    return str(path).lower().endswith(STREAM_SUFFIXES) and os.path.getsize(path) > STREAM_BYTES


def _stream_workbook(path: Path | str):
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise ApplicationError(_("The file cannot be read as a spreadsheet.")) from exc


def _stream_sheet(workbook, sheet: str):
    names = workbook.sheetnames
    if sheet and sheet not in names:
        raise ApplicationError(_("The file has no sheet “%(name)s”.") % {"name": sheet})
    return workbook[sheet or names[0]] if names else None


def _stream_cell(cell):
    """As calamine gives it: '' as None, a date cell (midnight) as a date."""
    if cell == "":
        return None
    if isinstance(cell, datetime.datetime) and cell.time() == datetime.time(0):
        return cell.date()
    return cell


def _stream_rows(path: Path | str, sheet: str) -> Iterator[list]:
    workbook = _stream_workbook(path)
    try:
        worksheet = _stream_sheet(workbook, sheet)
        if worksheet is None:
            return
        for row in worksheet.iter_rows(values_only=True):
            yield [_stream_cell(cell) for cell in row]
    finally:
        workbook.close()


def sheet_names(path: Path | str) -> list[str]:
    if not is_excel(path):
        return []
    return list(_workbook(path).sheet_names)


def iter_rows(path: Path | str, *, sheet: str = "") -> Iterator[list]:
    """Every row of the sheet (first sheet by default) or of the CSV file, blank ones included."""
    if _streamed(path):
        yield from _stream_rows(path, sheet)
        return
    if is_excel(path):
        workbook = _workbook(path)
        names = workbook.sheet_names
        if not names:
            return
        if sheet and sheet not in names:
            raise ApplicationError(_("The file has no sheet “%(name)s”.") % {"name": sheet})
        data = workbook.get_sheet_by_name(sheet or names[0])
        # calamine's rows start at row 1 but at the first used column: pad them back.
        pad = [None] * (data.start[1] if data.start else 0)
        for row in data.iter_rows():
            yield pad + [None if cell == "" else cell for cell in row]
        return
    encoding = csv_encoding(path)
    with open(path, encoding=encoding, newline="") as handle:
        yield from csv.reader(handle, _dialect(path, encoding))


def count_rows(path: Path | str, *, sheet: str = "") -> int:
    """Rows in the sheet or file (a cheap upper bound of the data rows)."""
    if _streamed(path):
        workbook = _stream_workbook(path)
        try:
            worksheet = _stream_sheet(workbook, sheet if sheet in workbook.sheetnames else "")
            if worksheet is None:
                return 0
            return worksheet.max_row or sum(1 for _row in worksheet.iter_rows(values_only=True))
        finally:
            workbook.close()
    if is_excel(path):
        workbook = _workbook(path)
        names = workbook.sheet_names
        if not names:
            return 0
        data = workbook.get_sheet_by_name(sheet if sheet in names else names[0])
        return data.end[0] + 1 if data.end else 0
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def check_readable(path: Path | str) -> None:
    """ApplicationError unless the file opens as a spreadsheet or as UTF-8/GBK text and has a
    filled row (reads at most the first sheet's first rows; a CSV file's encoding is checked
    over the whole file)."""
    if not is_excel(path):
        csv_encoding(path)
    for row in iter_rows(path):
        if any(cell not in (None, "") for cell in row):
            return
    raise ApplicationError(_("The file is empty."))
