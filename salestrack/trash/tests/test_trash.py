"""Soft delete of customers, contacts and deals; the trash page, restore and purge."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.audit.models import AuditEntry
from salestrack.audit.selectors import audit_verify
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.models import Contact, Customer
from salestrack.customers.services import contact_delete
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.services import deal_delete
from salestrack.deals.tests.factories import DealFactory
from salestrack.trash.services import customer_delete, record_purge, record_restore, trash_purge

pytestmark = pytest.mark.django_db

TRASH = reverse("trash:list")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def huaxin(personas):
    return CustomerFactory(owner=personas.alice, name="华信科技有限公司")


@pytest.fixture
def gone(personas, huaxin):
    """A deal (with a pending follow-up) that Alice then deletes."""
    deal = DealFactory(customer=huaxin, title="要删除的商机", amount=Decimal("777000.00"))
    FollowUpFactory(
        customer=huaxin,
        deal=deal,
        summary="已删除商机的跟进",
        next_due_on=timezone.localdate() - timedelta(days=1),
    )
    deal_delete(deal=deal, actor=personas.alice)
    return deal


def _age(*records, days: int) -> None:
    """Pretend the records were trashed `days` ago."""
    for record in records:
        type(record).all_objects.filter(pk=record.pk).update(
            deleted_at=timezone.now() - timedelta(days=days)
        )


def test_it_hides_a_deleted_deal_everywhere(personas, huaxin, gone, stages):
    kept = DealFactory(customer=huaxin, title="保留的商机", amount=Decimal("1000.00"))
    alice = client_for(personas.alice)
    board = alice.get(reverse("deals:board")).content.decode()
    assert "要删除的商机" not in board and "保留的商机" in board
    assert "777" not in board
    deals = alice.get(reverse("deals:list")).content.decode()
    assert "要删除的商机" not in deals and "保留的商机" in deals
    search = alice.get(reverse("deals:list"), {"q": "要删除"}).content.decode()
    assert "要删除的商机" not in search
    customer_page = alice.get(huaxin.get_absolute_url()).content.decode()
    assert "要删除的商机" not in customer_page and "已删除商机的跟进" not in customer_page
    followups = alice.get(reverse("activities:mine")).content.decode()
    assert "已删除商机的跟进" not in followups
    assert alice.get(gone.get_absolute_url()).status_code == 404
    assert list(Deal.objects.all()) == [kept]


def test_it_leaves_a_deleted_deal_out_of_board_counts_and_totals(personas, huaxin, gone):
    from salestrack.deals.selectors import DealFilters, deal_board_totals

    DealFactory(customer=huaxin, amount=Decimal("1000.00"))
    totals = deal_board_totals(user=personas.alice, pipeline=gone.pipeline, filters=DealFilters())
    assert totals == {gone.stage_id: (1, Decimal("1000.00"))}


def test_it_deletes_a_deal_from_its_page(personas, huaxin):
    deal = DealFactory(customer=huaxin)
    response = client_for(personas.alice).post(reverse("deals:delete", args=[deal.pk]))
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.deleted_by == personas.alice and deal.deleted_at is not None
    assert AuditEntry.objects.order_by("-seq").first().action == "delete"


def test_it_lets_the_manager_delete_a_team_deal(personas, huaxin):
    deal = DealFactory(customer=huaxin)
    client_for(personas.mia).post(reverse("deals:delete", args=[deal.pk]))
    assert not Deal.objects.filter(pk=deal.pk).exists()


@pytest.mark.parametrize("outsider", ["bob", "charlie"])
def test_it_answers_404_to_an_outsider_deleting_a_deal(personas, huaxin, outsider):
    deal = DealFactory(customer=huaxin)
    response = client_for(getattr(personas, outsider)).post(reverse("deals:delete", args=[deal.pk]))
    assert response.status_code == 404
    assert Deal.objects.filter(pk=deal.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).exists()


def test_it_answers_404_to_an_outsider_deleting_a_customer(personas, huaxin):
    response = client_for(personas.charlie).post(reverse("trash:customer_delete", args=[huaxin.pk]))
    assert response.status_code == 404
    assert Customer.objects.filter(pk=huaxin.pk).exists()


def test_it_deletes_a_customer_with_its_contacts_and_deals(personas, huaxin):
    contact = ContactFactory(customer=huaxin)
    deal = DealFactory(customer=huaxin)
    response = client_for(personas.alice).post(reverse("trash:customer_delete", args=[huaxin.pk]))
    assert response.status_code == 302
    for model, pk in [(Customer, huaxin.pk), (Contact, contact.pk), (Deal, deal.pk)]:
        assert not model.objects.filter(pk=pk).exists()
    stamps = {
        Customer.all_objects.get(pk=huaxin.pk).deleted_at,
        Contact.all_objects.get(pk=contact.pk).deleted_at,
        Deal.all_objects.get(pk=deal.pk).deleted_at,
    }
    assert len(stamps) == 1 and None not in stamps
    assert client_for(personas.alice).get(huaxin.get_absolute_url()).status_code == 404
    search = client_for(personas.alice).get(reverse("customers:list"), {"q": "华信"})
    assert "华信科技有限公司" not in search.content.decode()


def test_restore_brings_back_the_children_deleted_with_the_customer_only(personas, huaxin):
    earlier_contact = ContactFactory(customer=huaxin, name="早删的联系人")
    earlier_deal = DealFactory(customer=huaxin)
    contact_delete(contact=earlier_contact, actor=personas.alice)
    deal_delete(deal=earlier_deal, actor=personas.alice)
    contact = ContactFactory(customer=huaxin, name="一起删的联系人")
    deal = DealFactory(customer=huaxin)
    customer_delete(customer=huaxin, actor=personas.alice)

    response = client_for(personas.admin).post(
        reverse("trash:restore", args=["customer", huaxin.pk])
    )
    assert response.status_code == 302
    assert Customer.objects.filter(pk=huaxin.pk).exists()
    assert list(Contact.objects.filter(customer=huaxin)) == [contact]
    assert list(Deal.objects.filter(customer=huaxin)) == [deal]
    assert "早删" not in Customer.objects.get(pk=huaxin.pk).search_key
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RESTORE).count() == 3
    assert audit_verify().ok


def test_it_refuses_to_restore_a_deal_of_a_trashed_customer(personas, huaxin):
    deal = DealFactory(customer=huaxin)
    customer_delete(customer=huaxin, actor=personas.alice)
    client = client_for(personas.admin)
    response = client.post(reverse("trash:restore", args=["deal", deal.pk]), follow=True)
    assert response.status_code == 200
    assert not Deal.objects.filter(pk=deal.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.RESTORE).exists()


def test_it_restores_a_single_deal(personas, huaxin, gone):
    record_restore(kind="deal", pk=gone.pk, actor=personas.admin)
    assert Deal.objects.filter(pk=gone.pk).exists()


def test_purge_removes_only_what_is_older_than_the_retention(personas, huaxin, settings):
    settings.SALESTRACK_TRASH_DAYS = 30
    old_customer = CustomerFactory(owner=personas.alice, name="旧客户")
    old_deal = DealFactory(customer=old_customer)
    old_contact = ContactFactory(customer=old_customer)
    customer_delete(customer=old_customer, actor=personas.alice)
    _age(old_customer, old_deal, old_contact, days=31)
    recent = DealFactory(customer=huaxin)
    deal_delete(deal=recent, actor=personas.alice)

    assert trash_purge() == {"deal": 1, "contact": 1, "customer": 1}
    assert not Customer.all_objects.filter(pk=old_customer.pk).exists()
    assert not Deal.all_objects.filter(pk=old_deal.pk).exists()
    assert Deal.all_objects.filter(pk=recent.pk).exists()
    purges = AuditEntry.objects.filter(action=AuditEntry.Action.PURGE)
    assert sorted(purges.values_list("object_type", flat=True)) == [
        "customers.contact",
        "customers.customer",
        "deals.deal",
    ]
    assert audit_verify().ok


def test_the_purge_command_takes_a_retention(personas, huaxin, gone):
    _age(gone, days=3)
    call_command("trash_purge", "--days", "5")
    assert Deal.all_objects.filter(pk=gone.pk).exists()
    call_command("trash_purge", "--days", "2")
    assert not Deal.all_objects.filter(pk=gone.pk).exists()


def test_the_trash_page_lists_deleted_records_for_admins(personas, huaxin, gone):
    response = client_for(personas.admin).get(TRASH)
    html = response.content.decode()
    assert response.status_code == 200
    assert "要删除的商机" in html and "艾丽丝" in html
    assert reverse("trash:restore", args=["deal", gone.pk]) in html


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "mia"])
def test_it_answers_403_to_non_admins_on_the_trash(personas, gone, who):
    client = client_for(getattr(personas, who))
    assert client.get(TRASH).status_code == 403
    assert client.post(reverse("trash:restore", args=["deal", gone.pk])).status_code == 403
    assert not Deal.objects.filter(pk=gone.pk).exists()


def test_the_audit_chain_stays_valid_after_delete_restore_and_purge(personas, huaxin, gone):
    customer_delete(customer=huaxin, actor=personas.alice)
    record_restore(kind="customer", pk=huaxin.pk, actor=personas.admin)
    _age(gone, days=40)
    trash_purge(older_than_days=30)
    assert audit_verify().ok


# ---- pages of the trash -------------------------------------------------------------------


def _trash_rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr><td>[^<]*</td><td>([^<]+)</td>", body)


def test_the_trash_page_is_paginated_newest_deletion_first(personas, huaxin):
    deals = [DealFactory(customer=huaxin, title=f"商机{n:03d}") for n in range(60)]
    contacts = [ContactFactory(customer=huaxin, name=f"联系人{n:02d}") for n in range(5)]
    for deal in deals:
        deal_delete(deal=deal, actor=personas.alice)
    for contact in contacts:
        contact_delete(contact=contact, actor=personas.alice)
    base = timezone.now() - timedelta(days=1)
    stamps = {}
    for n, deal in enumerate(deals):  # minute 0, 2, … 118
        stamps[deal.title] = base + timedelta(minutes=2 * n)
        Deal.all_objects.filter(pk=deal.pk).update(deleted_at=stamps[deal.title])
    for n, contact in enumerate(contacts):  # minute 111, 113, … 119: among the newest deals
        stamps[contact.name] = base + timedelta(minutes=2 * (55 + n) + 1)
        Contact.all_objects.filter(pk=contact.pk).update(deleted_at=stamps[contact.name])
    expected = sorted(stamps, key=stamps.get, reverse=True)
    admin = client_for(personas.admin)

    first = admin.get(TRASH)
    second = admin.get(TRASH, {"page": 2})

    assert first.status_code == second.status_code == 200
    assert expected[:3] == ["联系人04", "商机059", "联系人03"]
    assert _trash_rows(first.content.decode()) == expected[:50]
    assert _trash_rows(second.content.decode()) == expected[50:]
    assert len(expected) == 65
    assert 'href="?page=2"' in first.content.decode()


def test_the_trash_page_query_count_does_not_grow_with_the_rows(
    personas, huaxin, django_assert_max_num_queries
):
    for _ in range(70):
        deal_delete(deal=DealFactory(customer=huaxin), actor=personas.alice)
    contact_delete(contact=ContactFactory(customer=huaxin), actor=personas.alice)
    admin = client_for(personas.admin)

    with django_assert_max_num_queries(12):
        html = admin.get(TRASH, {"page": 2}).content.decode()

    assert len(_trash_rows(html)) == 21


# ---- delete permanently ------------------------------------------------------------------


def test_it_offers_a_confirmed_delete_permanently_button(personas, huaxin, gone):
    html = client_for(personas.admin).get(TRASH).content.decode()
    url = reverse("trash:purge", args=["deal", gone.pk])
    form = re.search(rf'<form method="post" action="{url}"[^>]*>', html)
    assert form and "hx-confirm=" in form.group(0)


def test_it_deletes_a_trashed_deal_permanently(personas, huaxin, gone):
    kept = DealFactory(customer=huaxin)
    deal_delete(deal=kept, actor=personas.alice)

    r = client_for(personas.admin).post(reverse("trash:purge", args=["deal", gone.pk]))

    assert r.status_code == 302 and r["Location"] == TRASH
    assert not Deal.all_objects.filter(pk=gone.pk).exists()
    assert Deal.all_objects.filter(pk=kept.pk).exists()
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.PURGE)
    assert entry.actor == personas.admin
    assert (entry.object_type, entry.object_id) == ("deals.deal", str(gone.pk))
    assert entry.object_label == "要删除的商机"
    assert audit_verify().ok


def test_it_deletes_a_customer_permanently_with_its_contacts_and_deals(personas, huaxin, gone):
    contact = ContactFactory(customer=huaxin)
    deal = DealFactory(customer=huaxin)
    other = DealFactory(customer=CustomerFactory(owner=personas.alice))
    customer_delete(customer=huaxin, actor=personas.alice)
    deal_delete(deal=other, actor=personas.alice)

    r = client_for(personas.admin).post(
        reverse("trash:purge", args=["customer", huaxin.pk]), {"page": "1"}
    )

    assert r.status_code == 302 and r["Location"] == f"{TRASH}?page=1"
    assert not Customer.all_objects.filter(pk=huaxin.pk).exists()
    assert not Contact.all_objects.filter(pk=contact.pk).exists()
    assert not Deal.all_objects.filter(pk__in=[deal.pk, gone.pk]).exists()
    assert Deal.all_objects.filter(pk=other.pk).exists()
    purges = AuditEntry.objects.filter(action=AuditEntry.Action.PURGE).order_by("seq")
    assert [(e.object_type, e.object_id) for e in purges] == [
        ("deals.deal", str(gone.pk)),
        ("deals.deal", str(deal.pk)),
        ("customers.contact", str(contact.pk)),
        ("customers.customer", str(huaxin.pk)),
    ]
    assert {e.actor for e in purges} == {personas.admin}
    assert audit_verify().ok


def test_it_keeps_a_customer_that_still_has_a_live_deal(personas, huaxin):
    customer_delete(customer=huaxin, actor=personas.alice)
    live = DealFactory(customer=huaxin)  # e.g. a deal created or restored since

    with pytest.raises(ApplicationError):
        record_purge(kind="customer", pk=huaxin.pk, actor=personas.admin)

    assert Customer.all_objects.filter(pk=huaxin.pk).exists()
    assert Deal.objects.filter(pk=live.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.PURGE).exists()


def test_it_refuses_to_purge_a_record_not_in_the_trash(personas, huaxin):
    deal = DealFactory(customer=huaxin)

    r = client_for(personas.admin).post(reverse("trash:purge", args=["deal", deal.pk]))

    assert r.status_code == 302
    assert Deal.objects.filter(pk=deal.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.PURGE).exists()
    with pytest.raises(ApplicationError):
        record_purge(kind="invoice", pk=deal.pk, actor=personas.admin)


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "mia"])
def test_it_answers_403_to_non_admins_deleting_permanently(personas, huaxin, gone, who):
    client = client_for(getattr(personas, who))
    assert client.post(reverse("trash:purge", args=["deal", gone.pk])).status_code == 403
    assert client.get(reverse("trash:purge", args=["deal", gone.pk])).status_code == 403
    assert Deal.all_objects.filter(pk=gone.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.PURGE).exists()


def test_purge_answers_405_to_get(personas, gone):
    client = client_for(personas.admin)
    assert client.get(reverse("trash:purge", args=["deal", gone.pk])).status_code == 405
    assert Deal.all_objects.filter(pk=gone.pk).exists()
