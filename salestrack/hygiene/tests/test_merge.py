"""Merging duplicate customers: everything moves, both histories stay, refusals change nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from salestrack.access.models import ObjectPolicy
from salestrack.activities.models import FollowUp
from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.audit.models import AuditEntry
from salestrack.core.exceptions import ConflictError
from salestrack.customers.models import Contact, Customer
from salestrack.customers.selectors import customer_list
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.tests.factories import DealFactory
from salestrack.hygiene.services import customer_merge
from salestrack.trash.services import record_restore

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(personas):
    keep = CustomerFactory(
        owner=personas.alice, name="华信科技有限公司", industry="制造业", budget=None
    )
    gone = CustomerFactory(
        owner=personas.bob,
        name="华信科技（上海）有限公司",
        industry="软件",
        budget=Decimal("500000"),
    )
    ContactFactory(customer=keep, name="王芳", phone="13812345678")
    ContactFactory(customer=gone, name="李雷", phone="13987654321", email="lilei@huaxin.cn")
    DealFactory(customer=gone, title="华信 ERP 二期")
    FollowUpFactory(customer=gone, summary="上海分公司来电")
    keep.refresh_from_db()
    gone.refresh_from_db()
    return keep, gone


def snapshot() -> dict:
    """Everything a merge may touch, as stored."""
    return {
        "customers": list(Customer.all_objects.order_by("pk").values()),
        "contacts": list(Contact.all_objects.order_by("pk").values()),
        "deals": list(Deal.all_objects.order_by("pk").values()),
        "followups": list(FollowUp.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
    }


def merge(actor, keep, gone, **kwargs):
    return customer_merge(
        survivor=keep,
        merged=gone,
        actor=actor,
        survivor_version=kwargs.pop("survivor_version", keep.version),
        merged_version=kwargs.pop("merged_version", gone.version),
        **kwargs,
    )


def test_it_moves_everything_to_the_survivor(personas, pair):
    keep, gone = pair
    merge(personas.mia, keep, gone, fields_from_merged=["budget"])
    keep.refresh_from_db()
    assert keep.budget == Decimal("500000")
    assert keep.industry == "制造业"
    assert {c.name for c in keep.contacts.all()} == {"王芳", "李雷"}
    assert [d.title for d in Deal.objects.filter(customer=keep)] == ["华信 ERP 二期"]
    assert [f.summary for f in FollowUp.objects.filter(customer=keep)] == ["上海分公司来电"]
    # Search finds the survivor by the moved contact's phone.
    assert "13987654321" in keep.search_key
    assert list(customer_list(user=personas.mia, q="13987654321")) == [keep]
    gone = Customer.all_objects.get(pk=gone.pk)
    assert gone.deleted_at is not None and gone.merged_into_id == keep.pk
    assert not Customer.objects.filter(pk=gone.pk).exists()


def test_both_histories_are_kept(personas, pair):
    keep, gone = pair
    merge(personas.mia, keep, gone, fields_from_merged=["industry"])
    on_keep = AuditEntry.objects.get(
        object_type="customers.customer", object_id=str(keep.pk), extra__event="merge"
    )
    assert on_keep.action == AuditEntry.Action.UPDATE
    assert on_keep.extra["merged_from"] == gone.pk
    assert on_keep.changes == {"industry": ["制造业", "软件"]}
    on_gone = AuditEntry.objects.get(
        object_type="customers.customer", object_id=str(gone.pk), extra__event="merge"
    )
    assert on_gone.action == AuditEntry.Action.DELETE
    assert on_gone.extra["merged_into"] == keep.pk
    assert f"#{keep.pk}" in on_gone.object_label
    moved = AuditEntry.objects.filter(extra__event="merge", object_type="customers.contact")
    assert [e.changes["customer"] for e in moved] == [[gone.pk, keep.pk]]


def test_the_merged_away_customer_can_be_restored(personas, pair):
    keep, gone = pair
    merge(personas.mia, keep, gone)
    restored = record_restore(kind="customer", pk=gone.pk, actor=personas.admin)
    assert restored.deleted_at is None
    assert Customer.objects.filter(pk=gone.pk).exists()
    # What moved stays with the survivor; the restored customer starts empty.
    assert keep.contacts.count() == 2
    assert not Contact.objects.filter(customer=gone).exists()


def test_a_stale_version_refuses_the_whole_merge(personas, pair):
    keep, gone = pair
    before = snapshot()
    with pytest.raises(ConflictError):
        merge(personas.mia, keep, gone, merged_version=gone.version - 1 or 99)
    with pytest.raises(ConflictError):
        merge(personas.mia, keep, gone, survivor_version=keep.version + 1)
    assert snapshot() == before


def test_a_customer_out_of_write_scope_refuses(personas, pair):
    keep, gone = pair
    other = CustomerFactory(owner=personas.charlie, name="华信科技股份有限公司")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        merge(personas.alice, keep, other)
    with pytest.raises(PermissionDenied):  # a rep may not change Bob's customer either
        merge(personas.alice, keep, gone)
    assert snapshot() == before


def test_the_delete_right_is_needed(personas, pair):
    keep, gone = pair
    ObjectPolicy.objects.filter(role__key="manager", object_type="customer").update(
        can_delete=False
    )
    before = snapshot()
    with pytest.raises(PermissionDenied):
        merge(personas.mia, keep, gone)
    assert snapshot() == before


def test_the_page_merges_with_the_chosen_values(personas, pair):
    keep, gone = pair
    client = Client()
    client.force_login(personas.mia)
    page = reverse("hygiene:merge", args=[keep.pk, gone.pk])
    html = client.get(page).content.decode()
    assert "500000" in html and 'name="take_budget"' in html
    response = client.post(
        page,
        {
            "survivor": gone.pk,
            "first_version": keep.version,
            "second_version": gone.version,
            "take_name": "first",
            "take_industry": "second",
            "take_budget": "second",
            "take_owner": "second",
        },
    )
    assert response.status_code == 302
    survivor = Customer.objects.get(pk=gone.pk)
    assert survivor.name == "华信科技有限公司"
    assert survivor.industry == "软件"
    assert Customer.all_objects.get(pk=keep.pk).merged_into_id == gone.pk


def test_the_page_reports_a_conflict_and_changes_nothing(personas, pair):
    keep, gone = pair
    client = Client()
    client.force_login(personas.mia)
    before = snapshot()
    response = client.post(
        reverse("hygiene:merge", args=[keep.pk, gone.pk]),
        {"survivor": keep.pk, "first_version": keep.version, "second_version": 999},
    )
    assert response.status_code == 200
    assert snapshot() == before


def test_outsiders_get_404(personas, pair):
    keep, gone = pair
    ObjectPolicy.objects.filter(role__key="rep", object_type="customer").update(can_bulk=True)
    client = Client()
    client.force_login(personas.charlie)
    response = client.get(reverse("hygiene:merge", args=[keep.pk, gone.pk]))
    assert response.status_code == 404


def test_it_moves_pool_history_planned_follow_ups_and_tier_proposals(personas, pair):
    from django.utils import timezone

    from salestrack.cadence.models import PlannedFollowUp
    from salestrack.cadence.tests.factories import FollowUpRuleFactory
    from salestrack.pool.models import PoolEvent
    from salestrack.tiers.models import TierProposal

    keep, gone = pair
    Customer.objects.filter(pk__in=[keep.pk, gone.pk]).update(tier="B")
    now = timezone.now()
    released = PoolEvent.objects.create(
        customer=gone, kind=PoolEvent.Kind.RELEASED, user=personas.bob, at=now
    )
    task = FollowUpFactory(customer=gone, summary="回访", planned=True)
    plan = PlannedFollowUp.objects.create(followup=task, customer=gone, rule=FollowUpRuleFactory())
    decided = TierProposal.objects.create(
        customer=gone, kind="downgrade", from_tier="A", to_tier="B", decision="dismissed"
    )
    # Both have an open proposal from B: the survivor's stays, the merged-away one goes.
    own = TierProposal.objects.create(customer=keep, kind="upgrade", from_tier="B", to_tier="A")
    theirs = TierProposal.objects.create(customer=gone, kind="upgrade", from_tier="B", to_tier="A")
    keep.refresh_from_db()
    gone.refresh_from_db()
    merge(personas.mia, keep, gone)
    released.refresh_from_db()
    plan.refresh_from_db()
    task.refresh_from_db()
    assert released.customer_id == keep.pk
    assert plan.customer_id == keep.pk and task.customer_id == keep.pk
    assert set(TierProposal.objects.filter(customer=keep)) == {decided, own}
    assert not TierProposal.objects.filter(pk=theirs.pk).exists()
    assert not TierProposal.objects.filter(customer=gone).exists()
    extra = AuditEntry.objects.get(
        object_type="customers.customer", object_id=str(keep.pk), extra__event="merge"
    ).extra
    assert (extra["pool_events"], extra["planned_followups"], extra["tier_proposals"]) == (1, 1, 1)
    assert extra["tier_proposals_removed"] == 1


def test_an_open_tier_proposal_follows_the_tier_the_survivor_takes(personas, pair):
    """Taking the tier from the merged-away customer: its open proposal (from that tier) moves,
    the survivor's own (from the tier it no longer has) is removed."""
    from salestrack.tiers.models import TierProposal

    keep, gone = pair
    Customer.objects.filter(pk=keep.pk).update(tier="C")
    Customer.objects.filter(pk=gone.pk).update(tier="A")
    own = TierProposal.objects.create(customer=keep, kind="upgrade", from_tier="C", to_tier="B")
    theirs = TierProposal.objects.create(
        customer=gone, kind="downgrade", from_tier="A", to_tier="B"
    )
    keep.refresh_from_db()
    gone.refresh_from_db()
    merge(personas.mia, keep, gone, fields_from_merged=["tier"])
    keep.refresh_from_db()
    assert keep.tier == "A"
    assert list(TierProposal.objects.filter(customer=keep)) == [theirs]
    assert not TierProposal.objects.filter(pk=own.pk).exists()
