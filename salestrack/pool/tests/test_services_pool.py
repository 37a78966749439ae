"""Pool entry after N days, the warning window, release, claim, claim limit, cooling, races."""

import datetime
import threading
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from salestrack.audit.models import AuditEntry
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.models import Customer
from salestrack.customers.selectors import customer_list
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory
from salestrack.pool.models import PoolEvent
from salestrack.pool.selectors import pool_due_soon, pool_list
from salestrack.pool.services import pool_claim, pool_release, pool_sweep

NOW = timezone.make_aware(datetime.datetime(2026, 3, 10, 10, 0))
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def quiet(owner, days: float, **kwargs) -> Customer:
    customer = CustomerFactory(owner=owner, **kwargs)
    Customer.objects.filter(pk=customer.pk).update(
        last_activity_at=NOW - datetime.timedelta(days=days)
    )
    customer.refresh_from_db()
    return customer


def history(customer) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type="customers.customer", object_id=str(customer.pk)
        ).order_by("seq")
    )


def test_it_moves_customers_after_n_days_without_follow_up(personas):
    due = quiet(personas.alice, 30)
    not_yet = quiet(personas.alice, 29.9)
    assert pool_sweep() == 1
    due.refresh_from_db()
    not_yet.refresh_from_db()
    assert due.in_pool_since == NOW and due.released_by is None
    assert due.owner == personas.alice  # kept as the previous owner
    assert not_yet.in_pool_since is None
    assert history(due)[-1].extra == {"pool": "expired"}
    assert PoolEvent.objects.get().previous_owner == personas.alice
    assert pool_sweep() == 0


def test_the_days_are_configurable_per_tier(personas, settings):
    settings.SALESTRACK_POOL_DAYS = {"A": 60, "B": 30, "C": 10}
    a = quiet(personas.alice, 45, tier="A")
    c = quiet(personas.alice, 10, tier="C")
    assert pool_sweep() == 1
    assert Customer.objects.get(in_pool_since__isnull=False) == c
    assert a.pk != c.pk


def test_it_warns_the_owner_in_the_last_three_days(personas):
    outside = quiet(personas.alice, 26.9)
    inside = quiet(personas.alice, 27)
    last_day = quiet(personas.alice, 29.5)
    quiet(personas.bob, 28)
    rows = pool_due_soon(user=personas.alice)
    assert [r.customer for r in rows] == [last_day, inside]
    assert rows[1].due_at == NOW + datetime.timedelta(days=3)
    assert outside not in [r.customer for r in rows]


def test_release_puts_the_customer_in_the_pool_and_out_of_the_owners_list(personas):
    customer = CustomerFactory(owner=personas.alice)
    deal = DealFactory(customer=customer)
    pool_release(customer=customer, actor=personas.alice, reason="预算取消")
    customer.refresh_from_db()
    assert customer.in_pool_since == NOW and customer.released_by == personas.alice
    assert customer not in customer_list(user=personas.alice)
    assert customer in pool_list(user=personas.charlie)
    deal.refresh_from_db()
    assert deal.owner == personas.alice  # open deals stay with their owner
    entry = history(customer)[-1]
    assert entry.extra == {"pool": "released", "reason": "预算取消"}
    with pytest.raises(ApplicationError):
        pool_release(customer=customer, actor=personas.alice)


def test_claim_makes_the_customer_the_claimers_and_restarts_the_clock(personas):
    customer = quiet(personas.alice, 40)
    pool_sweep()
    claimed = pool_claim(customer_id=customer.pk, actor=personas.charlie)
    assert (claimed.owner, claimed.team) == (personas.charlie, personas.team_b)
    assert claimed.in_pool_since is None and claimed.pool_claimed_at == NOW
    assert claimed in customer_list(user=personas.charlie)
    assert claimed not in customer_list(user=personas.alice)
    entry = history(claimed)[-1]
    assert entry.changes["owner"] == [personas.alice.pk, personas.charlie.pk]
    assert entry.actor == personas.charlie
    assert pool_sweep() == 0  # the old last activity does not send it straight back


def test_the_claim_limit_counts_claims_within_the_window(personas, settings):
    settings.SALESTRACK_POOL_CLAIM_LIMIT = 2
    customers = [quiet(personas.alice, 40) for _ in range(3)]
    pool_sweep()
    pool_claim(customer_id=customers[0].pk, actor=personas.charlie)
    pool_claim(customer_id=customers[1].pk, actor=personas.charlie)
    with pytest.raises(ApplicationError):
        pool_claim(customer_id=customers[2].pk, actor=personas.charlie)
    later = NOW + datetime.timedelta(days=settings.SALESTRACK_POOL_CLAIM_WINDOW_DAYS)
    with time_machine.travel(later, tick=False):
        pool_claim(customer_id=customers[2].pk, actor=personas.charlie)


def test_the_releaser_cannot_claim_back_during_the_cooling_period(personas):
    customer = CustomerFactory(owner=personas.alice)
    pool_release(customer=customer, actor=personas.alice)
    with pytest.raises(ApplicationError):
        pool_claim(customer_id=customer.pk, actor=personas.alice)
    cooled = NOW + datetime.timedelta(days=settings.SALESTRACK_POOL_COOLING_DAYS)
    with time_machine.travel(cooled, tick=False):
        assert pool_claim(customer_id=customer.pk, actor=personas.alice).owner == personas.alice


def test_only_sales_roles_claim(personas):
    customer = CustomerFactory(owner=personas.alice)
    pool_release(customer=customer, actor=personas.alice)
    personas.bob.role = "finance"
    personas.bob.save()
    with pytest.raises(ApplicationError):
        pool_claim(customer_id=customer.pk, actor=personas.bob)
    assert list(pool_list(user=personas.bob)) == []


def test_a_stale_second_claim_loses(personas):
    """Both reps saw the customer in the pool; the conditional UPDATE lets only one win."""
    customer = CustomerFactory(owner=personas.alice)
    pool_release(customer=customer, actor=personas.alice)
    seen_by_bob = pool_list(user=personas.bob).get(pk=customer.pk)
    seen_by_charlie = pool_list(user=personas.charlie).get(pk=customer.pk)
    pool_claim(customer_id=seen_by_charlie.pk, actor=personas.charlie)
    with pytest.raises(ApplicationError):
        pool_claim(customer_id=seen_by_bob.pk, actor=personas.bob)
    customer.refresh_from_db()
    assert customer.owner == personas.charlie
    assert PoolEvent.objects.filter(kind="claimed").count() == 1


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL: concurrent claimers on their own connections",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_lets_exactly_one_of_two_concurrent_claims_win(personas):
    customer = CustomerFactory(owner=personas.alice)
    pool_release(customer=customer, actor=personas.alice)
    start = threading.Barrier(2)
    results: list[str] = []

    def claim(user) -> None:
        try:
            start.wait()
            pool_claim(customer_id=customer.pk, actor=user)
            results.append("won")
        except ApplicationError:
            results.append("lost")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (personas.bob, personas.charlie)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["lost", "won"]
    assert PoolEvent.objects.filter(kind="claimed").count() == 1


def test_the_command_sweeps(personas):
    quiet(personas.alice, 31)
    out = StringIO()
    call_command("pool_sweep", stdout=out)
    assert "1" in out.getvalue()
    assert Customer.objects.filter(in_pool_since__isnull=False).count() == 1
