"""Proposals page and decisions (scope: 404 outside), the customer page's tier card, rules page."""

import pytest
from django.urls import reverse

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.tiers.models import TierProposal

pytestmark = pytest.mark.django_db

PROPOSALS = reverse("tiers:proposals")


@pytest.fixture
def proposal(personas) -> TierProposal:
    customer = CustomerFactory(owner=personas.alice, tier="A", name="华信科技有限公司")
    return TierProposal.objects.create(
        customer=customer,
        kind="downgrade",
        from_tier="A",
        to_tier="B",
        reasons=[{"code": "no_response", "params": {"days": 14, "since": "2026-02-24"}}],
    )


def test_it_lists_open_proposals_in_the_users_scope(client, personas, proposal):
    client.force_login(personas.mia)
    assert f'data-proposal="{proposal.pk}"' in client.get(PROPOSALS).content.decode()
    client.force_login(personas.charlie)
    assert f'data-proposal="{proposal.pk}"' not in client.get(PROPOSALS).content.decode()


def test_a_rep_cannot_decide_for_someone_elses_customer(client, personas, proposal):
    client.force_login(personas.bob)
    for name in ("tiers:accept", "tiers:dismiss"):
        assert client.post(reverse(name, args=[proposal.pk])).status_code == 404
    proposal.refresh_from_db()
    assert proposal.decision == ""


def test_the_owner_accepts_and_the_tier_changes(client, personas, proposal):
    client.force_login(personas.alice)
    response = client.post(reverse("tiers:accept", args=[proposal.pk]))
    assert response.status_code == 302
    proposal.customer.refresh_from_db()
    assert (proposal.customer.tier, proposal.customer.tier_source) == ("B", "manual")


def test_a_manager_dismisses_and_the_tier_stays(client, personas, proposal):
    client.force_login(personas.mia)
    client.post(reverse("tiers:dismiss", args=[proposal.pk]))
    proposal.refresh_from_db()
    proposal.customer.refresh_from_db()
    assert (proposal.decision, proposal.customer.tier) == ("dismissed", "A")


def test_the_customer_page_shows_the_tier_card_and_the_proposal(client, personas, proposal):
    client.force_login(personas.alice)
    html = client.get(proposal.customer.get_absolute_url()).content.decode()
    assert "data-tier-card" in html
    assert f'data-tier-proposal="{proposal.pk}"' in html
    assert 'data-tier-source="auto"' in html
    assert reverse("tiers:override", args=[proposal.customer.pk]) in html


def test_a_manual_override_from_the_card(client, personas, proposal):
    customer = proposal.customer
    client.force_login(personas.alice)
    url = reverse("tiers:override", args=[customer.pk])
    client.post(url, {"tier": "C", "reason": "客户换了负责人", "version": customer.version})
    customer.refresh_from_db()
    assert (customer.tier, customer.tier_source, customer.tier_reason) == (
        "C",
        "manual",
        "客户换了负责人",
    )
    client.force_login(personas.charlie)
    assert client.post(url, {"tier": "A", "reason": "x", "version": 2}).status_code == 404


def test_the_rules_page_explains_the_tiers(client, personas):
    client.force_login(personas.alice)
    assert "data-tier-rules" in client.get(reverse("tiers:rules")).content.decode()
