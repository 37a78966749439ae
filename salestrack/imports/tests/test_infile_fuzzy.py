"""Rows similar (not equal) to an earlier row of the same file: the user decides per row."""

import random
import string

from django.test import Client
from django.urls import reverse

from salestrack.customers.models import Customer
from salestrack.deals.models import Deal
from salestrack.imports import engine, services
from salestrack.imports.models import ImportBatch
from salestrack.imports.tests.conftest import write_csv

HEADER = ["公司名称", "联系人"]
PAIR = [
    ["华信数码科技有限公司", "张三"],  # row 2
    ["云杉网络", "李四"],  # row 3
    ["华信数码科技服务有限公司（上海）", "王五"],  # row 4: similar to row 2 (85 %)
]


def batch_for(user, path, **options):
    return batch_for_type(user, path, "customers", **options)


def batch_for_type(user, path, record_type, **options):
    batch = services.batch_create_from_path(
        actor=user, record_type=record_type, path=path, name=path.name
    )
    services.import_preview(batch=batch, options=options or None)
    batch.refresh_from_db()
    return batch


def outcome(batch) -> dict[int, tuple[str, str]]:
    return {r["row"]: (r["action"], r["note"]) for r in batch.result["rows"]}


def test_a_near_duplicate_of_an_earlier_row_needs_a_decision(personas, tmp_path):
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", [HEADER, *PAIR]))
    assert outcome(batch) == {
        2: ("create", ""),
        3: ("create", ""),
        4: ("ask", "similar to row 2: 华信数码科技有限公司 (85%)"),
    }
    assert batch.result["counts"]["ask"] == 1
    [match] = batch.result["matches"]
    assert (match["row"], match["in_file"], match["match"], match["score"]) == (
        4,
        2,
        "row 2: 华信数码科技有限公司",
        85,
    )
    assert match["match_id"] is None


def test_the_commit_honours_create_and_skip(personas, tmp_path):
    path = write_csv(tmp_path / "c.csv", [HEADER, *PAIR])
    batch = batch_for(personas.alice, path, decisions={"4": "create"})
    assert batch.result["counts"] == {"create": 3, "update": 0, "skip": 0, "ask": 0, "error": 0}
    services.import_commit(batch=batch, actor=personas.alice)
    names = set(Customer.objects.values_list("name", flat=True))
    assert names == {"华信数码科技有限公司", "云杉网络", "华信数码科技服务有限公司(上海)"}
    services.import_undo(batch=batch, actor=personas.alice)
    assert not Customer.objects.exists()

    batch = batch_for(personas.alice, path, decisions={"4": "skip"})
    assert outcome(batch)[4] == ("skip", "similar to row 2: 华信数码科技有限公司 (85%)")
    services.import_commit(batch=batch, actor=personas.alice)
    assert set(Customer.objects.values_list("name", flat=True)) == {
        "华信数码科技有限公司",
        "云杉网络",
    }


def test_the_commit_is_refused_while_an_in_file_match_is_undecided(personas, tmp_path):
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", [HEADER, *PAIR]))
    client = Client()
    client.force_login(personas.alice)
    client.post(reverse("imports:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "preview" and not Customer.objects.exists()


def test_rows_match_across_chunks(personas, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 500)
    rng = random.Random(7)
    fillers = {"".join(rng.choices(string.ascii_lowercase, k=6)) for _ in range(1600)}
    fillers = sorted(fillers)[:1499]  # rows 4 .. 1502
    rows = [HEADER, ["占位公司", ""], ["华信数码科技有限公司", ""]]  # row 3
    rows += [[name, ""] for name in fillers]
    rows += [["华信数码科技服务有限公司", ""]]  # row 1503
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", rows))
    assert batch.result["total"] == 1502
    assert batch.result["counts"]["ask"] == 1
    [match] = batch.result["matches"]
    assert (match["row"], match["in_file"]) == (1503, 3)


def test_exact_duplicates_in_the_file_are_still_skipped(personas, tmp_path):
    rows = [HEADER, ["云杉网络", "李四"], ["云杉网络（北京）有限公司", "王五"]]
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", rows))
    assert outcome(batch) == {2: ("create", ""), 3: ("skip", "duplicate of row 2")}
    assert batch.result["matches"] == []


def test_names_alike_only_in_their_legal_form_or_numbers_are_not_matched(personas, tmp_path):
    rows = [
        HEADER,
        ["华信科技有限公司", ""],
        ["华为技术有限公司", ""],
        ["华信股份有限公司", ""],
        ["东方电气股份有限公司", ""],
        ["星辰分公司1", ""],
        ["星辰分公司10", ""],
    ]
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", rows))
    assert batch.result["counts"]["create"] == 6 and batch.result["matches"] == []


def test_the_preview_offers_skip_or_create_for_an_in_file_match(personas, tmp_path):
    batch = batch_for(personas.alice, write_csv(tmp_path / "c.csv", [HEADER, *PAIR]))
    client = Client()
    client.force_login(personas.alice)
    page = client.get(batch.get_absolute_url()).content.decode()
    select = page[page.index('name="decision_4"') :]
    select = select[: select.index("</select>")]
    assert 'value="skip"' in select and 'value="create"' in select
    assert 'value="update"' not in select
    post = {
        "header_row": 1,
        "exact": "skip",
        "fuzzy": "ask",
        "col_0": "name",
        "col_1": "contact_name",
    }
    client.post(batch.get_absolute_url(), {**post, "decision_4": "create"})
    client.post(reverse("imports:commit", args=[batch.pk]))
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == "done" and Customer.objects.count() == 3


def test_a_deals_file_asks_before_creating_a_second_similar_customer(personas, tmp_path, stages):
    rows = [
        ["客户名称", "商机名称"],
        ["华信数码科技有限公司", "ERP"],
        ["华信数码科技有限公司", "CRM"],  # the customer row 2 creates
        ["华信数码科技服务有限公司", "OA"],  # similar to row 2
    ]
    path = write_csv(tmp_path / "d.csv", rows)
    batch = batch_for_type(personas.alice, path, "deals")
    assert outcome(batch)[4] == ("ask", "similar to row 2: 华信数码科技有限公司 (85%)")
    batch = batch_for_type(personas.alice, path, "deals", decisions={"4": "skip"})
    services.import_commit(batch=batch, actor=personas.alice)
    assert Customer.objects.count() == 1
    assert sorted(Deal.objects.values_list("title", flat=True)) == ["CRM", "ERP"]
    services.import_undo(batch=batch, actor=personas.alice)

    batch = batch_for_type(personas.alice, path, "deals", decisions={"4": "create"})
    services.import_commit(batch=batch, actor=personas.alice)
    oa = Deal.objects.get(title="OA")
    assert oa.customer.name == "华信数码科技服务有限公司"
    assert Deal.objects.values("customer").distinct().count() == 2
