"""The real datasets in ../shared/datasets, through the wizard's code path (batch → preview →
commit), with the facts their SOURCE.md states."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum

from salestrack.customers.models import Customer
from salestrack.deals.models import Deal
from salestrack.imports import services
from salestrack.imports.fields import guess_mapping

DATASETS = Path(__file__).resolve().parents[4] / "shared" / "datasets"
MAVEN = DATASETS / "maven_crm_sales_opportunities"
LEADS = DATASETS / "x_education_leads"

pytestmark = pytest.mark.skipif(not MAVEN.is_dir(), reason="shared datasets not present")


def preview(user, path, record_type, **options):
    batch = services.batch_create_from_path(
        actor=user, record_type=record_type, path=path, name=path.name
    )
    services.import_preview(batch=batch, options=options or None)
    return batch


def test_it_imports_the_maven_accounts_as_customers(personas):
    batch = preview(personas.admin, MAVEN / "accounts.csv", "customers")
    assert batch.result["columns"] == [
        "name",
        "industry",
        "",
        "",
        "size",
        "region",
        "",
    ]
    assert batch.result["counts"] == {"create": 85, "update": 0, "skip": 0, "ask": 0, "error": 0}
    services.import_commit(batch=batch, actor=personas.admin)
    assert Customer.objects.count() == 85
    assert Customer.objects.filter(industry="technolgy").count() == 12  # kept as published
    acme = Customer.objects.get(name="Acme Corporation")
    assert (acme.industry, acme.region, acme.size) == ("technolgy", "United States", "enterprise")
    # a second run finds every account already there
    again = preview(personas.admin, MAVEN / "accounts.csv", "customers")
    assert again.result["counts"]["skip"] == 85


def test_it_imports_the_maven_pipeline_as_deals(personas, stages):
    services.import_commit(
        batch=preview(personas.admin, MAVEN / "accounts.csv", "customers"), actor=personas.admin
    )
    path = MAVEN / "sales_pipeline.csv"
    batch = preview(personas.admin, path, "deals")
    columns = batch.result["columns"]
    assert columns == ["title", "owner", "", "name", "stage", "", "expected_close_date", "amount"]
    assert batch.result["unknown_stages"].keys() == {"Engaging", "Prospecting"}
    # the stage mapping step, and the agents are not users here: that column is left out
    columns[1] = ""
    stage_map = {"engaging": stages["Needs confirmed"].pk, "prospecting": stages["Lead"].pk}
    batch = preview(personas.admin, path, "deals", columns=columns, stage_map=stage_map)
    counts = batch.result["counts"]
    assert counts == {"create": 7375, "update": 0, "skip": 0, "ask": 0, "error": 1425}
    assert set(batch.result["errors"].values()) == {"account: required"}
    services.import_commit(batch=batch, actor=personas.admin, background=False)
    deals = Deal.objects.all()
    assert deals.count() == 7375 and Customer.objects.count() == 85
    won = deals.filter(status="won")
    assert won.count() == 4238 and deals.filter(status="lost").count() == 2473
    assert won.aggregate(s=Sum("amount"))["s"] == Decimal("10005534.00")


@pytest.mark.skipif(not LEADS.is_dir(), reason="leads dataset not present")
def test_it_reads_the_x_education_leads_export(personas):
    """No company names in it: every row names the missing column (and the trailing empty
    column of each line is ignored)."""
    path = LEADS / "Leads.csv"
    batch = preview(personas.admin, path, "customers", columns=["name"])  # Prospect ID
    assert batch.result["header_row"] == 1 and len(batch.result["headers"]) == 37
    assert batch.result["counts"]["create"] == 9240
    headers = batch.result["headers"]
    assert guess_mapping("customers", headers)[headers.index("Lead Source")] == "source"
