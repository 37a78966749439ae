"""Stale customers (no interaction for SALESTRACK_STALE_MONTHS) and the reversible archive."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salestrack.audit.models import AuditEntry
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.models import Customer
from salestrack.customers.selectors import customer_list
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.hygiene.selectors import customer_stale_list
from salestrack.hygiene.services import customer_bulk_archive

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 9, 15, 10, 0, tzinfo=SHANGHAI)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def customer(owner, name, last=None, created=None):
    c = CustomerFactory(owner=owner, name=name)
    Customer.objects.filter(pk=c.pk).update(
        last_activity_at=last, created_at=created or at(2025, 1, 1)
    )
    return c


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def frozen(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    settings.SALESTRACK_STALE_MONTHS = 6
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_boundary_is_local_midnight_six_months_ago(personas, frozen):
    customer(personas.alice, "just stale", last=at(2026, 3, 14, 23, 59))
    customer(personas.alice, "just fresh", last=at(2026, 3, 15, 0, 0))
    customer(personas.alice, "never touched, old", created=at(2026, 3, 14, 12, 0))
    customer(personas.alice, "never touched, new", created=at(2026, 3, 15, 12, 0))
    names = [c.name for c in customer_stale_list(user=personas.alice)]
    assert names == ["never touched, old", "just stale"]  # longest quiet first


def test_the_setting_moves_the_boundary(personas, frozen, settings):
    customer(personas.alice, "five months", last=at(2026, 4, 10))
    assert list(customer_stale_list(user=personas.alice)) == []
    settings.SALESTRACK_STALE_MONTHS = 5
    assert [c.name for c in customer_stale_list(user=personas.alice)] == ["five months"]


def test_month_ends_clamp(personas, settings):
    """31 August minus six months is 28 February."""
    settings.TIME_ZONE = "Asia/Shanghai"
    settings.SALESTRACK_STALE_MONTHS = 6
    with time_machine.travel(at(2026, 8, 31, 9, 0), tick=False):
        customer(personas.alice, "stale", last=at(2026, 2, 27, 23, 0))
        customer(personas.alice, "fresh", last=at(2026, 2, 28, 1, 0))
        assert [c.name for c in customer_stale_list(user=personas.alice)] == ["stale"]


def test_scope_and_exclusions(personas, frozen):
    customer(personas.charlie, "charlie's", last=at(2025, 1, 1))
    pooled = customer(personas.alice, "pooled", last=at(2025, 1, 1))
    Customer.objects.filter(pk=pooled.pk).update(in_pool_since=at(2026, 1, 1))
    customer(personas.alice, "mine", last=at(2025, 1, 1))
    assert [c.name for c in customer_stale_list(user=personas.alice)] == ["mine"]
    assert {c.name for c in customer_stale_list(user=personas.mia)} == {"mine", "charlie's"}


def test_archive_and_unarchive_round_trip(personas, frozen):
    a = customer(personas.alice, "华信科技有限公司", last=at(2025, 1, 1))
    b = customer(personas.bob, "东方明珠集团", last=at(2025, 1, 1))
    client = client_for(personas.mia)
    response = client.post(reverse("hygiene:archive"), {"ids": [a.pk, b.pk]})
    assert response.status_code == 302
    assert Customer.objects.filter(archived_at__isnull=False).count() == 2
    # Out of the default list and the stale report, found with "include archived".
    assert list(customer_list(user=personas.mia)) == []
    assert list(customer_stale_list(user=personas.mia)) == []
    assert {c.name for c in customer_list(user=personas.mia, q="hxkj", archived=True)} == {
        "华信科技有限公司"
    }
    html = client.get(reverse("customers:list") + "?archived=on").content.decode()
    assert "华信科技有限公司" in html
    assert "华信科技有限公司" not in client.get(reverse("customers:list")).content.decode()
    archived_page = client.get(reverse("hygiene:archived")).content.decode()
    assert "东方明珠集团" in archived_page

    client.post(reverse("hygiene:unarchive_many"), {"ids": [b.pk]})
    client_for(personas.alice).post(reverse("hygiene:unarchive", args=[a.pk]))
    assert Customer.objects.filter(archived_at__isnull=False).count() == 0
    assert {c.name for c in customer_list(user=personas.mia)} == {
        "华信科技有限公司",
        "东方明珠集团",
    }

    entries = AuditEntry.objects.filter(object_type="customers.customer").filter(
        changes__has_key="archived_at"
    )
    assert entries.count() == 4
    assert {e.actor for e in entries} == {personas.mia, personas.alice}


def test_bulk_archive_is_all_or_nothing(personas, frozen):
    mine = customer(personas.alice, "mine", last=at(2025, 1, 1))
    theirs = customer(personas.charlie, "theirs", last=at(2025, 1, 1))
    client = client_for(personas.alice)
    # A rep has no bulk right at all.
    assert client.post(reverse("hygiene:archive"), {"ids": [mine.pk]}).status_code == 403
    team_a_manager = personas.bob
    team_a_manager.role = "manager"
    team_a_manager.save()
    response = client_for(team_a_manager).post(
        reverse("hygiene:archive"), {"ids": [mine.pk, theirs.pk]}
    )
    assert response.status_code == 302
    assert not Customer.objects.filter(archived_at__isnull=False).exists()
    with pytest.raises(ApplicationError):
        customer_bulk_archive(actor=team_a_manager, ids=[mine.pk, theirs.pk])


def test_the_stale_page(personas, frozen):
    customer(personas.alice, "华信科技有限公司", last=at(2025, 1, 1))
    client = client_for(personas.mia)
    html = client.get(reverse("hygiene:stale")).content.decode()
    assert "华信科技有限公司" in html and "2026-03-15" in html
    assert client_for(personas.alice).get(reverse("hygiene:stale")).status_code == 403


def test_the_customer_page_offers_unarchive(personas, frozen):
    c = customer(personas.alice, "华信科技有限公司", last=at(2025, 1, 1))
    client = client_for(personas.alice)
    assert "data-unarchive" not in client.get(c.get_absolute_url()).content.decode()
    Customer.objects.filter(pk=c.pk).update(archived_at=at(2026, 9, 1))
    html = client.get(c.get_absolute_url()).content.decode()
    assert "data-unarchive" in html and "2026-09-01" in html
    client.post(reverse("hygiene:unarchive", args=[c.pk]))
    assert Customer.objects.get(pk=c.pk).archived_at is None
    # Outsiders: 404, nothing changes.
    Customer.objects.filter(pk=c.pk).update(archived_at=at(2026, 9, 1))
    response = client_for(personas.charlie).post(reverse("hygiene:unarchive", args=[c.pk]))
    assert response.status_code == 404
    assert Customer.objects.get(pk=c.pk).archived_at is not None


@pytest.mark.parametrize("page", ["hygiene:stale", "hygiene:archived"])
def test_query_count_does_not_grow_with_rows(personas, frozen, page):
    def seed(n: int) -> None:
        for i in range(n):
            c = customer(personas.alice, f"客户{i}", last=at(2025, 1, 1))
            if page == "hygiene:archived":
                Customer.objects.filter(pk=c.pk).update(archived_at=at(2026, 9, 1))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(page)).status_code == 200
        return len(ctx.captured_queries)

    client = client_for(personas.mia)
    seed(3)
    small = queries()
    seed(30)
    assert queries() == small
