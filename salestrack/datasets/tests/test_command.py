"""`manage.py load_datasets` on small files laid out as the published ones (written here), so
that every branch is checked in a second, without the real datasets."""

import csv
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from salestrack.accounts.models import Team, User
from salestrack.core.tests.factories import UserFactory
from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.datasets.models import DatasetLoad
from salestrack.deals.models import Deal, StageChange
from salestrack.imports.models import ImportBatch
from salestrack.imports.services import import_undo
from salestrack.pipeline.models import Pipeline

PIPELINE_ROWS = [
    ["opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date",
     "close_date", "close_value"],
    ["W1", "Anna Snelling", "GTXPro", "Acme Corporation", "Won", "2017-03-01", "2017-04-10",
     "4514"],
    ["L1", "Moses Frase", "MG Special", "Betatech", "Lost", "2017-02-01", "2017-03-03", "0"],
    ["E1", "Anna Snelling", "GTX Pro", "Acme Corporation", "Engaging", "2017-10-05", "", ""],
    ["P1", "Moses Frase", "MG Special", "Betatech", "Prospecting", "", "", ""],
    ["X1", "Moses Frase", "GTX Pro", "", "Engaging", "2017-11-01", "", ""],
    ["U1", "Anna Snelling", "Unknown Thing", "Betatech", "Won", "2017-05-01", "2017-05-20",
     "100"],
]  # fmt: skip


def _csv(path: Path, rows: list[list[str]], trailing_comma: bool = False) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=",\r\n" if trailing_comma else "\r\n")
        writer.writerows(rows)


@pytest.fixture
def folder(tmp_path, settings) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    root = tmp_path / "datasets"
    maven = root / "maven_crm_sales_opportunities"
    maven.mkdir(parents=True)
    _csv(
        maven / "accounts.csv",
        [
            ["account", "sector", "year_established", "revenue", "employees",
             "office_location", "subsidiary_of"],
            ["Acme Corporation", "technolgy", "1996", "1100.04", "2822", "United States", ""],
            ["Betatech", "medical", "1987", "647.18", "4536", "Kenya", ""],
        ],
    )  # fmt: skip
    _csv(
        maven / "products.csv",
        [
            ["product", "series", "sales_price"],
            ["GTX Pro", "GTX", "4821"],
            ["MG Special", "MG", "55"],
        ],
    )
    _csv(
        maven / "sales_teams.csv",
        [
            ["sales_agent", "manager", "regional_office"],
            ["Anna Snelling", "Dustin Brinkmann", "Central"],
            ["Moses Frase", "Dustin Brinkmann", "Central"],
            ["Carl Lin", "Summer Sewald", "West"],
        ],
    )
    _csv(maven / "sales_pipeline.csv", PIPELINE_ROWS)
    leads = root / "x_education_leads"
    leads.mkdir()
    _csv(
        leads / "Leads.csv",
        [
            ["Prospect ID", "Lead Number", "Lead Origin", "Lead Source", "Converted", "City"],
            ["a1-uuid", "1001", "API", "Google", "1", "Mumbai"],
            ["a2-uuid", "1002", "API", "google", "0", "Select"],
            ["a3-uuid", "1003", "API", "", "0", ""],
            ["a4-uuid", "1004", "API", "Reference", "1", "Thane & Outskirts"],
        ],
        trailing_comma=True,
    )
    return root


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def run(*args, **options) -> str:
    out = StringIO()
    call_command("load_datasets", *args, stdout=out, **options)
    return out.getvalue()


def local_day(moment) -> date:
    return timezone.localtime(moment).date()


def test_it_loads_both_datasets_and_says_what_it_did(folder, personas):
    out = run(path=str(folder), username="admin")
    assert "refused 1 rows: no account: the deal has no customer" in out
    assert "“GTXPro” is not in products.csv: matched to “GTX Pro”" in out
    assert "refused 1 rows: product not in products.csv: no product line" in out
    assert "lead source “google” read as “Google” (1 rows)" in out
    assert out.count("rows/s") == 2
    # the organisation
    anna = User.objects.get(username="maven.anna.snelling")
    assert (anna.display_name, anna.role, anna.has_usable_password()) == (
        "Anna Snelling",
        User.Role.REP,
        False,
    )
    assert anna.team.name == "Central · Dustin Brinkmann"
    assert anna.team.parent.name == "Central" and anna.team.parent.parent.name == "Maven CRM"
    manager = User.objects.get(username="maven.dustin.brinkmann")
    assert (manager.role, manager.team) == (User.Role.MANAGER, anna.team)
    assert User.objects.filter(username="maven.carl.lin").exists()  # no deals, still a rep
    # the deals, with the files' dates
    pipeline = Pipeline.objects.get(name_en="Maven CRM")
    assert not pipeline.is_default  # the switch for the import is undone
    deals = {d.title: d for d in Deal.objects.filter(pipeline=pipeline)}
    assert sorted(deals) == ["E1", "L1", "P1", "U1", "W1"]
    won = deals["W1"]
    assert (won.owner, won.customer.name, won.status) == (anna, "Acme Corporation", "won")
    assert (local_day(won.created_at), local_day(won.closed_at)) == (
        date(2017, 3, 1),
        date(2017, 4, 10),
    )
    assert won.amount == Decimal("4514") and won.lines.get().product.name == "GTX Pro"
    assert deals["E1"].amount == Decimal("4821")  # open: the list price
    assert deals["L1"].amount == Decimal("55")  # lost: the list price
    assert deals["U1"].amount == Decimal("100") and not deals["U1"].lines.exists()
    prospect = deals["P1"]
    assert local_day(prospect.created_at) == date(2017, 11, 1)  # the file's last date
    assert [s.to_stage.name_en for s in StageChange.objects.filter(deal=prospect)] == [
        "Prospecting"
    ]
    assert local_day(deals["E1"].stage_entered_at) == date(2017, 10, 5)
    # X Education
    xe = Pipeline.objects.get(name_en="X Education")
    leads = {d.title: d for d in Deal.objects.filter(pipeline=xe).select_related("customer")}
    assert {t: (d.status, d.source) for t, d in leads.items()} == {
        "Lead 1001": ("won", "online_ad"),
        "Lead 1002": ("lost", "online_ad"),
        "Lead 1003": ("lost", ""),
        "Lead 1004": ("won", "referral"),
    }
    assert leads["Lead 1002"].customer.region == ""  # "Select"
    assert leads["Lead 1004"].customer.name == "a4-uuid"
    assert DatasetLoad.objects.count() == 2


def test_it_skips_a_dataset_loaded_already_and_loads_it_again_once_undone(folder, personas):
    run(path=str(folder), username="admin")
    again = run(path=str(folder), username="admin")
    assert again.count("skipped:") == 2
    assert Deal.objects.count() == 5 + 4
    load = DatasetLoad.objects.get(dataset="xeducation")
    for batch in ImportBatch.objects.filter(pk__in=load.batches):
        import_undo(batch=batch, actor=personas.admin)
    out = run(path=str(folder), username="admin", only="xeducation")
    assert "skipped" not in out and Deal.objects.count() == 5 + 4


def test_it_refuses_a_dataset_whose_accounts_exist_and_writes_nothing_of_it(folder, personas):
    CustomerFactory(name="Acme Corp", owner=personas.alice)
    with pytest.raises(CommandError, match="Not loaded: maven"):
        run(path=str(folder), username="admin")
    assert not User.objects.filter(username__startswith="maven.").exists()
    assert not Team.objects.filter(name="Maven CRM").exists()
    assert not Pipeline.objects.filter(name_en="Maven CRM").exists()
    assert Customer.objects.count() == 1 + 4  # Acme Corp and the four leads
    assert Pipeline.objects.get(is_default=True).name_en != "X Education"


def test_it_refuses_an_agent_name_another_user_answers_to(folder, personas):
    UserFactory(username="anna", display_name="Anna Snelling")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("load_datasets", path=str(folder), only="maven", stdout=out)
    assert "has the name of the agent Anna Snelling" in out.getvalue()
    assert not Deal.objects.exists()


def test_it_needs_a_user_who_sees_all_deals(folder, personas):
    with pytest.raises(CommandError, match="must see all deals"):
        run(path=str(folder), username="alice")
    with pytest.raises(CommandError, match="No active user"):
        run(path=str(folder), username="nobody")


def test_it_says_which_folder_is_missing(folder, personas, tmp_path):
    with pytest.raises(CommandError, match="No datasets folder"):
        run(path=str(tmp_path / "elsewhere"), username="admin")
    (folder / "maven_crm_sales_opportunities" / "products.csv").unlink()
    out = StringIO()
    with pytest.raises(CommandError, match="Not loaded: maven"):
        call_command("load_datasets", path=str(folder), username="admin", stdout=out)
    assert "Missing file:" in out.getvalue() and "products.csv" in out.getvalue()
    assert Deal.objects.filter(pipeline__name_en="X Education").count() == 4


def test_it_reads_the_folder_from_salestrack_datasets_dir(folder, personas, settings):
    settings.SALESTRACK_DATASETS_DIR = folder
    assert "rows/s" in run(username="admin", only="xeducation")
