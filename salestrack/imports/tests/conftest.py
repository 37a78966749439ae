"""Messy files written by the tests themselves (openpyxl for .xlsx, csv in GBK or UTF-8)."""

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook


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
    """The tests compare the per-row reasons as written in the code (English): services run
    under English, and the personas read the site in English."""
    from django.contrib.auth import get_user_model
    from django.utils import translation

    get_user_model().objects.update(language="en")
    for user in (personas.alice, personas.bob, personas.charlie, personas.mia, personas.admin):
        user.language = "en"
    with translation.override("en"):
        yield
