"""Features are what was known at the snapshot: nothing from after it (no leakage)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from salestrack.core.tests.factories import UserFactory
from salestrack.customers.models import Contact
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.winprob.features import LANDMARK_DAYS, scoring_table, training_table
from salestrack.winprob.tests.factories import write_deal

pytestmark = pytest.mark.django_db


def _stages(pipeline):
    return {s.name_en: s for s in pipeline.stages.all()}


def test_a_won_deal_is_seen_only_in_its_open_stages_with_what_was_known_then(pipeline):
    s = _stages(pipeline)
    now = timezone.now()
    t0 = now - timedelta(days=200)
    customer = CustomerFactory()
    dm = ContactFactory(customer=customer, decision_role=Contact.Role.DECISION_MAKER)
    Contact.objects.filter(pk=dm.pk).update(created_at=t0 + timedelta(days=20))
    deal = write_deal(
        customer=customer,
        owner=customer.owner,
        path=[
            (s["Lead"], t0),
            (s["Needs confirmed"], t0 + timedelta(days=10)),
            (s["Lead"], t0 + timedelta(days=15)),  # a move back
            (s["Needs confirmed"], t0 + timedelta(days=18)),
            (s["Won"], t0 + timedelta(days=60)),
        ],
        # one before the first snapshot in "Needs confirmed", two after the deal was won
        followups=[t0 + timedelta(days=5), now - timedelta(days=5), now - timedelta(days=1)],
    )
    table = training_table()
    snaps = [
        (row, at)
        for d, row, at in zip(table.deal_ids, table.rows, table.moments, strict=True)
        if d == deal.pk
    ]
    # Never the won stage: every snapshot is in an open stage the deal was in at that moment.
    assert {row["stage"] for row, _ in snaps} == {str(s["Lead"].pk), str(s["Needs confirmed"].pk)}
    assert all(at < deal.closed_at for _, at in snaps)
    assert set(table.won[i] for i, d in enumerate(table.deal_ids) if d == deal.pk) == {1}
    by_moment = {at - t0: row for row, at in snaps}
    first = by_moment[timedelta(0)]
    assert first["stage_moves"] == 0 and first["followups_30d"] == 0
    assert first["days_in_stage"] == 0 and first["deal_age"] == 0
    assert first["has_decision_maker"] == 0  # the contact came later
    at_10 = by_moment[timedelta(days=10)]  # entered "Needs confirmed"
    assert at_10["stage_moves"] == 1 and at_10["backward_moves"] == 0
    assert at_10["followups_30d"] == 1 and at_10["days_since_activity"] == pytest.approx(5)
    at_18 = by_moment[timedelta(days=18)]  # back in "Needs confirmed" after the move back
    assert at_18["stage_moves"] == 3 and at_18["backward_moves"] == 1
    assert at_18["has_decision_maker"] == 0
    at_25 = by_moment[timedelta(days=25)]  # 7 days into the second stay
    assert at_25["days_in_stage"] == pytest.approx(7) and at_25["deal_age"] == pytest.approx(25)
    assert at_25["has_decision_maker"] == 1
    # 18 + 30 is within the stay, 18 + 90 is after the win: not a snapshot
    assert timedelta(days=48) in by_moment and timedelta(days=108) not in by_moment
    # The follow-ups after the win are never counted.
    assert all(row["followups_30d"] <= 1 for row, _ in snaps)
    assert len(snaps) == 2 + 1 + 1 + 3  # Lead: 0, 7; Lead again: 0; Needs confirmed: 0 ×2, 7, 30
    assert LANDMARK_DAYS == (0, 7, 30, 90)


def test_owner_win_rate_counts_only_deals_closed_before_the_snapshot(pipeline):
    s = _stages(pipeline)
    now = timezone.now()
    owner = UserFactory()
    customer = CustomerFactory(owner=owner)
    early = now - timedelta(days=300)
    for i in range(4):  # four wins closed long before
        write_deal(
            customer=customer,
            owner=owner,
            path=[(s["Lead"], early + timedelta(days=i)), (s["Won"], early + timedelta(days=5))],
        )
    later = write_deal(
        customer=customer,
        owner=owner,
        path=[(s["Lead"], now - timedelta(days=100)), (s["Lost"], now - timedelta(days=50))],
    )
    table = training_table()
    rates = [
        row["owner_win_rate"]
        for d, row in zip(table.deal_ids, table.rows, strict=True)
        if d == later.pk
    ]
    # 4 of 4 won before, smoothed with 5 pseudo-deals at the overall rate (4 of 4): 100 %
    assert rates and all(r == pytest.approx(1.0) for r in rates)
    first_deal_rates = [
        row["owner_win_rate"]
        for d, row, at in zip(table.deal_ids, table.rows, table.moments, strict=True)
        if at == early  # the very first deal: nothing closed before, the neutral 50 %
    ]
    assert first_deal_rates == [pytest.approx(0.5)]


def test_scoring_uses_the_current_stay_as_of_now(pipeline):
    s = _stages(pipeline)
    now = timezone.now()
    customer = CustomerFactory()
    deal = write_deal(
        customer=customer,
        owner=customer.owner,
        path=[
            (s["Lead"], now - timedelta(days=40)),
            (s["Proposal / quote"], now - timedelta(days=12)),
        ],
        followups=[now - timedelta(days=35), now - timedelta(days=3)],
    )
    table = scoring_table(now=now)
    assert table.deal_ids == [deal.pk]
    row = table.rows[0]
    assert row["stage"] == str(s["Proposal / quote"].pk)
    assert row["days_in_stage"] == pytest.approx(12)
    assert row["deal_age"] == pytest.approx(40)
    assert row["followups_30d"] == 1 and row["days_since_activity"] == pytest.approx(3)
    assert table.stage_probability == [s["Proposal / quote"].probability]
