"""The published files, read as they are (csv module, UTF-8 with or without BOM), and the
checks that they are the files the loader knows: each must have the columns it reads."""

import csv
import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _

from salestrack.core.exceptions import ApplicationError

MAVEN_DIR = "maven_crm_sales_opportunities"
XEDUCATION_DIR = "x_education_leads"

MAVEN_COLUMNS = {
    "accounts.csv": ("account", "sector", "revenue", "employees", "office_location"),
    "products.csv": ("product", "series", "sales_price"),
    "sales_teams.csv": ("sales_agent", "manager", "regional_office"),
    "sales_pipeline.csv": (
        "opportunity_id",
        "sales_agent",
        "product",
        "account",
        "deal_stage",
        "engage_date",
        "close_date",
        "close_value",
    ),
}
LEADS_FILE = "Leads.csv"
LEADS_COLUMNS = ("Prospect ID", "Lead Number", "Lead Source", "Converted", "City")


def read_table(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of a CSV file as {header: stripped text}; refused when a column is missing.
    A trailing header-less column (Leads.csv ends every line with a comma) is dropped."""
    if not path.is_file():
        raise ApplicationError(_("Missing file: %(path)s") % {"path": path})
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        headers = [h.strip() for h in next(reader, [])]
        missing = [name for name in required if name not in headers]
        if missing:
            raise ApplicationError(
                _("%(file)s lacks the column(s): %(columns)s")
                % {"file": path.name, "columns": ", ".join(missing)}
            )
        named = [(i, h) for i, h in enumerate(headers) if h]
        return [
            {h: (row[i].strip() if i < len(row) else "") for i, h in named}
            for row in reader
            if any(cell.strip() for cell in row)
        ]


def parse_date(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def parse_money(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ApplicationError(_("Not an amount: %(value)s") % {"value": text}) from exc
