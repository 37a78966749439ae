"""The pool page (shared, field levels kept), claim and release buttons, role checks."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from salestrack.access.models import FieldLevel, FieldPolicy, Role
from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.pool.services import pool_release

pytestmark = pytest.mark.django_db

POOL = reverse("pool:index")


@pytest.fixture
def pooled(personas) -> Customer:
    customer = CustomerFactory(owner=personas.alice, name="华信科技有限公司")
    ContactFactory(customer=customer, name="王经理", phone="13912345678")
    return pool_release(customer=customer, actor=personas.alice)


def test_every_sales_rep_sees_the_pool_with_contact_fields_as_their_role_allows(
    client, personas, pooled
):
    FieldPolicy.objects.update_or_create(
        role=Role.objects.get(key="rep"),
        object_type="contact",
        field="phone",
        defaults={"level": FieldLevel.MASKED},
    )
    client.force_login(personas.charlie)  # another team: outside his record scope
    html = client.get(POOL).content.decode()
    assert f'data-pool-customer="{pooled.pk}"' in html
    assert "139****5678" in html and "13912345678" not in html


def test_roles_outside_sales_get_403(client, personas, pooled):
    personas.bob.role = "finance"
    personas.bob.save()
    client.force_login(personas.bob)
    assert client.get(POOL).status_code == 403
    assert client.post(reverse("pool:claim", args=[pooled.pk])).status_code == 403
    pooled.refresh_from_db()
    assert pooled.in_pool_since is not None


def test_claim_from_the_pool_page(client, personas, pooled):
    client.force_login(personas.charlie)
    response = client.post(reverse("pool:claim", args=[pooled.pk]))
    assert response.status_code == 302
    pooled.refresh_from_db()
    assert pooled.owner == personas.charlie and pooled.in_pool_since is None
    html = client.get(pooled.get_absolute_url()).content.decode()
    assert 'data-pool-card="owned"' in html


def test_release_from_the_customer_page_only_in_write_scope(client, personas):
    customer = CustomerFactory(owner=personas.alice)
    client.force_login(personas.bob)
    assert client.post(reverse("pool:release", args=[customer.pk])).status_code == 404
    client.force_login(personas.alice)
    assert 'data-pool-card="owned"' in client.get(customer.get_absolute_url()).content.decode()
    client.post(reverse("pool:release", args=[customer.pk]), {"reason": "不再需要"})
    customer.refresh_from_db()
    assert customer.released_by == personas.alice


def test_the_pool_page_lists_the_owners_customers_soon_in_the_pool(client, personas, pooled):
    soon = CustomerFactory(owner=personas.alice, name="东方明珠集团")
    Customer.objects.filter(pk=soon.pk).update(
        last_activity_at=timezone.now() - datetime.timedelta(days=28)
    )
    client.force_login(personas.alice)
    html = client.get(POOL).content.decode()
    assert f'data-soon="{soon.pk}"' in html
    # pooled customers leave the previous owner's list
    listed = client.get(reverse("customers:list")).content.decode()
    assert "东方明珠集团" in listed and "华信科技有限公司" not in listed
