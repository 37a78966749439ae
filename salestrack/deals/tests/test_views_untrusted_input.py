"""Lists refuse values they do not know; forms ignore fields they do not declare."""

from decimal import Decimal

import pytest
from django.urls import reverse

from salestrack.core.exceptions import ApplicationError
from salestrack.core.tests.i18n import zh
from salestrack.customers.models import Customer
from salestrack.deals.models import Deal
from salestrack.deals.selectors import DealFilters, deal_list
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db


def test_it_refuses_an_unknown_sort_in_the_selector(personas):
    with pytest.raises(ApplicationError):
        deal_list(user=personas.alice, filters=DealFilters(), sort="amount; drop table")


@pytest.mark.parametrize("htmx", [False, True])
def test_it_explains_an_unknown_sort_on_the_deal_list(client, personas, htmx):
    DealFactory(owner=personas.alice, title="华信 ERP")
    client.force_login(personas.alice)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    r = client.get(reverse("deals:list"), {"sort": "-password"}, **headers)

    assert r.status_code == 200
    assert zh("Filters not applied:") in r.content.decode()
    assert "华信 ERP" in r.content.decode()


def test_it_explains_an_unknown_sort_on_the_customer_list(client, personas):
    client.force_login(personas.alice)

    r = client.get(reverse("customers:list"), {"sort": "owner__password"})

    assert r.status_code == 200
    assert zh("Filters not applied:") in r.content.decode()


def test_it_ignores_fields_the_deal_form_does_not_offer(client, personas, stages):
    deal = DealFactory(customer__owner=personas.alice, amount=Decimal("1000.00"))
    client.force_login(personas.alice)
    data = {
        "title": "改名",
        "customer": deal.customer_id,
        "amount": "2000.00",
        "owner": personas.alice.pk,
        "version": deal.version,
        # not on the form:
        "status": "won",
        "stage": stages["Won"].pk,
        "team": personas.team_b.pk,
        "stage_entered_at": "2020-01-01 00:00",
        "closed_at": "2020-01-01 00:00",
        "lost_reason": "x",
        "next_due_on": "2030-01-01",
    }

    r = client.post(reverse("deals:edit", args=[deal.pk]), data)

    assert r.status_code == 302
    after = Deal.objects.get(pk=deal.pk)
    assert (after.title, after.amount) == ("改名", Decimal("2000.00"))
    assert after.status == Deal.Status.OPEN
    assert after.stage == deal.stage
    assert after.team == personas.team_a
    assert after.closed_at is None
    assert after.lost_reason == ""
    assert after.next_due_on == deal.next_due_on
    assert after.stage_entered_at == deal.stage_entered_at


def test_it_ignores_fields_the_customer_form_does_not_offer(client, personas):
    client.force_login(personas.alice)
    data = {
        "name": "云帆物流",
        "tier": "B",
        "owner": personas.alice.pk,
        "team": personas.team_b.pk,
        "search_key": "hacked",
        "version": "99",
        "last_activity_at": "2020-01-01 00:00",
    }

    r = client.post(reverse("customers:create"), data)

    assert r.status_code == 302
    customer = Customer.objects.get(name="云帆物流")
    assert customer.team == personas.team_a
    assert customer.version == 1
    assert customer.last_activity_at is None
    assert "hacked" not in customer.search_key
