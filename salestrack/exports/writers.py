"""File formats: streamed CSV (UTF-8 with BOM, for Excel) and XLSX (openpyxl, write-only).

Rows arrive as Python values (str, Decimal, int, date, aware datetime, None). Money stays a
Decimal with two places; dates are ISO 8601 in CSV and real date cells in XLSX; datetimes are
in the site's time zone.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font

BOM = "\ufeff"
CSV_CHUNK_BYTES = 64 * 1024
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _local(value: datetime.datetime) -> datetime.datetime:
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.replace(microsecond=0)


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return _local(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (Decimal, int)):
        return str(value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


class _Line:
    """A file-like object csv.writer writes one line into; the line is handed back."""

    def write(self, line: str) -> str:
        return line


def csv_stream(header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """The BOM, the header, then the rows, in chunks of about 64 KB."""
    writer = csv.writer(_Line())
    buffer = [BOM, writer.writerow(header)]
    size = 0
    for row in rows:
        line = writer.writerow([csv_value(v) for v in row])
        buffer.append(line)
        size += len(line)
        if size >= CSV_CHUNK_BYTES:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def _xlsx_cell(sheet, value: Any) -> Cell | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=_local(value).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "#,##0.00"
    elif isinstance(value, int):
        cell = WriteOnlyCell(sheet, value=value)
    else:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def xlsx_bytes(title: str, header: list[str], rows: Iterable[list[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header_cells = []
    for label in header:
        cell = _xlsx_cell(sheet, label)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
