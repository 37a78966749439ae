"""A decision maker (决策人) who leaves or is replaced: flags on open deals, a task per owner."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from salestrack.activities.models import FollowUp
from salestrack.cadence.services import relationship_risk_raise
from salestrack.customers.models import Contact
from salestrack.customers.services import contact_delete, contact_update
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.deals.tests.factories import DealFactory
from salestrack.risks.models import RiskFlag

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas, stages, frozen):
    """Alice's customer with its decision maker 王总; an open deal of Alice, an open deal of Bob,
    a won and a lost deal."""
    customer = CustomerFactory(owner=personas.alice, tier="B")
    return {
        "customer": customer,
        "boss": ContactFactory(customer=customer, name="王总", title="总经理"),
        "alice_deal": DealFactory(customer=customer, owner=personas.alice),
        "bob_deal": DealFactory(customer=customer, owner=personas.bob),
        "won": DealFactory(customer=customer, stage=stages["Won"]),
        "lost": DealFactory(customer=customer, stage=stages["Lost"]),
    }


def tasks():
    return FollowUp.objects.filter(planned_by__contact__isnull=False).order_by("deal_id")


def assert_raised(world, personas, name="王总"):
    flags = RiskFlag.objects.filter(kind="decision_maker_left", resolved_at__isnull=True)
    assert {f.deal for f in flags} == {world["alice_deal"], world["bob_deal"]}
    assert all(name in f.reason for f in flags)
    assert [(t.deal, t.owner, t.next_due_on, t.done_at) for t in tasks()] == [
        (world["alice_deal"], personas.alice, date(2026, 3, 12), None),
        (world["bob_deal"], personas.bob, date(2026, 3, 12), None),
    ]
    assert all(name in t.next_step for t in tasks())


def test_deleting_the_decision_maker_raises_on_open_deals_only(
    personas, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contact_delete(contact=world["boss"], actor=personas.alice)
    assert_raised(world, personas)
    assert not RiskFlag.objects.filter(deal__in=[world["won"], world["lost"]]).exists()


def test_a_role_change_away_from_decision_maker_raises(
    personas, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(contact=world["boss"], actor=personas.alice, data={"decision_role": "user"})
    assert_raised(world, personas)


def test_the_left_flag_on_the_contact_form_raises(
    client, personas, world, django_capture_on_commit_callbacks
):
    boss = world["boss"]
    url = reverse("customers:contact_edit", args=[world["customer"].pk, boss.pk])
    client.force_login(personas.alice)
    assert 'name="left_company_on"' in client.get(url).content.decode()
    data = {"name": boss.name, "phone": boss.phone, "decision_role": "decision_maker"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**data, "left_company_on": "2026-03-09"})
    assert response.status_code == 302
    boss.refresh_from_db()
    assert boss.left_company_on == date(2026, 3, 9)
    assert_raised(world, personas)
    assert all("2026-03-09" in f.reason for f in RiskFlag.objects.all())


def test_other_contact_changes_raise_nothing(personas, world, django_capture_on_commit_callbacks):
    helper = ContactFactory(customer=world["customer"], decision_role=Contact.Role.INFLUENCER)
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(contact=world["boss"], actor=personas.alice, data={"title": "董事长"})
        contact_update(contact=helper, actor=personas.alice, data={"left_company_on": date.today()})
        contact_delete(contact=helper, actor=personas.alice)
        contact_update(contact=helper, actor=personas.alice, data={"decision_role": "user"})
    assert not RiskFlag.objects.exists() and not tasks().exists()


def test_it_never_raises_twice_for_the_same_contact(
    personas, world, django_capture_on_commit_callbacks
):
    boss = world["boss"]
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(contact=boss, actor=personas.alice, data={"left_company_on": date.today()})
    # the hook delivered again, then a back-and-forth of the role, then the delete
    relationship_risk_raise(contact_id=boss.pk, how="left_company")
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(contact=boss, actor=personas.alice, data={"left_company_on": None})
        contact_update(contact=boss, actor=personas.alice, data={"decision_role": "user"})
        contact_delete(contact=boss, actor=personas.alice)
    assert RiskFlag.objects.count() == 2
    assert tasks().count() == 2


def test_a_resolved_flag_stays_resolved_for_the_same_contact(
    personas, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contact_delete(contact=world["boss"], actor=personas.alice)
    RiskFlag.objects.update(resolved_at=world["boss"].deleted_at)
    relationship_risk_raise(contact_id=world["boss"].pk, how="deleted")
    assert not RiskFlag.objects.filter(resolved_at__isnull=True).exists()


def test_a_second_decision_maker_leaving_adds_to_the_open_flag(
    personas, world, django_capture_on_commit_callbacks
):
    deputy = ContactFactory(customer=world["customer"], name="李副总")
    with django_capture_on_commit_callbacks(execute=True):
        contact_delete(contact=world["boss"], actor=personas.alice)
        contact_delete(contact=deputy, actor=personas.alice)
    flags = RiskFlag.objects.all()
    assert flags.count() == 2  # still one open flag per deal
    assert all("王总" in f.reason and "李副总" in f.reason for f in flags)
    assert tasks().count() == 4  # one task per deal and contact


def test_the_due_time_is_a_setting(personas, world, settings, frozen):
    settings.SALESTRACK_DECISION_MAKER_LEFT_DUE_HOURS = 4
    relationship_risk_raise(contact_id=world["boss"].pk, how="deleted")
    assert {t.next_due_on for t in tasks()} == {frozen.date()}
    assert {t.next_due_on for t in tasks()} != {frozen.date() + timedelta(days=2)}


def test_the_contact_change_is_audited_with_its_old_values(
    personas, world, django_capture_on_commit_callbacks
):
    from salestrack.audit.models import AuditEntry

    boss = world["boss"]
    boss.decision_role = "user"  # as a bound ModelForm leaves it before the service runs
    contact_update(contact=boss, actor=personas.alice, data={"decision_role": "user"})
    entry = AuditEntry.objects.get(object_type="customers.contact", action="update")
    assert entry.changes == {"decision_role": ["decision_maker", "user"]}
