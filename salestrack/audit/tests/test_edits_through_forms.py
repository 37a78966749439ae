"""Edits made through the forms record what changed (the form copies new values onto the
instance before the service runs: the service must read the stored ones)."""

from django.urls import reverse

from salestrack.audit.models import AuditEntry
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory


def test_customer_edit_records_before(client, personas):
    c = CustomerFactory(owner=personas.alice, industry="制造业")
    client.force_login(personas.alice)
    r = client.post(
        reverse("customers:edit", args=[c.pk]),
        {
            "name": c.name,
            "industry": "零售",
            "region": "",
            "size": "",
            "source": "",
            "budget": "",
            "tier": "B",
            "owner": personas.alice.pk,
            "pain_points": "",
            "version": c.version,
        },
    )
    assert r.status_code == 302
    e = AuditEntry.objects.filter(object_type="customers.customer", action="update").last()
    assert e.changes.get("industry") == ["制造业", "零售"], e.changes


def test_a_tier_changed_on_the_form_becomes_a_manual_override(client, personas):
    from salestrack.customers.models import Customer

    c = CustomerFactory(owner=personas.alice, tier="B")
    client.force_login(personas.alice)
    data = {"name": c.name, "tier": "A", "owner": personas.alice.pk, "version": c.version}
    assert client.post(reverse("customers:edit", args=[c.pk]), data).status_code == 302
    c.refresh_from_db()
    assert (c.tier, c.tier_source) == ("A", Customer.TierSource.MANUAL)


def test_deal_edit_records_before(client, personas):
    d = DealFactory(customer__owner=personas.alice, competitor="甲")
    client.force_login(personas.alice)
    r = client.post(
        reverse("deals:edit", args=[d.pk]),
        {
            "title": d.title,
            "customer": d.customer_id,
            "amount": "100000.00",
            "owner": personas.alice.pk,
            "competitor": "乙",
            "version": d.version,
            "probability": d.probability or "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    e = AuditEntry.objects.filter(object_type="deals.deal", action="update").last()
    assert e.changes.get("competitor") == ["甲", "乙"], e.changes
