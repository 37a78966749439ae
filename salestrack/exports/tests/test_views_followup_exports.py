"""Follow-up export: who may export, date range and scope, columns and field policy, audit,
formula neutralisation, row cap, cost."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salestrack.access.models import FieldPolicy, ObjectPolicy, Role
from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory
from salestrack.exports.selectors import FOLLOWUP_COLUMNS
from salestrack.exports.tests.test_views_exports import (
    client_for,
    csv_rows,
    exports,
    headers,
    raw,
    set_role,
    xlsx_rows,
    xlsx_xml,
)

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ALL_KEYS = [c.key for c in FOLLOWUP_COLUMNS]


def url(fmt: str = "csv", query: str = "") -> str:
    path = reverse("exports:followups", args=[fmt])
    return f"{path}?{query}" if query else path


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def diary(personas, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    p = personas
    huaxin = CustomerFactory(owner=p.alice, name="华信科技有限公司")
    deal = DealFactory(customer=huaxin, title="华信 ERP 一期")
    xihu = CustomerFactory(owner=p.charlie, name="西湖龙井茶业")
    FollowUpFactory(
        customer=huaxin,
        deal=deal,
        occurred_at=at(2026, 3, 1, 0, 0),
        summary="三月第一天",
        customer_words="预算已批",
        next_due_on=datetime.date(2026, 3, 8),
    )
    FollowUpFactory(customer=huaxin, occurred_at=at(2026, 3, 31, 23, 59), summary="三月最后")
    FollowUpFactory(customer=huaxin, occurred_at=at(2026, 4, 1, 0, 0), summary="四月")
    FollowUpFactory(customer=xihu, occurred_at=at(2026, 3, 10, 9, 0), summary="西湖来电")
    return {"huaxin": huaxin, "xihu": xihu, "deal": deal}


def summaries(rows) -> list[str]:
    index = ALL_KEYS.index("summary")
    return [r[index] for r in rows[1:]]


def test_rep_may_not_export(personas, diary):
    response = client_for(personas.alice).get(url())
    assert response.status_code == 403
    assert exports() == []


def test_finance_without_followups_may_not_export(personas, diary):
    set_role(personas.charlie, "finance")
    assert client_for(personas.charlie).get(url("xlsx")).status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_date_range_includes_both_local_days(personas, diary, fmt):
    client = client_for(personas.mia)
    response = client.get(url(fmt, "date_from=2026-03-01&date_to=2026-03-31"))
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert list(rows[0]) == headers(personas.mia, FOLLOWUP_COLUMNS, ALL_KEYS)
    assert summaries(rows) == ["三月最后", "西湖来电", "三月第一天"]


def test_scope_holds(personas, diary):
    set_role(personas.alice, "manager")  # manager of team A: never Charlie's (team B)
    client = client_for(personas.alice)
    rows = csv_rows(client.get(url()))
    assert set(summaries(rows)) == {"三月第一天", "三月最后", "四月"}
    body = raw(client.get(url())) + xlsx_xml(client.get(url("xlsx")))
    assert "西湖".encode() not in body


def test_values(personas, diary):
    rows = csv_rows(client_for(personas.admin).get(url("csv", "date_to=2026-03-01")))
    record = dict(zip(ALL_KEYS, rows[1], strict=True))
    assert record["occurred_at"] == "2026-03-01T00:00:00+08:00"
    assert record["customer"] == "华信科技有限公司"
    assert record["deal"] == "华信 ERP 一期"
    assert record["customer_words"] == "预算已批"
    assert record["next_due_on"] == "2026-03-08"
    assert record["owner"] == str(personas.alice)


def test_hidden_fields_are_left_out_and_masked_ones_masked(personas, diary):
    role = Role.objects.get(key="manager")
    FieldPolicy.objects.create(
        role=role, object_type="followup", field="customer_words", level="hidden"
    )
    FieldPolicy.objects.create(role=role, object_type="followup", field="summary", level="masked")
    client = client_for(personas.mia)
    keys = [k for k in ALL_KEYS if k != "customer_words"]
    for fmt in ("csv", "xlsx"):
        response = client.get(url(fmt, "date_to=2026-03-01"))
        rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
        assert list(rows[0]) == headers(personas.mia, FOLLOWUP_COLUMNS, keys)
        record = dict(zip(keys, rows[1], strict=True))
        assert record["summary"] == "三****"
        body = raw(response) if fmt == "csv" else xlsx_xml(response)
        assert "预算已批".encode() not in body
        assert "三月第一天".encode() not in body
    assert exports()[-1].extra["fields"] == keys


def test_headers_follow_the_users_language(personas, diary):
    for language in ("en", "zh-hans"):
        personas.mia.language = language
        personas.mia.save()
        rows = csv_rows(client_for(personas.mia).get(url()))
        assert rows[0] == headers(personas.mia, FOLLOWUP_COLUMNS, ALL_KEYS)


def test_every_export_is_audited(personas, diary):
    client = client_for(personas.mia)
    query = f"date_from=2026-03-01&date_to=2026-03-31&owner={personas.alice.pk}&kind=call"
    csv_rows(client.get(url("csv", query)))
    [entry] = exports()
    assert entry.object_type == "activities.followup"
    assert entry.extra["rows"] == 2
    assert entry.extra["format"] == "csv"
    assert entry.extra["filters"]["date_from"] == "2026-03-01"
    assert entry.extra["filters"]["owner"] == personas.alice.pk


def test_text_starting_like_a_formula_stays_text(personas, diary):
    FollowUpFactory(customer=diary["huaxin"], summary="=cmd|' /C calc'!A0", next_step="@SUM(1)")
    client = client_for(personas.admin)
    rows = csv_rows(client.get(url()))
    record = dict(zip(ALL_KEYS, rows[1], strict=True))
    assert record["summary"] == "'=cmd|' /C calc'!A0"
    assert record["next_step"] == "'@SUM(1)"
    assert b"<f>" not in xlsx_xml(client.get(url("xlsx")))


@pytest.mark.parametrize("query", ["date_from=2026-04-01&date_to=2026-03-01", "kind=zzz"])
def test_invalid_filters_export_nothing(personas, diary, query):
    response = client_for(personas.mia).get(url("csv", query))
    assert response.status_code == 400
    assert exports() == []


def test_over_the_limit_is_refused(personas, diary, settings):
    settings.SALESTRACK_EXPORT_MAX_ROWS = 3
    client = client_for(personas.admin)
    assert client.get(url()).status_code == 400
    assert exports() == []
    assert client.get(url("csv", "date_to=2026-03-31")).status_code == 200


def test_a_role_may_be_given_the_right(personas, diary):
    ObjectPolicy.objects.filter(role__key="rep", object_type="followup").update(can_export=True)
    rows = csv_rows(client_for(personas.charlie).get(url()))
    assert summaries(rows) == ["西湖来电"]


def test_my_followups_page_offers_the_export(personas, diary):
    html = client_for(personas.mia).get(reverse("activities:mine")).content.decode()
    assert url("csv") in html and url("xlsx") in html
    assert (
        "/exports/"
        not in client_for(personas.alice).get(reverse("activities:mine")).content.decode()
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_query_count_does_not_grow_with_rows(personas, fmt):
    def seed(n: int) -> None:
        for _ in range(n):
            customer = CustomerFactory(owner=personas.alice)
            FollowUpFactory(customer=customer, deal=DealFactory(customer=customer))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url(fmt))
            raw(response)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    client = client_for(personas.mia)
    seed(5)
    small = queries()
    seed(40)
    assert queries() == small
