"""The hand-over page: form, preview, confirm, log; who may use it."""

import pytest
from django.test import Client
from django.urls import reverse

from salestrack.activities.models import FollowUp
from salestrack.audit.models import AuditEntry
from salestrack.core.tests.factories import TeamFactory, UserFactory
from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.handover.models import HandOver
from salestrack.handover.tests.factories import HandOverFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("handover:index")
EXECUTE = reverse("handover:execute")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def confirm_data(personas, book, **changes) -> dict:
    customers, deals, followups = book.counts
    data = {
        "from_user": personas.alice.pk,
        "to_user": personas.charlie.pk,
        "customers": customers,
        "deals": deals,
        "followups": followups,
        "note": "交接给查理",
    }
    return {**data, **changes}


def owners() -> tuple:
    return (
        sorted(Customer.all_objects.values_list("pk", "owner")),
        sorted(Deal.all_objects.values_list("pk", "owner")),
        sorted(FollowUp.objects.values_list("pk", "owner")),
        HandOver.objects.count(),
    )


def test_the_page_renders_for_admin(personas):
    HandOverFactory(from_user=personas.charlie, to_user=personas.bob, note="离职交接备注")
    response = client_for(personas.admin).get(INDEX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-handover-form" in html and "data-handover-preview" not in html
    assert "离职交接备注" in html
    assert f'href="{INDEX}"' in html  # the nav link


def test_the_nav_link_is_hidden_from_reps(personas):
    html = client_for(personas.alice).get(reverse("customers:list")).content.decode()
    assert f'href="{INDEX}"' not in html


def test_it_previews_counts_and_rows(personas, book):
    before = owners()
    response = client_for(personas.mia).get(
        INDEX, {"from_user": personas.alice.pk, "to_user": personas.charlie.pk}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<dd data-count="customers">3</dd>' in html
    assert '<dd data-count="deals">3</dd>' in html
    assert '<dd data-count="followups">2</dd>' in html
    assert "华信科技有限公司" in html and "东方 MES 项目" in html and "发送报价" in html
    assert "鲍勃的商机" not in html
    assert f'action="{EXECUTE}"' in html
    assert 'name="customers" value="3"' in html
    assert owners() == before


def test_it_executes_and_redirects_with_a_message(personas, book):
    client = client_for(personas.mia)
    response = client.post(EXECUTE, confirm_data(personas, book, deactivate="on"))
    assert response.status_code == 302 and response.url == INDEX
    assert Customer.all_objects.filter(owner=personas.charlie).count() == 3
    assert Deal.all_objects.filter(owner=personas.charlie).count() == 3
    assert FollowUp.objects.filter(owner=personas.charlie, done_at=None).count() == 2
    handover = HandOver.objects.get()
    assert handover.deactivated and handover.note == "交接给查理"
    personas.alice.refresh_from_db()
    assert not personas.alice.is_active
    page = client.get(INDEX)
    assert [m.level_tag for m in page.context["messages"]] == ["success"]
    assert "交接给查理" in page.content.decode()


def test_it_answers_a_conflict_with_the_new_preview(personas, book):
    CustomerFactory(owner=personas.alice)
    before = owners()
    client = client_for(personas.admin)
    response = client.post(EXECUTE, confirm_data(personas, book))
    assert response.status_code == 302
    assert response.url == f"{INDEX}?from_user={personas.alice.pk}&to_user={personas.charlie.pk}"
    assert owners() == before
    page = client.get(response.url)
    assert [m.level_tag for m in page.context["messages"]] == ["error"]
    assert '<dd data-count="customers">4</dd>' in page.content.decode()


def test_it_shows_a_refusal_as_a_form_error(personas, book):
    gone = UserFactory(username="gone", team=personas.team_a, is_active=False)
    response = client_for(personas.admin).get(
        INDEX, {"from_user": gone.pk, "to_user": personas.bob.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "data-handover-preview" not in response.content.decode()


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_it_answers_403_to_reps(personas, book, who):
    client = client_for(getattr(personas, who))
    before = owners()
    assert client.get(INDEX).status_code == 403
    params = {"from_user": personas.alice.pk, "to_user": personas.bob.pk}
    assert client.get(INDEX, params).status_code == 403
    assert client.post(EXECUTE, confirm_data(personas, book)).status_code == 403
    assert owners() == before


def test_a_manager_cannot_hand_over_outside_their_department(personas, book):
    elsewhere = TeamFactory(name="华南大区")
    olga = UserFactory(username="olga", team=elsewhere)
    CustomerFactory(owner=olga, name="华南客户")
    before = owners()
    client = client_for(personas.mia)

    preview = client.get(INDEX, {"from_user": olga.pk, "to_user": personas.bob.pk})
    assert preview.status_code == 200 and preview.context["form"].errors
    assert "华南客户" not in preview.content.decode()
    post = client.post(EXECUTE, confirm_data(personas, book, from_user=olga.pk, customers=1))
    assert post.status_code == 302
    post = client.post(EXECUTE, confirm_data(personas, book, to_user=olga.pk))
    assert post.status_code == 302
    assert owners() == before
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).exists()


def test_it_refuses_the_same_person_on_both_sides(personas, book):
    before = owners()
    client = client_for(personas.admin)
    response = client.get(INDEX, {"from_user": personas.alice.pk, "to_user": personas.alice.pk})
    assert response.context["form"].non_field_errors()
    client.post(EXECUTE, confirm_data(personas, book, to_user=personas.alice.pk))
    assert owners() == before


def test_the_log_is_paginated_newest_first(personas, settings):
    settings.SALESTRACK_LIST_PAGE_SIZE = 2
    for n in range(3):
        HandOverFactory(from_user=personas.alice, to_user=personas.bob, note=f"第{n}次")
    client = client_for(personas.admin)
    first = client.get(INDEX).content.decode()
    assert "第2次" in first and "第1次" in first and "第0次" not in first
    assert "第0次" in client.get(INDEX, {"page": 2}).content.decode()
