"""Customer and deal exports: who may export, which rows and columns, masking, audit, limits."""

import csv
import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from salestrack.access.models import FieldPolicy, ObjectPolicy, Role
from salestrack.audit.models import AuditEntry
from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.tests.factories import DealFactory
from salestrack.exports.selectors import CUSTOMER_COLUMNS, DEAL_COLUMNS

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"


def url(kind: str, fmt: str = "csv", query: str = "") -> str:
    path = reverse(f"exports:{kind}", args=[fmt])
    return f"{path}?{query}" if query else path


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def set_role(user, role: str) -> None:
    user.role = role
    user.save()


def raw(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    body = raw(response)
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200, response.content
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx_xml(response) -> bytes:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def headers(user, columns, keys: list[str]) -> list[str]:
    """The header row the user's language gives for these column keys (translated or not)."""
    labels = {c.key: c.label for c in columns}
    with translation.override(user.language):
        return [str(labels[k]) for k in keys]


def exports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).order_by("seq"))


def list_names(client: Client, page: str, query: str) -> list[str]:
    html = client.get(f"{reverse(page)}?{query}").content.decode()
    prefix = "customers" if page.startswith("customers") else "deals"
    return re.findall(rf'<td><a href="/{prefix}/\d+/">([^<]+)</a></td>', html)


ALL_CUSTOMER_KEYS = [c.key for c in CUSTOMER_COLUMNS]
ALL_DEAL_KEYS = [c.key for c in DEAL_COLUMNS]


@pytest.fixture
def book(personas):
    """Customers of Alice, Bob and Charlie, with contacts and deals."""
    p = personas
    huaxin = CustomerFactory(
        owner=p.alice,
        name="华信科技有限公司",
        tier=Customer.Tier.A,
        industry="制造业",
        budget=Decimal("1234.5"),
    )
    ContactFactory(customer=huaxin, name="王芳", phone="13812345678", email="wangfang@huaxin.cn")
    ContactFactory(customer=huaxin, name="李雷", phone="13987654321", email="lilei@huaxin.cn")
    dongfang = CustomerFactory(owner=p.bob, name="东方明珠集团", tier=Customer.Tier.B)
    ContactFactory(customer=dongfang, name="赵敏", phone="13700001111", email="zhao@dfmz.com")
    xihu = CustomerFactory(owner=p.charlie, name="西湖龙井茶业", tier=Customer.Tier.A)
    ContactFactory(customer=xihu, name="钱塘", phone="13600002222", email="qian@xihu.cn")
    DealFactory(
        customer=huaxin,
        title="华信 ERP 一期",
        amount=Decimal("100000.5"),
        expected_close_date=datetime.date(2026, 12, 31),
        contract_number="HT-2026-001",
        payment_received=Decimal("30000"),
    )
    DealFactory(customer=dongfang, title="东方 CRM", amount=Decimal("250000"))
    DealFactory(customer=xihu, title="西湖 MES", amount=Decimal("80000"))
    return {"huaxin": huaxin, "dongfang": dongfang, "xihu": xihu}


# --- who may export ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(db):
    response = Client().get(url("customers"))
    assert response.status_code == 302


@pytest.mark.parametrize("kind", ["customers", "deals"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_rep_may_not_export(personas, book, kind, fmt):
    response = client_for(personas.alice).get(url(kind, fmt))
    assert response.status_code == 403
    assert b"13812345678" not in response.content
    assert exports() == []


def test_finance_exports_deals_but_not_customers(personas, book):
    set_role(personas.charlie, "finance")
    client = client_for(personas.charlie)
    assert client.get(url("customers")).status_code == 403
    rows = csv_rows(client.get(url("deals")))
    assert rows[0] == headers(personas.charlie, DEAL_COLUMNS, ALL_DEAL_KEYS)
    assert {r[0] for r in rows[1:]} == {"华信 ERP 一期", "东方 CRM", "西湖 MES"}
    assert [e.object_type for e in exports()] == ["deals.deal"]


def test_unknown_format_is_not_found(personas):
    assert client_for(personas.admin).get("/exports/customers.pdf").status_code == 404


# --- rows, columns and scope ------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "tier=A", "q=hxkj", "sort=name", "owner={bob}"])
def test_customer_rows_match_the_list(personas, book, query):
    query = query.format(bob=personas.bob.pk)
    client = client_for(personas.mia)
    rows = csv_rows(client.get(url("customers", "csv", query)))
    assert rows[0] == headers(personas.mia, CUSTOMER_COLUMNS, ALL_CUSTOMER_KEYS)
    expected = list_names(client, "customers:list", query)
    assert expected
    assert [r[0] for r in rows[1:]] == expected
    assert [r[0] for r in xlsx_rows(client.get(url("customers", "xlsx", query)))[1:]] == expected


@pytest.mark.parametrize("query", ["", "status=open", "min_amount=90000", "sort=amount", "q=ERP"])
def test_deal_rows_match_the_list(personas, book, query):
    client = client_for(personas.mia)
    rows = csv_rows(client.get(url("deals", "csv", query)))
    assert rows[0] == headers(personas.mia, DEAL_COLUMNS, ALL_DEAL_KEYS)
    expected = list_names(client, "deals:list", query)
    assert expected
    assert [r[0] for r in rows[1:]] == expected
    assert [r[0] for r in xlsx_rows(client.get(url("deals", "xlsx", query)))[1:]] == expected


def test_scope_holds(personas, book):
    """A manager of team A (Alice, promoted) exports team A's records, never Charlie's."""
    set_role(personas.alice, "manager")
    client = client_for(personas.alice)
    customers = csv_rows(client.get(url("customers")))
    assert {r[0] for r in customers[1:]} == {"华信科技有限公司", "东方明珠集团"}
    deal_rows = xlsx_rows(client.get(url("deals", "xlsx")))
    assert {r[0] for r in deal_rows[1:]} == {"华信 ERP 一期", "东方 CRM"}
    body = raw(client.get(url("customers"))) + xlsx_xml(client.get(url("deals", "xlsx")))
    for outsider in ("西湖龙井茶业", "西湖 MES", "13600002222", "qian@xihu.cn"):
        assert outsider.encode() not in body


def test_values_are_exact_and_iso(personas, book):
    client = client_for(personas.admin)
    huaxin = book["huaxin"]
    Customer.objects.filter(pk=huaxin.pk).update(
        last_activity_at=datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
    )
    customers = csv_rows(client.get(url("customers", "csv", "q=华信")))
    record = dict(zip(ALL_CUSTOMER_KEYS, customers[1], strict=True))
    assert record["budget"] == "1234.50"
    assert record["tier"] == "A"
    local = timezone.localtime(datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.UTC))
    assert record["last_activity"] == local.isoformat()
    assert record["contact_names"] == "王芳; 李雷"
    assert record["contact_phones"] == "王芳 13812345678; 李雷 13987654321"
    assert record["contact_emails"] == "王芳 wangfang@huaxin.cn; 李雷 lilei@huaxin.cn"

    deals = csv_rows(client.get(url("deals", "csv", "q=华信")))
    deal = dict(zip(ALL_DEAL_KEYS, deals[1], strict=True))
    assert deal["amount"] == "100000.50"
    assert deal["payment_received"] == "30000.00"
    assert deal["expected_close_date"] == "2026-12-31"
    assert deal["contract_number"] == "HT-2026-001"
    assert deal["customer"] == "华信科技有限公司"

    sheet = xlsx_rows(client.get(url("deals", "xlsx", "q=华信")))
    cells = dict(zip(ALL_DEAL_KEYS, sheet[1], strict=True))
    assert Decimal(str(cells["amount"])) == Decimal("100000.50")
    assert cells["expected_close_date"].date() == datetime.date(2026, 12, 31)


def test_csv_has_bom_and_chinese_round_trips(personas, book):
    response = client_for(personas.admin).get(url("customers"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = raw(response)
    assert body.startswith(BOM)
    assert "华信科技有限公司".encode() in body
    assert "华信科技有限公司" in body.decode("utf-8-sig")


def test_xlsx_round_trips_chinese(personas, book):
    response = client_for(personas.admin).get(url("customers", "xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "华信科技有限公司" in {row[0] for row in xlsx_rows(response)}


def test_text_starting_like_a_formula_stays_text(personas):
    CustomerFactory(owner=personas.alice, name="=HYPERLINK(1)")
    client = client_for(personas.admin)
    assert csv_rows(client.get(url("customers")))[1][0] == "'=HYPERLINK(1)"
    assert b"<f>" not in xlsx_xml(client.get(url("customers", "xlsx")))


# --- field policy -----------------------------------------------------------------------------


def test_marketing_gets_no_contact_details(personas, book):
    set_role(personas.charlie, "marketing")
    client = client_for(personas.charlie)
    csv_response = client.get(url("customers"))
    xlsx_response = client.get(url("customers", "xlsx"))
    keys = [k for k in ALL_CUSTOMER_KEYS if k not in ("contact_phones", "contact_emails")]
    rows = csv_rows(csv_response)
    assert rows[0] == headers(personas.charlie, CUSTOMER_COLUMNS, keys)
    assert xlsx_rows(xlsx_response)[0] == rows[0]
    body = raw(csv_response) + xlsx_xml(xlsx_response)
    for secret in (
        "13812345678",
        "13987654321",
        "13700001111",
        "13600002222",
        "wangfang",
        "lilei@",
        "zhao@",
        "qian@",
        "王芳",  # names are masked for marketing
    ):
        assert secret.encode() not in body, secret
    assert exports()[0].extra["fields"] == keys
    # Marketing may not export deals.
    assert client.get(url("deals")).status_code == 403


def test_masked_phones_and_emails_come_out_masked(personas, book):
    """Finance reads contact details masked; allowed to export customers here, it gets them so."""
    set_role(personas.charlie, "finance")
    ObjectPolicy.objects.filter(role__key="finance", object_type="customer").update(can_export=True)
    client = client_for(personas.charlie)
    csv_response = client.get(url("customers", "csv", "q=华信"))
    rows = csv_rows(csv_response)
    record = dict(zip(ALL_CUSTOMER_KEYS, rows[1], strict=True))
    assert record["contact_phones"] == "王芳 138****5678; 李雷 139****4321"
    assert record["contact_emails"] == "王芳 w***@huaxin.cn; 李雷 l***@huaxin.cn"
    xlsx_response = client.get(url("customers", "xlsx", "q=华信"))
    body = raw(csv_response) + xlsx_xml(xlsx_response)
    assert b"138****5678" in body
    for secret in ("13812345678", "13987654321", "wangfang@", "lilei@"):
        assert secret.encode() not in body, secret


def test_masked_and_hidden_record_fields(personas, book):
    """Masking of the exported records themselves survives .iterator(); hidden columns go."""
    set_role(personas.charlie, "marketing")
    role = Role.objects.get(key="marketing")
    ObjectPolicy.objects.filter(role=role, object_type="deal").update(can_export=True)
    FieldPolicy.objects.update_or_create(
        role=role, object_type="deal", field="competitor", defaults={"level": "masked"}
    )
    Deal.objects.filter(title="华信 ERP 一期").update(competitor="金蝶软件")
    client = client_for(personas.charlie)
    keys = [k for k in ALL_DEAL_KEYS if k not in ("contract_number", "payment_received")]
    for fmt in ("csv", "xlsx"):
        response = client.get(url("deals", fmt, "q=华信"))
        rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
        assert list(rows[0]) == headers(personas.charlie, DEAL_COLUMNS, keys)
        record = dict(zip(keys, rows[1], strict=True))
        assert record["competitor"] == "金***"
        body = raw(response) if fmt == "csv" else xlsx_xml(response)
        assert "金蝶".encode() not in body
        assert b"HT-2026-001" not in body


# --- audit --------------------------------------------------------------------------------------


def test_every_export_is_audited(personas, book):
    client = client_for(personas.mia)
    query = f"tier=A&owner={personas.alice.pk}&sort=name"
    response = client.get(url("customers", "xlsx", query))
    assert response.status_code == 200
    [entry] = exports()
    assert entry.actor == personas.mia
    assert entry.object_type == "customers.customer"
    assert entry.extra["rows"] == 1
    assert entry.extra["format"] == "xlsx"
    assert entry.extra["fields"] == ALL_CUSTOMER_KEYS
    filters = entry.extra["filters"]
    assert filters["tier"] == "A"
    assert filters["owner"] == personas.alice.pk
    assert filters["sort"] == "name"

    csv_rows(client.get(url("deals", "csv", "min_amount=90000")))
    entry = exports()[-1]
    assert entry.object_type == "deals.deal"
    assert entry.extra["rows"] == 2
    assert entry.extra["filters"]["min_amount"] == "90000"
    assert entry.extra["format"] == "csv"


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "query"),
    [
        ("customers", "tier=Z"),
        ("deals", "min_amount=abc"),
        ("deals", "min_amount=10&max_amount=5"),
    ],
)
def test_invalid_filters_export_nothing(personas, book, kind, query):
    response = client_for(personas.mia).get(url(kind, "csv", query))
    assert response.status_code == 400
    assert response.content
    assert "华信".encode() not in response.content
    assert exports() == []


def test_over_the_limit_is_refused(personas, book, settings):
    settings.SALESTRACK_EXPORT_MAX_ROWS = 2
    client = client_for(personas.mia)
    response = client.get(url("customers"))
    assert response.status_code == 400
    assert b"3" in response.content and b"2" in response.content
    assert exports() == []
    assert client.get(url("customers", "csv", "tier=A")).status_code == 200  # 2 rows: allowed


# --- cost -------------------------------------------------------------------------------------


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
        raw(response)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("kind", ["customers", "deals"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_query_count_does_not_grow_with_rows(personas, kind, fmt):
    def seed(n: int) -> None:
        for _ in range(n):
            customer = CustomerFactory(owner=personas.alice)
            ContactFactory(customer=customer, email="a@b.cn")
            DealFactory(customer=customer)

    client = client_for(personas.mia)
    seed(5)
    small = _queries(client, url(kind, fmt))
    seed(45)
    large = _queries(client, url(kind, fmt))
    assert large == small


# --- list pages ---------------------------------------------------------------------------------


def test_list_pages_link_to_exports_with_the_filters(personas, book):
    client = client_for(personas.mia)
    html = client.get(reverse("customers:list") + "?tier=A&page=1").content.decode()
    assert f'href="{url("customers", "csv")}?tier=A"' in html
    assert f'href="{url("customers", "xlsx")}?tier=A"' in html
    html = client.get(reverse("deals:list") + "?status=open").content.decode()
    assert f'href="{url("deals", "xlsx")}?status=open"' in html


def test_list_pages_hide_exports_from_reps(personas, book):
    client = client_for(personas.alice)
    assert "/exports/" not in client.get(reverse("customers:list")).content.decode()
    assert "/exports/" not in client.get(reverse("deals:list")).content.decode()
    set_role(personas.charlie, "finance")
    client = client_for(personas.charlie)
    assert "/exports/" not in client.get(reverse("customers:list")).content.decode()
    assert url("deals", "csv") in client.get(reverse("deals:list")).content.decode()
