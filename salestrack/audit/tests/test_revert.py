import datetime
from decimal import Decimal

import pytest
from django.contrib import messages
from django.urls import reverse

from salestrack.access.services import share_grant
from salestrack.audit.models import AuditEntry
from salestrack.audit.selectors import audit_verify
from salestrack.audit.services import audit_record
from salestrack.customers.models import Customer
from salestrack.customers.services import customer_update
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.services import deal_move_stage, deal_update
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db


def _revert_url(entry: AuditEntry) -> str:
    return reverse("audit:revert", args=[entry.seq])


def _entries(record) -> list[tuple[str, dict]]:
    """(action, changes) of the record's write entries, oldest first."""
    return [
        (e.action, e.changes)
        for e in AuditEntry.objects.filter(
            object_type=record._meta.label_lower, object_id=str(record.pk)
        )
        .exclude(action=AuditEntry.Action.VIEW)
        .order_by("seq")
    ]


def _written() -> int:
    """Entries other than the logins force_login records."""
    return AuditEntry.objects.exclude(action=AuditEntry.Action.LOGIN).count()


def _levels(response) -> list[int]:
    return [m.level for m in messages.get_messages(response.wsgi_request)]


@pytest.fixture
def customer(personas) -> Customer:
    """Alice's customer whose budget Alice changed from 50 000 to 80 000 (entry: `changed`)."""
    customer = CustomerFactory(owner=personas.alice, budget=Decimal("50000.00"), tier="B")
    return customer_update(
        customer=customer,
        actor=personas.alice,
        expected_version=customer.version,
        data={"budget": Decimal("80000"), "tier": "A"},
    )


@pytest.fixture
def changed(customer) -> AuditEntry:
    return AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).latest("seq")


def test_it_reverts_a_customer_field_through_the_update_service(
    client, personas, customer, changed
):
    client.force_login(personas.alice)
    r = client.post(_revert_url(changed), {"field": "budget"})

    assert r.status_code == 302
    assert r.url == customer.get_absolute_url()
    assert _levels(r) == [messages.SUCCESS]
    after = Customer.objects.get(pk=customer.pk)
    assert after.budget == Decimal("50000.00")
    assert after.tier == "A"  # only the reverted field goes back
    assert after.version == customer.version + 1
    *_, update, revert = _entries(customer)
    assert update == ("update", {"budget": ["80000.00", "50000.00"]})
    assert revert == ("revert", {"budget": ["80000.00", "50000.00"]})
    entry = AuditEntry.objects.latest("seq")
    assert entry.extra == {"reverted_seq": changed.seq, "field": "budget"}
    assert entry.actor == personas.alice
    assert audit_verify().ok


def test_it_reverts_a_customer_owner_and_its_team(client, personas, customer):
    customer = customer_update(
        customer=customer,
        actor=personas.admin,
        expected_version=customer.version,
        data={"owner": personas.charlie},
    )
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).latest("seq")
    client.force_login(personas.admin)
    client.post(_revert_url(entry), {"field": "owner"})
    customer.refresh_from_db()
    assert (customer.owner, customer.team) == (personas.alice, personas.team_a)


def test_it_reverts_a_deal_field(client, personas):
    deal = DealFactory(customer=CustomerFactory(owner=personas.alice), expected_close_date=None)
    deal = deal_update(
        deal=deal,
        actor=personas.alice,
        expected_version=deal.version,
        data={"expected_close_date": datetime.date(2026, 6, 30), "amount": Decimal("120000")},
    )
    deal_update(
        deal=deal,
        actor=personas.alice,
        expected_version=deal.version,
        data={"expected_close_date": datetime.date(2026, 9, 30)},
    )
    first, second = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).order_by("seq")
    client.force_login(personas.alice)

    r = client.post(_revert_url(first), {"field": "amount"})
    assert r.url == deal.get_absolute_url()
    r = client.post(_revert_url(second), {"field": "expected_close_date"})

    assert _levels(r) == [messages.SUCCESS, messages.SUCCESS]
    after = Deal.objects.get(pk=deal.pk)
    assert after.amount == Decimal("100000.00")
    assert after.expected_close_date == datetime.date(2026, 6, 30)
    assert after.version == deal.version + 2  # `deal` holds the second update; two reverts
    actions = [action for action, _ in _entries(deal)]
    assert actions[-4:] == ["update", "revert", "update", "revert"]
    assert audit_verify().ok


def test_it_refuses_when_the_field_changed_again_since(client, personas, customer, changed):
    customer = customer_update(
        customer=customer,
        actor=personas.alice,
        expected_version=customer.version,
        data={"budget": Decimal("90000")},
    )
    count = _written()
    client.force_login(personas.alice)

    r = client.post(_revert_url(changed), {"field": "budget"})

    assert r.status_code == 302
    assert r.url == customer.get_absolute_url()
    assert _levels(r) == [messages.ERROR]
    assert Customer.objects.get(pk=customer.pk).budget == Decimal("90000.00")
    assert Customer.objects.get(pk=customer.pk).version == customer.version
    assert _written() == count


@pytest.mark.parametrize("field", ["version", "search_key", "updated_at", "missing"])
def test_it_refuses_fields_it_cannot_revert(client, personas, customer, changed, field):
    count = _written()
    client.force_login(personas.alice)
    r = client.post(_revert_url(changed), {"field": field})
    assert _levels(r) == [messages.ERROR]
    assert _written() == count
    assert Customer.objects.get(pk=customer.pk).version == customer.version


def test_it_refuses_a_stage_move(client, personas, stages):
    deal = DealFactory(customer=CustomerFactory(owner=personas.alice))
    deal_move_stage(
        deal=deal,
        to_stage=stages["Lost"],
        actor=personas.alice,
        expected_version=deal.version,
        facts={"lost_reason": "价格"},
    )
    move = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).latest("seq")
    count = _written()
    client.force_login(personas.alice)
    r = client.post(_revert_url(move), {"field": "stage"})
    assert _levels(r) == [messages.ERROR]
    assert Deal.objects.get(pk=deal.pk).stage == stages["Lost"]
    assert _written() == count


def test_it_refuses_entries_that_are_not_updates(client, personas, customer):
    created = audit_record(
        actor=personas.alice,
        action=AuditEntry.Action.CREATE,
        obj=customer,
        changes={"name": [None, customer.name]},
    )
    count = _written()
    client.force_login(personas.alice)
    r = client.post(_revert_url(created), {"field": "name"})
    assert _levels(r) == [messages.ERROR]
    assert _written() == count


def test_it_refuses_an_owner_who_is_no_longer_active(client, personas, customer):
    customer = customer_update(
        customer=customer,
        actor=personas.admin,
        expected_version=customer.version,
        data={"owner": personas.bob},
    )
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).latest("seq")
    personas.alice.is_active = False
    personas.alice.save()
    count = _written()
    client.force_login(personas.admin)
    r = client.post(_revert_url(entry), {"field": "owner"})
    assert _levels(r) == [messages.ERROR]
    assert Customer.objects.get(pk=customer.pk).owner == personas.bob
    assert _written() == count


@pytest.mark.parametrize("who", ["charlie", "bob"])  # reps see their own records only
def test_it_answers_404_outside_the_scope_and_changes_nothing(
    client, personas, customer, changed, who
):
    before = Customer.objects.filter(pk=customer.pk).values().get()
    count = _written()
    client.force_login(getattr(personas, who))
    r = client.post(_revert_url(changed), {"field": "budget"})
    assert r.status_code == 404
    assert Customer.objects.filter(pk=customer.pk).values().get() == before
    assert _written() == count


def test_it_answers_403_on_a_read_only_share(client, personas, customer, changed):
    share_grant(
        obj=customer, user=personas.bob, can_edit=False, expires_at=None, actor=personas.alice
    )
    before = Customer.objects.filter(pk=customer.pk).values().get()
    count = _written()
    client.force_login(personas.bob)
    r = client.post(_revert_url(changed), {"field": "budget"})
    assert r.status_code == 403
    assert Customer.objects.filter(pk=customer.pk).values().get() == before
    assert _written() == count


def test_it_answers_403_for_a_field_the_role_may_only_read(client, personas):
    deal = DealFactory(customer=CustomerFactory(owner=personas.alice))
    deal = deal_update(
        deal=deal, actor=personas.alice, expected_version=deal.version, data={"title": "新标题"}
    )
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).latest("seq")
    personas.bob.role = "finance"  # edits deals, but reads their titles only
    personas.bob.save()
    count = _written()
    client.force_login(personas.bob)
    r = client.post(_revert_url(entry), {"field": "title"})
    assert r.status_code == 403
    assert Deal.objects.get(pk=deal.pk).title == "新标题"
    assert _written() == count


def test_it_answers_404_for_entries_of_other_kinds_and_unknown_numbers(client, personas):
    client.force_login(personas.admin)
    login = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN)
    assert client.post(_revert_url(login), {"field": "x"}).status_code == 404
    assert client.post(reverse("audit:revert", args=[999999]), {"field": "x"}).status_code == 404


def test_it_takes_post_only(client, personas, customer, changed):
    client.force_login(personas.alice)
    assert client.get(_revert_url(changed), {"field": "budget"}).status_code == 405


def test_the_history_card_offers_revert_to_the_owner_only(client, personas, customer, changed):
    share_grant(
        obj=customer, user=personas.bob, can_edit=False, expires_at=None, actor=personas.alice
    )
    url = customer.get_absolute_url()
    action = f'action="{_revert_url(changed)}"'

    client.force_login(personas.alice)
    page = client.get(url).content.decode()
    assert action in page
    assert 'data-revert="budget"' in page
    assert 'data-revert="tier"' in page

    client.force_login(personas.bob)
    page = client.get(url).content.decode()
    assert "data-revert" not in page
    assert action not in page


def test_the_history_card_offers_no_revert_for_a_stale_change(client, personas, customer, changed):
    customer_update(
        customer=customer,
        actor=personas.alice,
        expected_version=customer.version,
        data={"budget": Decimal("90000")},
    )
    client.force_login(personas.alice)
    page = client.get(customer.get_absolute_url()).content.decode()
    assert page.count('data-revert="budget"') == 1  # the latest change only
    assert 'data-revert="tier"' in page


def test_the_deal_history_card_offers_no_revert_for_the_stage(client, personas, stages):
    deal = DealFactory(customer=CustomerFactory(owner=personas.alice))
    deal = deal_move_stage(
        deal=deal,
        to_stage=stages["Lost"],
        actor=personas.alice,
        expected_version=deal.version,
        facts={"lost_reason": "价格"},
    )
    deal_update(deal=deal, actor=personas.alice, expected_version=deal.version, data={"title": "X"})
    client.force_login(personas.alice)
    page = client.get(deal.get_absolute_url()).content.decode()
    assert 'data-revert="title"' in page
    assert 'data-revert="stage"' not in page
