import pytest
from django.core.management import CommandError, call_command

from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.imports.models import ImportBatch, SavedMapping
from salestrack.imports.tests.conftest import write_csv

ROWS = [["客户", "说明"], ["华信科技", "老客户"], ["坏", ""], ["东方电子有限公司", ""]]


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_records", *args, stdout=out)
    return out.getvalue()


def test_it_dry_runs_by_default_and_prints_every_row(personas, tmp_path):
    CustomerFactory(name="东方电子", owner=personas.admin)
    path = write_csv(tmp_path / "a.csv", [*ROWS, ["", "无名"]])
    out = run(str(path), "--type", "customers")
    assert "客户 -> name" in out and "说明 -> (not imported)" in out
    assert "row 4: skip 东方电子有限公司 already exists (东方电子, 100)" in out
    assert "row 5: error  客户: required" in out
    assert "Rows: 4; create 2, update 0, skip 1, needs a decision 0, errors 1" in out
    assert "Dry run" in out
    assert Customer.objects.count() == 1 and not ImportBatch.objects.exists()


def test_it_commits_with_a_saved_mapping_as_a_user(personas, tmp_path):
    SavedMapping.objects.create(
        record_type="customers",
        name="台账",
        user=None,
        columns={"客户": "name", "说明": "pain_points"},
    )
    out = run(
        str(write_csv(tmp_path / "a.csv", ROWS)),
        "--type",
        "customers",
        "--mapping",
        "台账",
        "--as",
        "alice",
        "--commit",
    )
    assert "Imported" in out and "3 created" in out
    assert Customer.objects.get(name="华信科技").pain_points == "老客户"
    assert set(Customer.objects.values_list("owner__username", flat=True)) == {"alice"}


def test_it_refuses_unknown_users_and_roles_without_rights(personas, tmp_path):
    path = str(write_csv(tmp_path / "a.csv", ROWS))
    with pytest.raises(CommandError):
        run(path, "--type", "customers", "--as", "nobody")
    personas.bob.role = "finance"
    personas.bob.save()
    with pytest.raises(CommandError, match="bob"):
        run(path, "--type", "customers", "--as", "bob")
