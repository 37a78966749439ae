"""Messy files written by the tests themselves (openpyxl for .xlsx, csv in GBK or UTF-8)."""

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from salestrack.core.tests.i18n import english_for


def write_xlsx(path: Path, rows: list[list], *, merged: list[str] = (), sheet: str = "台账"):
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for cells in merged:
        ws.merge_cells(cells)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list], *, encoding: str = "utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Uploads and progress files go to a temporary DATA_DIR."""
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture(autouse=True)
def english_reasons(personas):
    """The tests compare the per-row reasons as written in the code (English)."""
    yield from english_for(
        (personas.alice, personas.bob, personas.charlie, personas.mia, personas.admin)
    )
