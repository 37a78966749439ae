"""Bulk changes from the customer and deal lists: rights, scope, all-or-nothing, audit."""

import pytest
from django.urls import reverse

from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.tests.factories import DealFactory


def _snapshot() -> list:
    customers = list(Customer.objects.order_by("pk").values_list("pk", "owner", "tier", "version"))
    deals = list(Deal.objects.order_by("pk").values_list("pk", "owner", "team", "version"))
    return [customers, deals, AuditEntry.objects.count()]


@pytest.fixture
def book(personas):
    return {
        "alice": CustomerFactory(owner=personas.alice, tier="B"),
        "bob": CustomerFactory(owner=personas.bob, tier="B"),
        "charlie": CustomerFactory(owner=personas.charlie, tier="C"),
    }


def test_a_manager_reassigns_and_retiers_customers_in_one_go(client, personas, book):
    client.force_login(personas.mia)
    ids = [book["alice"].pk, book["charlie"].pk]
    r = client.post(
        reverse("customers:bulk"),
        {"ids": ids, "owner": personas.bob.pk, "tier": "A", "next": "/customers/?tier=B"},
    )
    assert r.status_code == 302 and r["Location"] == "/customers/?tier=B"
    moved = Customer.objects.filter(pk__in=ids)
    assert {(c.owner_id, c.team_id, c.tier, c.version) for c in moved} == {
        (personas.bob.pk, personas.team_a.pk, "A", 2)
    }
    entries = AuditEntry.objects.filter(extra__event="bulk").order_by("seq")
    assert [e.object_id for e in entries] == [str(i) for i in sorted(ids)]
    changes = entries[1].changes
    assert changes["owner"] == [personas.charlie.pk, personas.bob.pk]
    assert changes["team"] == [personas.team_b.pk, personas.team_a.pk]
    assert changes["tier"] == ["C", "A"]
    assert changes["tier_source"] == ["auto", "manual"]


def test_a_rep_may_not_bulk_change(client, personas, book):
    client.force_login(personas.alice)
    before = _snapshot()
    r = client.post(reverse("customers:bulk"), {"ids": [book["alice"].pk], "tier": "A"})
    assert r.status_code == 403
    assert _snapshot() == before
    assert b"data-check-all" not in client.get(reverse("customers:list")).content


def test_one_record_out_of_reach_refuses_the_whole_change(client, personas, book):
    outsider = CustomerFactory()  # another department: not in Mia's subtree
    client.force_login(personas.mia)
    before = _snapshot()
    r = client.post(
        reverse("customers:bulk"),
        {"ids": [book["alice"].pk, outsider.pk], "tier": "A"},
        follow=True,
    )
    assert _snapshot() == before
    assert [m.level_tag for m in r.context["messages"]] == ["error"]


def test_the_new_owner_must_be_within_reach(client, personas, book):
    stranger = User.objects.create(username="stranger", role="rep")
    client.force_login(personas.mia)
    before = _snapshot()
    client.post(reverse("customers:bulk"), {"ids": [book["alice"].pk], "owner": stranger.pk})
    assert _snapshot() == before


def test_a_finance_user_may_not_reassign_deals(client, personas):
    deal = DealFactory(customer__owner=personas.alice)
    finance = personas.charlie
    finance.role = "finance"
    finance.save()
    client.force_login(finance)
    before = _snapshot()
    r = client.post(reverse("deals:bulk"), {"ids": [deal.pk], "owner": personas.bob.pk})
    assert r.status_code == 403
    assert _snapshot() == before


def test_a_manager_reassigns_deals_from_the_list(client, personas):
    deals = [DealFactory(customer__owner=personas.alice) for _ in range(3)]
    client.force_login(personas.mia)
    page = client.get(reverse("deals:list"))
    assert b'form="bulk"' in page.content and b'action="/deals/bulk/"' in page.content
    r = client.post(
        reverse("deals:bulk"), {"ids": [d.pk for d in deals[:2]], "owner": personas.charlie.pk}
    )
    assert r.status_code == 302
    owners = dict(Deal.objects.values_list("pk", "owner"))
    assert [owners[d.pk] for d in deals] == [personas.charlie.pk] * 2 + [personas.alice.pk]
    assert Deal.objects.get(pk=deals[0].pk).team_id == personas.team_b.pk


def test_garbage_ids_change_nothing(client, personas, book):
    client.force_login(personas.mia)
    before = _snapshot()
    client.post(reverse("customers:bulk"), {"ids": ["1 OR 1=1"], "tier": "A"})
    client.post(reverse("customers:bulk"), {"ids": [], "tier": "A"})
    client.post(reverse("customers:bulk"), {"ids": [book["alice"].pk], "tier": "Z"})
    assert _snapshot() == before


def test_a_tier_set_in_bulk_or_on_the_form_is_a_manual_override(client, personas, book):
    client.force_login(personas.mia)
    client.post(reverse("customers:bulk"), {"ids": [book["alice"].pk], "tier": "A"})
    customer = Customer.objects.get(pk=book["alice"].pk)
    assert (customer.tier, customer.tier_source) == ("A", Customer.TierSource.MANUAL)
    assert "米娅" in customer.tier_reason
