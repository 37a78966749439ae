"""Sharing a deal or customer with a named colleague: read or edit, optionally until a date."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from salestrack.access.models import Share
from salestrack.access.services import share_grant, share_revoke
from salestrack.activities.models import FollowUp
from salestrack.audit.models import AuditEntry
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal, DealLine
from salestrack.deals.tests.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(personas):
    customer = CustomerFactory(owner=personas.alice, name="华信科技有限公司")
    return DealFactory(owner=personas.alice, customer=customer, title="华信 ERP 升级")


def detail(deal) -> str:
    return reverse("deals:detail", args=[deal.pk])


def edit_data(deal: Deal, **changes) -> dict:
    data = {
        "title": deal.title,
        "customer": deal.customer_id,
        "amount": str(deal.amount),
        "expected_close_date": "",
        "probability": "",
        "owner": deal.owner_id,
        "source": deal.source,
        "competitor": deal.competitor,
        "next_step": deal.next_step,
        "version": deal.version,
    }
    return {**data, **changes}


def share(deal, user, actor, *, can_edit=False, expires_at=None) -> Share:
    return share_grant(obj=deal, user=user, can_edit=can_edit, expires_at=expires_at, actor=actor)


def test_it_hides_an_unshared_deal_from_another_team(client, personas, deal):
    client.force_login(personas.charlie)
    assert client.get(detail(deal)).status_code == 404
    assert deal.title not in client.get(reverse("deals:list")).content.decode()


def test_it_shows_a_read_shared_deal_in_list_board_and_detail(client, personas, deal):
    share(deal, personas.charlie, personas.alice)
    client.force_login(personas.charlie)
    assert client.get(detail(deal)).status_code == 200
    assert deal.title in client.get(reverse("deals:list")).content.decode()
    assert deal.title in client.get(reverse("deals:board")).content.decode()


def test_it_offers_no_edit_buttons_through_a_read_share(client, personas, deal):
    share(deal, personas.charlie, personas.alice)
    edit_url = reverse("deals:edit", args=[deal.pk])
    client.force_login(personas.charlie)
    assert edit_url not in client.get(detail(deal)).content.decode()
    customer_page = client.get(reverse("customers:detail", args=[deal.customer_id]))
    assert customer_page.status_code == 404  # the customer itself was not shared
    client.force_login(personas.alice)
    assert edit_url in client.get(detail(deal)).content.decode()


def test_it_refuses_writes_through_a_read_share(client, personas, deal, stages):
    share(deal, personas.charlie, personas.alice)
    client.force_login(personas.charlie)
    product = ProductFactory()
    posts = [
        (reverse("deals:edit", args=[deal.pk]), edit_data(deal, title="改名")),
        (
            reverse("deals:move", args=[deal.pk]),
            {"to_stage": stages["Needs confirmed"].pk, "version": deal.version},
        ),
        (
            reverse("deals:line_add", args=[deal.pk]),
            {"product": product.pk, "quantity": "1", "unit_price": "100"},
        ),
        (reverse("deals:delete", args=[deal.pk])),
        (
            reverse("activities:create"),
            {"deal": deal.pk, "kind": "call", "occurred_at": "2026-11-20T10:00"},
        ),
    ]
    for post in posts:
        url, data = post if isinstance(post, tuple) else (post, {})
        assert client.post(url, data).status_code == 403, url
    deal.refresh_from_db()
    assert deal.title == "华信 ERP 升级"
    assert deal.stage_id == stages["Lead"].pk
    assert not DealLine.objects.filter(deal=deal).exists()
    assert Deal.objects.filter(pk=deal.pk).exists()
    assert not FollowUp.objects.filter(deal=deal).exists()


def test_it_allows_edits_through_an_edit_share(client, personas, deal):
    share(deal, personas.charlie, personas.alice, can_edit=True)
    client.force_login(personas.charlie)
    r = client.post(reverse("deals:edit", args=[deal.pk]), edit_data(deal, title="华信 ERP 二期"))
    assert r.status_code == 302
    deal.refresh_from_db()
    assert deal.title == "华信 ERP 二期"


def test_it_hides_the_deal_again_after_expiry(client, personas, deal):
    until = timezone.now() + datetime.timedelta(days=2)
    share(deal, personas.charlie, personas.alice, expires_at=until)
    client.force_login(personas.charlie)
    assert client.get(detail(deal)).status_code == 200
    with time_machine.travel(until + datetime.timedelta(minutes=1)):
        client.force_login(personas.charlie)
        assert client.get(detail(deal)).status_code == 404
        assert deal.title not in client.get(reverse("deals:list")).content.decode()


def test_it_shares_and_revokes_through_the_detail_page(client, personas, deal):
    client.force_login(personas.alice)
    url = reverse("access:share_create", args=["deals.deal", deal.pk])
    r = client.post(url, {"user": personas.charlie.pk, "access": "read", "until": ""})
    assert r.status_code == 302
    s = Share.objects.get(user=personas.charlie)
    assert s.object_id == deal.pk and not s.can_edit and s.expires_at is None
    html = client.get(detail(deal)).content.decode()
    assert "查理" in html and reverse("access:share_revoke", args=[s.pk]) in html

    assert client.post(reverse("access:share_revoke", args=[s.pk])).status_code == 302
    assert not Share.objects.exists()
    client.force_login(personas.charlie)
    assert client.get(detail(deal)).status_code == 404


def test_it_shares_a_customer(client, personas, deal):
    share(deal.customer, personas.charlie, personas.alice)
    client.force_login(personas.charlie)
    url = reverse("customers:detail", args=[deal.customer_id])
    assert client.get(url).status_code == 200
    assert client.post(reverse("customers:edit", args=[deal.customer_id])).status_code == 403


def test_it_allows_customer_edits_through_an_edit_share(client, personas, deal):
    customer = deal.customer
    share(customer, personas.charlie, personas.alice, can_edit=True)
    client.force_login(personas.charlie)
    form = client.get(reverse("customers:edit", args=[customer.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(name="华信科技（集团）有限公司", version=customer.version)
    r = client.post(reverse("customers:edit", args=[customer.pk]), data)
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    customer.refresh_from_db()
    assert customer.name == "华信科技（集团）有限公司"


def test_it_does_not_let_a_same_team_rep_share(client, personas, deal):
    with pytest.raises(ApplicationError):
        share(deal, personas.charlie, personas.bob)
    client.force_login(personas.bob)
    url = reverse("access:share_create", args=["deals.deal", deal.pk])
    r = client.post(url, {"user": personas.charlie.pk, "access": "read"})
    assert r.status_code == 404  # a rep sees only their own records, so not even the deal
    assert not Share.objects.exists()


def test_it_lets_a_manager_and_an_admin_share(personas, deal):
    share(deal, personas.charlie, personas.mia)
    share(deal, personas.bob, personas.admin, can_edit=True)
    assert Share.objects.count() == 2


def test_it_refuses_sharing_with_the_owner_or_into_the_past(personas, deal):
    with pytest.raises(ApplicationError):
        share(deal, personas.alice, personas.alice)
    with pytest.raises(ApplicationError):
        share(
            deal,
            personas.charlie,
            personas.alice,
            expires_at=timezone.now() - datetime.timedelta(hours=1),
        )
    assert not Share.objects.exists()


def test_it_audits_grant_and_revoke(personas, deal):
    s = share(deal, personas.charlie, personas.alice, can_edit=True)
    share_revoke(share=s, actor=personas.alice)
    entries = AuditEntry.objects.filter(
        action=AuditEntry.Action.PERMISSION_CHANGE, object_type="deals.deal"
    ).order_by("seq")
    assert [e.extra["event"] for e in entries] == ["share_grant", "share_revoke"]
    assert entries[0].changes["share.can_edit"] == [None, True]
    assert entries[0].object_id == str(deal.pk)
