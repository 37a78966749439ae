"""A messy ledger, previewed: every row's outcome, exactly."""

import pytest
from openpyxl import Workbook

from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.imports.engine import run_import
from salestrack.imports.plans import Options
from salestrack.imports.tests.conftest import write_csv


def messy_ledger(path):
    """Two sheets (notes first); in 客户: a merged title, a blank row, a two-row header with
    merged cells (联系方式 over 手机 | 邮箱), blank rows between the data."""
    workbook = Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["请勿修改表头"])
    ws = workbook.create_sheet("客户")
    ws.append(["2024年客户台账（华东区）"])
    ws.append([])
    ws.append(["公司名称", "联系人", "联系方式", None, "行业", "预算(万元)", "来源", "负责人"])
    ws.append([None, None, "手机", "邮箱", None, None, None, None])
    rows = [
        # 5
        [
            "华信科技（上海）有限公司",
            "张三",
            "138 1234 5678",
            "ZHANG@HUAXIN.COM ",
            "软件",
            12.5,
            "referral",
            "bob",
        ],
        [],  # 6
        ["ＡＢＣ贸易有限公司", "李四", "+86 139-1234-5678", None, "贸易", "3万", "Website", None],
        ["华信科技有限公司", "张三丰", None, None, None, None, None, None],  # 8: same as row 5
        ["王五科技", "王五", "12345", "not-an-email", None, "abc", None, None],  # 9: 3 errors
        ["东方电子有限公司", None, None, None, None, None, None, None],  # 10: exists
        ["南方重工机械製造", None, None, None, None, None, None, None],  # 11: similar
        ["西湖茶叶", "赵六", "13700001111", None, None, None, None, None],  # 12: phone exists
        [None, "孙七", "13800002222", None, None, None, None, None],  # 13: no company
        ["名" * 201, None, None, None, None, None, None, None],  # 14: too long
        ["星辰网络", None, None, None, None, None, "广告牌", "nobody"],  # 15: 2 errors
        [],
        [],
    ]
    for row in rows:
        ws.append(row)
    for cells in ["A1:H1", "C3:D3", "A3:A4", "B3:B4", "E3:E4", "F3:F4", "G3:G4", "H3:H4"]:
        ws.merge_cells(cells)
    workbook.save(path)
    return path


@pytest.fixture
def existing(personas):
    mia = personas.mia
    return {
        "east": CustomerFactory(name="东方电子股份有限公司", owner=personas.alice),
        "south": CustomerFactory(name="南方重工机械制造", owner=personas.bob),
        "tea": ContactFactory(
            customer=CustomerFactory(name="杭州西湖茶业", owner=personas.charlie),
            phone="137-0000-1111",
        ).customer,
        "outsider": CustomerFactory(name="东方电子", owner=mia),  # the same key, found first
    }


def outcome(report):
    return {row["row"]: (row["action"], row["errors"] or row["note"]) for row in report.rows}


def test_it_previews_every_row_of_a_messy_ledger(personas, existing, tmp_path):
    path = messy_ledger(tmp_path / "ledger.xlsx")
    report = run_import(
        actor=personas.mia,
        record_type="customers",
        path=path,
        options=Options(sheet="客户"),
    )
    assert report.header_row == 4
    assert report.headers == [
        "公司名称",
        "联系人",
        "手机",
        "邮箱",
        "行业",
        "预算(万元)",
        "来源",
        "负责人",
    ]
    assert report.columns == [
        "name",
        "contact_name",
        "phone",
        "email",
        "industry",
        "budget",
        "source",
        "owner",
    ]
    rows = outcome(report)
    assert rows[5] == ("create", "")
    assert rows[7] == ("create", "")
    assert rows[8] == ("skip", "duplicate of row 5")
    assert rows[9] == (
        "error",
        "手机: not a phone number; 邮箱: not an e-mail address; 预算(万元): not an amount",
    )
    assert rows[10][0] == "skip"  # exact: skipped by default
    assert rows[11][0] == "ask"  # similar: the user decides
    assert rows[12][0] == "skip"  # the phone is a known contact's
    assert rows[13] == ("error", "公司名称: required")
    assert rows[14] == ("error", "公司名称: longer than 200 characters")
    assert rows[15] == (
        "error",
        "来源: unknown value; 负责人: not a user you may assign records to",
    )
    assert set(rows) == {5, 7, 8, 9, 10, 11, 12, 13, 14, 15}  # blank rows are not rows
    assert report.counts == {"create": 2, "update": 0, "skip": 3, "ask": 1, "error": 4}
    assert sorted(report.errors) == [9, 13, 14, 15]
    matches = {m["row"]: (m["match_id"], m["score"]) for m in report.matches}
    assert matches[10][1] == 100
    assert matches[11] == (existing["south"].pk, 87)
    assert matches[12] == (existing["tea"].pk, 100)
    assert Customer.objects.count() == 4  # a preview writes nothing


def test_it_honours_decisions_and_defaults(personas, existing, tmp_path):
    path = messy_ledger(tmp_path / "ledger.xlsx")
    report = run_import(
        actor=personas.mia,
        record_type="customers",
        path=path,
        options=Options(sheet="客户", exact="update", decisions={"11": "create"}),
    )
    rows = outcome(report)
    assert rows[10] == ("update", "updates the existing customer")
    assert rows[11] == ("create", "")
    assert rows[12] == ("update", "updates the existing customer")


def test_it_reads_a_gbk_csv_with_wan_units_and_excel_serial_dates(personas, tmp_path, stages):
    rows = [
        ["销售台账"],
        ["客户名称", "商机名称", "金额（万元）", "预计成交日期", "阶段", "负责人"],
        ["华信科技", "ERP 一期", "12.5", "45356", "方案报价", "艾丽丝"],
        ["华信科技", "ERP 二期", "3,000元", "2024年3月5日", "Proposal / quote", ""],
        ["华信科技", "ERP 一期", "1", "2024/3/5", "线索", ""],  # same deal as row 3
        ["云杉", "CRM", "十万", "明天", "成交了", ""],
    ]
    path = write_csv(tmp_path / "deals.csv", rows, encoding="gbk")
    report = run_import(actor=personas.alice, record_type="deals", path=path, options=Options())
    assert report.header_row == 2
    got = outcome(report)
    assert got[3] == ("create", "")
    assert got[4] == ("create", "")
    assert got[5] == ("skip", "duplicate of row 3")
    assert got[6] == (
        "error",
        "金额(万元): not an amount; 预计成交日期: not a date; 阶段: unknown stage",
    )
    assert report.unknown_stages == {"成交了": 6}
    # the unknown stage mapped: only the other two errors remain
    report = run_import(
        actor=personas.alice,
        record_type="deals",
        path=path,
        options=Options(stage_map={"成交了": stages["Won"].pk}),
    )
    assert outcome(report)[6] == ("error", "金额(万元): not an amount; 预计成交日期: not a date")


def test_it_needs_the_company_column(personas, tmp_path):
    path = write_csv(tmp_path / "a.csv", [["联系人", "手机"], ["张三", "13812345678"]])
    report = run_import(actor=personas.alice, record_type="customers", path=path, options=Options())
    # nothing is planned, but the headers are there to choose the missing column from
    assert "Company name" in report.problem
    assert report.headers == ["联系人", "手机"] and report.columns == ["contact_name", "phone"]
    assert report.total == 0
