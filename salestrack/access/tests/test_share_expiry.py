"""Expired shares: listed with an "Expired" badge until revoked; share_cleanup deletes old ones."""

import datetime
import re

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from salestrack.access.models import Share
from salestrack.access.services import share_delete_expired, share_grant
from salestrack.audit.models import AuditEntry
from salestrack.audit.selectors import audit_verify
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def deal(personas):
    customer = CustomerFactory(owner=personas.alice, name="华信科技有限公司")
    return DealFactory(owner=personas.alice, customer=customer, title="华信 ERP 升级")


def share(obj, user, actor, *, expires_at=None) -> Share:
    return share_grant(obj=obj, user=user, can_edit=False, expires_at=expires_at, actor=actor)


def expired(share: Share, *, days_ago: float) -> Share:
    """Pretend the share ended `days_ago` days ago (share_grant refuses an end in the past)."""
    Share.objects.filter(pk=share.pk).update(expires_at=timezone.now() - days_ago * DAY)
    share.refresh_from_db()
    return share


def share_rows(html: str) -> dict[str, str]:
    card = html.split('id="shares"', 1)[1].split("</table>", 1)[0]
    return {
        name: row
        for row in re.findall(r"<tr><td>.*?</tr>", card, re.S)
        for name in re.findall(r"<tr><td>([^<]+)</td>", row)
    }


# ---- the "Shared with" card -------------------------------------------------------------------


def test_the_card_lists_an_expired_share_with_a_badge_until_revoked(client, personas, deal):
    old = expired(share(deal, personas.charlie, personas.alice, expires_at=None), days_ago=2)
    share(deal, personas.bob, personas.alice, expires_at=timezone.now() + 3 * DAY)
    client.force_login(personas.alice)

    rows = share_rows(client.get(reverse("deals:detail", args=[deal.pk])).content.decode())

    assert set(rows) == {str(personas.charlie), str(personas.bob)}
    assert "data-expired" in rows[str(personas.charlie)]
    assert "data-expired" not in rows[str(personas.bob)]
    assert reverse("access:share_revoke", args=[old.pk]) in rows[str(personas.charlie)]

    client.post(reverse("access:share_revoke", args=[old.pk]))
    rows = share_rows(client.get(reverse("deals:detail", args=[deal.pk])).content.decode())
    assert set(rows) == {str(personas.bob)}


def test_the_card_marks_a_share_once_its_end_has_passed(client, personas, deal):
    until = timezone.now() + 2 * DAY
    share(deal, personas.charlie, personas.alice, expires_at=until)
    client.force_login(personas.alice)
    url = reverse("deals:detail", args=[deal.pk])

    assert "data-expired" not in client.get(url).content.decode()
    with time_machine.travel(until + datetime.timedelta(minutes=1)):
        client.force_login(personas.alice)
        assert "data-expired" in share_rows(client.get(url).content.decode())[str(personas.charlie)]


# ---- share_cleanup -----------------------------------------------------------------------------


def test_cleanup_deletes_only_shares_expired_longer_than_the_days(personas, deal):
    customer = deal.customer
    long_gone = expired(share(deal, personas.charlie, personas.alice), days_ago=31)
    customer_gone = expired(share(customer, personas.charlie, personas.alice), days_ago=45)
    recent = expired(share(deal, personas.bob, personas.alice), days_ago=29)
    open_ended = share(customer, personas.bob, personas.alice)
    future = share(deal, personas.mia, personas.alice, expires_at=timezone.now() + DAY)

    assert share_delete_expired(older_than_days=30) == 2

    assert set(Share.objects.values_list("pk", flat=True)) == {recent.pk, open_ended.pk, future.pk}
    entries = AuditEntry.objects.filter(extra__event="share_cleanup").order_by("seq")
    assert [(e.object_type, e.object_id) for e in entries] == [
        ("deals.deal", str(deal.pk)),
        ("customers.customer", str(customer.pk)),
    ]
    first = entries[0]
    assert first.action == AuditEntry.Action.PERMISSION_CHANGE
    assert first.actor is None
    assert first.object_label == "华信 ERP 升级"
    assert first.extra["share_id"] == long_gone.pk and first.extra["user"] == "charlie"
    assert first.changes["share.user"] == [personas.charlie.pk, None]
    assert entries[1].extra["share_id"] == customer_gone.pk
    assert audit_verify().ok


def test_cleanup_audits_a_share_whose_record_is_gone(personas, deal):
    gone = expired(share(deal, personas.charlie, personas.alice), days_ago=40)
    deal_pk = deal.pk
    type(deal)._base_manager.filter(pk=deal_pk).delete()

    assert share_delete_expired(older_than_days=30) == 1

    [entry] = AuditEntry.objects.filter(extra__event="share_cleanup")
    assert (entry.object_type, entry.object_id) == ("deals.deal", str(deal_pk))
    assert entry.extra["share_id"] == gone.pk


def test_the_command_takes_days_and_says_how_many_it_removed(personas, deal, capsys):
    expired(share(deal, personas.charlie, personas.alice), days_ago=10)
    expired(share(deal.customer, personas.charlie, personas.alice), days_ago=3)

    call_command("share_cleanup")
    assert "Removed 0 expired share(s)." in capsys.readouterr().out
    assert Share.objects.count() == 2

    call_command("share_cleanup", "--days", "5")
    assert "Removed 1 expired share(s)." in capsys.readouterr().out
    assert Share.objects.count() == 1

    with pytest.raises(CommandError):
        call_command("share_cleanup", "--days", "-1")
