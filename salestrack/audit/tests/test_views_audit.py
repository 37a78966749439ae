import pytest
from django.urls import reverse

from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_record
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.services import deal_update
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db

AUDIT = reverse("audit:list")


@pytest.fixture
def entries(personas):
    audit_record(actor=personas.alice, action="update", object_type="deals.deal", object_id="7")
    audit_record(actor=personas.bob, action="export", object_type="customers.customer")
    audit_record(
        actor=personas.alice, action="view", object_type="customers.customer", object_id="9"
    )


@pytest.mark.parametrize("who", ["alice", "charlie", "mia"])
def test_it_forbids_the_audit_page_to_reps_and_managers(client, personas, entries, who):
    client.force_login(getattr(personas, who))
    assert client.get(AUDIT).status_code == 403


def test_it_shows_the_audit_page_to_admins_newest_first(client, personas, entries):
    client.force_login(personas.admin)
    r = client.get(AUDIT)
    assert r.status_code == 200
    seqs = [e.seq for e in r.context["page"].object_list]
    assert seqs == sorted(seqs, reverse=True)
    assert 'href="/audit/"' in r.content.decode()


def test_it_filters_by_user_action_and_record(client, personas, entries):
    client.force_login(personas.admin)
    r = client.get(AUDIT, {"actor": personas.alice.pk, "action": "view"})
    assert [e.object_id for e in r.context["page"].object_list] == ["9"]
    r = client.get(AUDIT, {"object_type": "deals.deal", "object_id": "7"})
    assert [e.actor_label for e in r.context["page"].object_list] == ["alice"]


def test_it_filters_by_time_range(client, personas, entries):
    client.force_login(personas.admin)
    r = client.get(AUDIT, {"since": "2000-01-01", "until": "2000-01-31"})
    assert r.context["page"].object_list == []
    r = client.get(AUDIT, {"since": "2000-01-01"})
    assert len(r.context["page"].object_list) == 4  # the three entries and the login


def test_it_refuses_unknown_filter_values_with_a_message(client, personas, entries):
    client.force_login(personas.admin)
    r = client.get(AUDIT, {"action": "drop_table", "object_type": "nope.nope"})
    assert r.status_code == 200
    assert r.context["page"].object_list == []
    assert "drop_table" in r.context["form"].errors["action"][0]
    assert "nope.nope" in r.context["form"].errors["object_type"][0]
    r = client.get(AUDIT, {"since": "2026-02-01", "until": "2026-01-01"})
    assert r.context["form"].non_field_errors()


def test_it_hides_the_audit_link_from_reps(client, personas):
    client.force_login(personas.alice)
    assert 'href="/audit/"' not in client.get(reverse("deals:board")).content.decode()


def test_it_records_a_view_of_a_customer_detail_page(client, personas):
    customer = CustomerFactory(owner=personas.alice)
    client.force_login(personas.alice)
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    [entry] = AuditEntry.objects.filter(action="view")
    assert (entry.object_type, entry.object_id) == ("customers.customer", str(customer.pk))
    assert entry.actor == personas.alice
    assert entry.ip == "127.0.0.1"


def test_it_records_a_view_of_a_deal_detail_page(client, personas):
    deal = DealFactory(customer=CustomerFactory(owner=personas.alice))
    client.force_login(personas.mia)
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 200
    [entry] = AuditEntry.objects.filter(action="view")
    assert (entry.object_type, entry.object_id) == ("deals.deal", str(deal.pk))
    assert entry.actor == personas.mia


def test_it_records_no_view_for_an_outsider(client, personas):
    deal = DealFactory(customer=CustomerFactory(owner=personas.alice))
    client.force_login(personas.charlie)
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="view").exists()


def test_it_shows_the_history_card_on_the_deal_page(client, personas):
    deal = DealFactory(customer=CustomerFactory(owner=personas.alice), title="旧标题")
    deal_update(
        deal=deal, actor=personas.bob, expected_version=deal.version, data={"title": "新标题"}
    )
    client.force_login(personas.alice)
    body = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert "data-audit-history" in body
    assert "旧标题 → 新标题" in body
    assert "bob" in body
