"""Masked and hidden values never appear in the bytes of a page, an htmx partial, an export
or a JSON response for the roles that may not see them (finance: contact phone/e-mail/WeChat
masked; marketing: contact details and preferences hidden, contact name masked, payment fields
of deals hidden). The masked form must appear for finance, so the test cannot pass vacuously.
"""

import io
import json
import zipfile
from decimal import Decimal
from html import escape

import pytest
from django.urls import reverse

from salestrack.accounts.models import User
from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.customers.services import contact_update
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.deals.services import deal_update
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db

PHONE, OLD_PHONE = "13987654321", "13911112222"
EMAIL = "zhuge.secret@example.com"
WECHAT = "wx_secret_8848"
PREFERENCES = "只喝普洱茶的秘密偏好"
CONTACT_NAME = "诸葛秘密"
CONTRACT = "HT-SECRET-7788"
PAYMENT = Decimal("98765.43")
PAYMENT_TEXTS = ("98765.43", "98,765.43", "98 765.43", "98765,43")
CUSTOMER = "密钥测试科技有限公司"

WITHHELD = {
    "finance": {"phone": [PHONE, OLD_PHONE], "email": [EMAIL], "wechat": [WECHAT]},
    "marketing": {
        "phone": [PHONE, OLD_PHONE],
        "email": [EMAIL],
        "wechat": [WECHAT],
        "preferences": [PREFERENCES],
        "contact name": [CONTACT_NAME],
        "contract number": [CONTRACT],
        "payment received": list(PAYMENT_TEXTS),
    },
}


@pytest.fixture
def seeded(personas):
    """Bob's customer, contact and deal with distinctive values, and history entries that
    record changes of those values (the History card and the audit trail show changes)."""
    admin = personas.admin
    customer = CustomerFactory(owner=personas.bob, name=CUSTOMER)
    contact = ContactFactory(
        customer=customer,
        name=CONTACT_NAME,
        phone=OLD_PHONE,
        email=EMAIL,
        wechat=WECHAT,
        preferences=PREFERENCES,
    )
    contact_update(contact=contact, actor=admin, data={"phone": PHONE})
    deal = DealFactory(customer=customer, title="密钥商机")
    deal = deal_update(
        deal=deal,
        actor=admin,
        expected_version=deal.version,
        data={"contract_number": CONTRACT, "payment_received": PAYMENT, "decision_maker": contact},
    )
    FollowUpFactory(customer=customer, deal=deal, next_due_on=None)
    return {"customer": customer, "contact": contact, "deal": deal}


def _as(personas, role: str) -> User:
    User.objects.filter(pk=personas.alice.pk).update(role=role)
    return User.objects.get(pk=personas.alice.pk)


def encodings(text: str) -> set[bytes]:
    """The ways a value can sit in a response: plain UTF-8, HTML-escaped, JSON-escaped."""
    return {
        text.encode(),
        escape(text).encode(),
        json.dumps(text)[1:-1].encode(),  # \\uXXXX for non-ASCII
        json.dumps(text, ensure_ascii=False)[1:-1].encode(),
    }


def raw(response) -> bytes:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):  # xlsx: the XML inside
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"".join(archive.read(name) for name in archive.namelist())
    return body


HTMX = {"HTTP_HX_REQUEST": "true"}


def _page(name, *args, query=None, headers=None):
    return lambda s: (reverse(name, args=[a(s) for a in args]), query or {}, headers or {})


def _customer(s):
    return s["customer"].pk


def _deal(s):
    return s["deal"].pk


def _contact(s):
    return s["contact"].pk


def _stage(s):
    return s["deal"].stage_id


def _csv(s):
    return "csv"


def _xlsx(s):
    return "xlsx"


# Every page that can show the seeded values: name -> seeded -> (url, query, headers).
PAGES = {
    "customer detail (contacts, History card)": _page("customers:detail", _customer),
    "customer list": _page("customers:list"),
    "customer list, search by name": _page("customers:list", query={"q": "密钥测试"}),
    "customer list, htmx partial": _page("customers:list", query={"q": "密钥"}, headers=HTMX),
    "contact form": _page("customers:contact_edit", _customer, _contact),
    "deal detail (decision maker, History card)": _page("deals:detail", _deal),
    "deal edit form": _page("deals:edit", _deal),
    "deal list": _page("deals:list"),
    "deal list, htmx partial": _page("deals:list", query={"q": "密钥"}, headers=HTMX),
    "board": _page("deals:board"),
    "board, htmx partial": _page("deals:board", headers=HTMX),
    "board column": _page("deals:board_column", _stage),
    "follow-ups": _page("activities:mine"),
    "follow-up form": lambda s: (reverse("activities:create"), {"deal": s["deal"].pk}, {}),
    "customers.csv": _page("exports:customers", _csv),
    "customers.xlsx": _page("exports:customers", _xlsx),
    "deals.csv": _page("exports:deals", _csv),
    "deals.xlsx": _page("exports:deals", _xlsx),
}
PAGE_NAMES = list(PAGES)

# Leaks found: (role, page) -> what leaks. Strict xfail: the test fails once fixed.
LEAKS = {}


def leaks_in(body: bytes, role: str) -> list[str]:
    return [
        f"{what}: {value!r}"
        for what, values in WITHHELD[role].items()
        for value in values
        if any(form in body for form in encodings(value))
    ]


def _case(role, page):
    marks = []
    if (role, page) in LEAKS:
        marks.append(pytest.mark.xfail(strict=True, reason=f"LEAK: {LEAKS[role, page]}"))
    return pytest.param(role, page, id=f"{role}-{page}", marks=marks)


@pytest.mark.parametrize(
    "role, page", [_case(role, page) for role in WITHHELD for page in PAGE_NAMES]
)
def test_withheld_values_never_reach_the_bytes(client, personas, seeded, role, page):
    client.force_login(_as(personas, role))
    url, query, headers = PAGES[page](seeded)

    response = client.get(url, query, **headers)

    assert response.status_code in (200, 302, 403, 404), f"{role} {page}: {response.status_code}"
    found = leaks_in(raw(response), role)
    assert not found, f"{role} sees on {page} ({url}, status {response.status_code}): {found}"


@pytest.mark.parametrize(
    "page, expected",
    [
        ("customer detail (contacts, History card)", [b"139****4321", b"z***@example.com"]),
        ("customers.csv", []),  # finance may not export customers
        ("deals.csv", [CONTRACT.encode(), b"98765.43"]),
    ],
)
def test_finance_sees_the_masked_forms(client, personas, seeded, page, expected):
    client.force_login(_as(personas, "finance"))
    url, query, headers = PAGES[page](seeded)
    response = client.get(url, query, **headers)
    body = raw(response)
    for value in expected:
        assert value in body, f"finance {page}: {value!r} not shown"
    assert response.status_code == (403 if page == "customers.csv" else 200)


def test_marketing_sees_the_masked_contact_name_and_customer(client, personas, seeded):
    client.force_login(_as(personas, "marketing"))
    body = raw(client.get(reverse("customers:detail", args=[seeded["customer"].pk])))
    assert "诸**".encode() in body
    assert CUSTOMER.encode() in body
    export = raw(client.get(reverse("exports:customers", args=["xlsx"])))
    assert CUSTOMER.encode() in export
