"""The error report: the rows of the file that had errors, unchanged, plus an error column."""

from decimal import Decimal

from django.utils.translation import gettext as _

from salestrack.exports.writers import xlsx_bytes
from salestrack.imports.reading import iter_rows


def _value(cell):
    if isinstance(cell, float):
        return int(cell) if cell.is_integer() else Decimal(str(cell))
    if isinstance(cell, bool):
        return int(cell)
    return cell


def error_report_xlsx(*, path, sheet: str, header_row: int, errors: dict[int, str]) -> bytes:
    """Header row and error rows as read (blank cells stay blank), the reasons last; text
    cells are written as text (never run as formulas, see exports.writers)."""
    header: list = []
    width = 0

    def rows():
        nonlocal width
        for number, row in enumerate(iter_rows(path, sheet=sheet), start=1):
            if number in errors:
                cells = [_value(c) for c in row]
                while len(cells) > width and cells[-1] in (None, ""):
                    cells.pop()
                yield [number, *cells, *[None] * (width - len(cells)), errors[number]]

    for number, row in enumerate(iter_rows(path, sheet=sheet), start=1):
        if number == header_row:
            header = ["" if c is None else str(c) for c in row]
            break
    width = len(header)
    return xlsx_bytes(_("Errors"), [_("Row"), *header, _("Errors")], rows())
