"""Read an uploaded sheet row by row: .xlsx/.xls (python-calamine) or .csv (UTF-8 or GBK).

Rows come back as lists of raw cell values (str, int, float, date, datetime, None); cleaning
happens later (imports.cleaning). Row numbers are 1-based, as a spreadsheet shows them.
"""

import csv
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


def sheet_names(path: Path | str) -> list[str]:
    if not is_excel(path):
        return []
    return list(_workbook(path).sheet_names)


def iter_rows(path: Path | str, *, sheet: str = "") -> Iterator[list]:
    """Every row of the sheet (first sheet by default) or of the CSV file, blank ones included."""
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
    if is_excel(path):
        workbook = _workbook(path)
        names = workbook.sheet_names
        if not names:
            return 0
        data = workbook.get_sheet_by_name(sheet if sheet in names else names[0])
        return data.end[0] + 1 if data.end else 0
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
