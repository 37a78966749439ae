"""handover_preview and handover_execute: what moves, what stays, the log, audit and refusals."""

import pytest

from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.audit.models import AuditEntry
from salestrack.audit.selectors import audit_verify
from salestrack.core.exceptions import ApplicationError, ConflictError
from salestrack.core.tests.factories import TeamFactory, UserFactory
from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.handover.models import HandOver
from salestrack.handover.services import handover_execute, handover_preview, may_hand_over

pytestmark = pytest.mark.django_db


def state() -> tuple:
    """Everything a refused hand-over must leave as it was."""
    return (
        sorted(Customer.all_objects.values_list("pk", "owner", "team", "version")),
        sorted(Deal.all_objects.values_list("pk", "owner", "team", "version")),
        sorted(FollowUp.objects.values_list("pk", "owner", "team")),
        HandOver.objects.count(),
        AuditEntry.objects.count(),
    )


def test_it_previews_counts_and_sample_rows(personas, book):
    preview = handover_preview(actor=personas.mia, from_user=personas.alice, to_user=personas.bob)
    assert preview.counts == (3, 3, 2)
    assert {c.name for c in preview.sample_customers} == {c.name for c in book.customers}
    assert set(preview.sample_deals) == set(book.deals)
    assert set(preview.sample_followups) == set(book.open_followups)


def test_the_preview_shows_at_most_20_rows_of_each_kind(personas):
    CustomerFactory.create_batch(21, owner=personas.alice)
    preview = handover_preview(actor=personas.admin, from_user=personas.alice, to_user=personas.bob)
    assert preview.customers == 21
    assert len(preview.sample_customers) == 20


def test_it_moves_customers_deals_and_open_followups(personas, book):
    alice, charlie = personas.alice, personas.charlie
    handover = handover_execute(
        actor=personas.mia, from_user=alice, to_user=charlie, expected_counts=book.counts
    )

    for customer in Customer.all_objects.filter(pk__in=[c.pk for c in book.customers]):
        assert (customer.owner, customer.team, customer.version) == (charlie, charlie.team, 2)
    for deal in Deal.all_objects.filter(pk__in=[d.pk for d in book.deals]):
        assert (deal.owner, deal.team, deal.version) == (charlie, charlie.team, 2)
    for followup in FollowUp.objects.filter(pk__in=[f.pk for f in book.open_followups]):
        assert (followup.owner, followup.team) == (charlie, charlie.team)
    assert (handover.customers, handover.deals, handover.followups) == (3, 3, 2)
    assert (handover.from_user, handover.to_user, handover.actor) == (alice, charlie, personas.mia)


def test_it_leaves_done_followups_and_other_peoples_records_alone(personas, book):
    handover_execute(
        actor=personas.admin,
        from_user=personas.alice,
        to_user=personas.charlie,
        expected_counts=book.counts,
    )
    book.done_followup.refresh_from_db()
    assert book.done_followup.owner == personas.alice
    book.bobs_customer.refresh_from_db()
    book.bobs_deal.refresh_from_db()
    assert book.bobs_customer.owner == personas.bob and book.bobs_customer.version == 1
    assert book.bobs_deal.owner == personas.bob and book.bobs_deal.version == 1
    assert FollowUp.objects.filter(owner=personas.bob).count() == 1


def test_a_restored_record_stays_with_the_new_owner(personas, book):
    from salestrack.trash.services import record_restore

    handover_execute(
        actor=personas.admin,
        from_user=personas.alice,
        to_user=personas.bob,
        expected_counts=book.counts,
    )
    restored = record_restore(kind="customer", pk=book.customers[2].pk, actor=personas.admin)
    assert restored.owner == personas.bob


def test_it_writes_one_audit_entry_per_record_and_one_for_the_handover(personas, book):
    alice, charlie = personas.alice, personas.charlie
    handover = handover_execute(
        actor=personas.mia, from_user=alice, to_user=charlie, expected_counts=book.counts
    )

    moved = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE)
    assert sorted(moved.values_list("object_type", "object_id")) == sorted(
        [("customers.customer", str(c.pk)) for c in book.customers]
        + [("deals.deal", str(d.pk)) for d in book.deals]
        + [("activities.followup", str(f.pk)) for f in book.open_followups]
    )
    for entry in moved:
        assert entry.changes == {
            "owner": [alice.pk, charlie.pk],
            "team": [alice.team_id, charlie.team_id],
        }
        assert entry.extra == {"handover_id": handover.pk} and entry.actor == personas.mia
    log = AuditEntry.objects.get(object_type="handover.handover")
    assert log.action == AuditEntry.Action.CREATE and log.object_id == str(handover.pk)
    assert log.changes["customers"] == [None, 3]
    assert audit_verify().ok


def test_the_audit_entry_leaves_out_an_unchanged_team(personas, book):
    handover_execute(
        actor=personas.admin,
        from_user=personas.alice,
        to_user=personas.bob,
        expected_counts=book.counts,
    )
    entry = AuditEntry.objects.filter(object_type="deals.deal").first()
    assert entry.changes == {"owner": [personas.alice.pk, personas.bob.pk]}


def test_it_refuses_when_the_records_changed_since_the_preview(personas, book):
    CustomerFactory(owner=personas.alice)
    before = state()
    with pytest.raises(ConflictError) as exc:
        handover_execute(
            actor=personas.admin,
            from_user=personas.alice,
            to_user=personas.bob,
            expected_counts=book.counts,
        )
    assert "4" in exc.value.message
    assert state() == before


def test_it_deactivates_the_leaver_on_request(personas, book):
    handover = handover_execute(
        actor=personas.mia,
        from_user=personas.alice,
        to_user=personas.bob,
        expected_counts=book.counts,
        deactivate=True,
        note="  4 月底离职  ",
    )
    personas.alice.refresh_from_db()
    assert not personas.alice.is_active
    assert handover.deactivated and handover.note == "4 月底离职"
    entry = AuditEntry.objects.get(object_type="accounts.user", object_id=str(personas.alice.pk))
    assert entry.changes == {"is_active": [True, False]}
    assert audit_verify().ok


def test_it_keeps_the_leaver_active_by_default(personas, book):
    handover = handover_execute(
        actor=personas.mia,
        from_user=personas.alice,
        to_user=personas.bob,
        expected_counts=book.counts,
    )
    personas.alice.refresh_from_db()
    assert personas.alice.is_active and not handover.deactivated


def test_it_hands_over_from_a_user_already_deactivated(personas, book):
    personas.alice.is_active = False
    personas.alice.save(update_fields=["is_active"])
    handover = handover_execute(
        actor=personas.mia,
        from_user=personas.alice,
        to_user=personas.bob,
        expected_counts=book.counts,
        deactivate=True,
    )
    assert not Customer.all_objects.filter(owner=personas.alice).exists()
    assert not handover.deactivated  # it was not this hand-over that switched the account off


def _refusals(personas):
    elsewhere = TeamFactory(name="华南大区")
    olga = UserFactory(username="olga", team=elsewhere)
    CustomerFactory(owner=olga)
    gone = UserFactory(username="gone", team=personas.team_a, is_active=False)
    return {
        "same person": dict(actor=personas.admin, from_user=personas.alice, to_user=personas.alice),
        "inactive taker": dict(actor=personas.admin, from_user=personas.alice, to_user=gone),
        "leaver outside": dict(actor=personas.mia, from_user=olga, to_user=personas.bob),
        "taker outside": dict(actor=personas.mia, from_user=personas.alice, to_user=olga),
        "rep": dict(actor=personas.bob, from_user=personas.alice, to_user=personas.bob),
        "nothing": dict(actor=personas.admin, from_user=personas.charlie, to_user=personas.bob),
    }


@pytest.mark.parametrize(
    "case",
    ["same person", "inactive taker", "leaver outside", "taker outside", "rep", "nothing"],
)
def test_each_refusal_leaves_the_database_unchanged(personas, book, case):
    kwargs = _refusals(personas)[case]
    before = state()
    with pytest.raises(ApplicationError) as exc:
        handover_preview(**kwargs)
    assert exc.value.message
    with pytest.raises(ApplicationError):
        handover_execute(**kwargs, expected_counts=book.counts, deactivate=True)
    assert state() == before
    assert list(User.objects.filter(is_active=False).values_list("username", flat=True)) in (
        [],
        ["gone"],
    )


def test_it_refuses_to_deactivate_the_actor(personas, book):
    CustomerFactory(owner=personas.mia)
    before = state()
    with pytest.raises(ApplicationError):
        handover_execute(
            actor=personas.mia,
            from_user=personas.mia,
            to_user=personas.bob,
            expected_counts=(1, 0, 0),
            deactivate=True,
        )
    assert state() == before


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("alice", False), ("bob", False), ("charlie", False), ("mia", True), ("admin", True)],
)
def test_only_admins_and_managers_may_hand_over(personas, who, allowed):
    assert may_hand_over(getattr(personas, who)) is allowed


def test_its_queries_do_not_grow_with_the_records(personas, django_assert_max_num_queries):
    """Every moved record gets its audit entry, written in bulk (was ~3 queries a record)."""
    CustomerFactory.create_batch(60, owner=personas.alice)
    counts = handover_preview(
        actor=personas.admin, from_user=personas.alice, to_user=personas.bob
    ).counts
    with django_assert_max_num_queries(30):
        handover_execute(
            actor=personas.admin,
            from_user=personas.alice,
            to_user=personas.bob,
            expected_counts=counts,
        )
    assert AuditEntry.objects.filter(extra__handover_id__isnull=False).count() == 60
    assert audit_verify().ok
