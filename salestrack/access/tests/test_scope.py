import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from salestrack.access.scope import get_for_user, scope_queryset, visible_users
from salestrack.accounts.models import User
from salestrack.core.tests.factories import TeamFactory, UserFactory
from salestrack.customers.models import Customer
from salestrack.customers.selectors import customer_get_for_user
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.selectors import deal_get_for_user
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(personas):
    """One customer and one deal per persona, plus a record in an unrelated department."""
    elsewhere = UserFactory(username="olga", team=TeamFactory(name="华南大区"))
    customers = {
        name: CustomerFactory(owner=getattr(personas, name))
        for name in ("alice", "bob", "charlie", "mia")
    }
    customers["olga"] = CustomerFactory(owner=elsewhere)
    deals = {name: DealFactory(customer=customer) for name, customer in customers.items()}
    return customers, deals


def _visible_customers(user):
    return set(scope_queryset(user, Customer.objects.all()))


def _visible_deals(user):
    return set(scope_queryset(user, Deal.objects.all()))


def test_it_shows_a_rep_only_their_own_customers_and_deals(personas, records):
    customers, deals = records
    assert _visible_customers(personas.alice) == {customers["alice"]}
    assert _visible_deals(personas.alice) == {deals["alice"]}
    assert _visible_customers(personas.charlie) == {customers["charlie"]}


def test_it_hides_a_teammates_records_from_a_rep(personas, records):
    customers, deals = records
    assert customers["bob"] not in _visible_customers(personas.alice)
    assert deals["bob"] not in _visible_deals(personas.alice)


def test_it_shows_a_manager_the_whole_subtree_and_own(personas, records):
    customers, deals = records
    expected = {"alice", "bob", "charlie", "mia"}
    assert _visible_customers(personas.mia) == {customers[n] for n in expected}
    assert _visible_deals(personas.mia) == {deals[n] for n in expected}


def test_it_shows_a_manager_own_records_filed_under_another_team(personas):
    foreign_team = TeamFactory(name="华北大区")
    own_elsewhere = CustomerFactory(owner=personas.mia, team=foreign_team)
    assert own_elsewhere in _visible_customers(personas.mia)


def test_it_limits_a_team_lead_to_their_own_team(personas, records):
    customers, _ = records
    lead = UserFactory(role=User.Role.MANAGER, team=personas.team_a)
    assert _visible_customers(lead) == {customers["alice"], customers["bob"]}


def test_it_shows_an_admin_everything(personas, records):
    customers, deals = records
    assert _visible_customers(personas.admin) == set(customers.values())
    assert _visible_deals(personas.admin) == set(deals.values())


def test_it_shows_a_superuser_everything_whatever_the_role(personas, records):
    customers, _ = records
    root = UserFactory(role=User.Role.REP, is_superuser=True)
    assert _visible_customers(root) == set(customers.values())


def test_it_shows_an_inactive_user_nothing(personas, records):
    for user in (personas.alice, personas.mia, personas.admin):
        user.is_active = False
        user.save()
        assert _visible_customers(user) == set()
        assert _visible_deals(user) == set()


def test_it_shows_an_anonymous_user_nothing(records):
    assert _visible_customers(AnonymousUser()) == set()


def test_it_returns_an_in_scope_record(personas, records):
    customers, deals = records
    assert (
        get_for_user(personas.alice, Customer.objects.all(), customers["alice"].pk)
        == (customers["alice"])
    )
    assert deal_get_for_user(user=personas.mia, pk=deals["charlie"].pk) == deals["charlie"]


def test_it_raises_404_for_an_existing_record_out_of_scope(personas, records):
    customers, deals = records
    with pytest.raises(Http404):
        get_for_user(personas.charlie, Customer.objects.all(), customers["alice"].pk)
    with pytest.raises(Http404):
        customer_get_for_user(user=personas.bob, pk=customers["alice"].pk)
    with pytest.raises(Http404):
        deal_get_for_user(user=personas.charlie, pk=deals["alice"].pk)
    with pytest.raises(Http404):
        deal_get_for_user(user=personas.mia, pk=deals["olga"].pk)


def test_it_raises_404_for_a_missing_record(personas):
    with pytest.raises(Http404):
        customer_get_for_user(user=personas.admin, pk=999_999)


def test_it_lets_a_rep_pick_only_themselves(personas):
    assert list(visible_users(personas.alice)) == [personas.alice]


def test_it_lets_a_manager_pick_the_subtree_and_themselves(personas):
    UserFactory(username="olga", team=TeamFactory(name="华南大区"))
    assert set(visible_users(personas.mia)) == {
        personas.alice,
        personas.bob,
        personas.charlie,
        personas.mia,
    }


def test_it_lets_an_admin_pick_every_active_user(personas):
    olga = UserFactory(username="olga", team=TeamFactory(name="华南大区"))
    assert set(visible_users(personas.admin)) == {
        personas.alice,
        personas.bob,
        personas.charlie,
        personas.mia,
        personas.admin,
        olga,
    }


def test_it_never_offers_inactive_users(personas):
    personas.bob.is_active = False
    personas.bob.save()
    assert personas.bob not in set(visible_users(personas.mia))
    assert personas.bob not in set(visible_users(personas.admin))
