"""Roles: record scope per type, actions, field levels (masking) and the role editor."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from salestrack.access.models import FieldLevel, Role, Scope
from salestrack.access.policy import mask_value, permissions_for
from salestrack.access.role_services import (
    role_create,
    role_delete,
    role_rules,
    role_save_rules,
    user_set_role,
)
from salestrack.accounts.models import User
from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.audit.models import AuditEntry
from salestrack.core.exceptions import ApplicationError
from salestrack.core.tests.factories import UserFactory
from salestrack.customers.selectors import customer_queryset
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.selectors import deal_queryset
from salestrack.deals.tests.factories import DealFactory


def _as(user: User, role: str) -> User:
    user.role = role
    user.save(update_fields=["role"])
    return User.objects.get(pk=user.pk)  # a fresh object: permissions are cached per object


@pytest.fixture
def records(personas):
    """One deal each for Alice (team A), Bob (team A) and Charlie (team B)."""
    return {
        name: DealFactory(customer__owner=getattr(personas, name))
        for name in ("alice", "bob", "charlie")
    }


def _visible(user: User) -> set[str]:
    return set(deal_queryset(user=user).values_list("owner__username", flat=True))


@pytest.mark.parametrize(
    "role, expected",
    [
        ("rep", {"alice"}),
        ("director", {"alice", "bob", "charlie"}),
        ("finance", {"alice", "bob", "charlie"}),
        ("marketing", {"alice", "bob", "charlie"}),
        ("auditor", set()),
    ],
)
def test_each_builtin_role_reaches_its_deals(personas, records, role, expected):
    assert _visible(_as(personas.alice, role)) == expected


def test_a_manager_reaches_the_subtree_and_a_team_scope_only_the_own_team(personas, records):
    assert _visible(personas.mia) == {"alice", "bob", "charlie"}
    admin = personas.admin
    team_role = role_create(
        key="team-lead", name="组长", copy_from=Role.objects.get(key="rep"), actor=admin
    )
    rules = {f"{kind}.scope": Scope.TEAM for kind in ("customer", "deal", "followup")}
    role_save_rules(role=team_role, rules=rules, actor=admin)
    lead = _as(personas.bob, "team-lead")
    assert _visible(lead) == {"alice", "bob"}
    # Team scope at department level would not reach the teams under it.
    mia = _as(personas.mia, "team-lead")
    assert _visible(mia) == set()


def test_roles_that_only_read_get_403_on_writes_and_nothing_changes(client, personas, records):
    finance = _as(personas.charlie, "finance")
    deal = records["alice"]
    client.force_login(finance)
    before = Deal.objects.values().get(pk=deal.pk)

    create = client.post(reverse("deals:create"), {"title": "x", "customer": deal.customer_id})
    delete = client.post(reverse("deals:delete", args=[deal.pk]))
    follow = client.post(
        reverse("activities:create"),
        {"deal": deal.pk, "summary": "s", "kind": "call", "occurred_at": "2026-01-01 10:00"},
    )

    assert (create.status_code, delete.status_code, follow.status_code) == (403, 403, 403)
    assert Deal.objects.values().get(pk=deal.pk) == before
    assert Deal.objects.count() == 3


def test_finance_edits_payment_fields_only(client, personas, records):
    deal = records["alice"]
    client.force_login(_as(personas.charlie, "finance"))
    data = {
        "version": deal.version,
        "payment_received": "5000.00",
        "contract_number": "HT-2026-001",
        "amount": "1.00",  # read-only for finance: ignored
        "title": "改名",
    }

    r = client.post(reverse("deals:edit", args=[deal.pk]), data)

    assert r.status_code == 302, r.content.decode()[:2000]
    deal.refresh_from_db()
    assert (deal.payment_received, deal.contract_number) == (Decimal("5000.00"), "HT-2026-001")
    assert (deal.amount, deal.title) == (Decimal("100000.00"), records["alice"].title)


def test_finance_cannot_move_a_deal(client, personas, records, stages):
    deal = records["alice"]
    client.force_login(_as(personas.charlie, "finance"))
    r = client.post(
        reverse("deals:move", args=[deal.pk]),
        {"to_stage": stages["Won"].pk, "version": deal.version},
    )
    assert r.status_code == 403
    assert Deal.objects.get(pk=deal.pk).stage_id == deal.stage_id


def test_an_auditor_reads_the_trail_and_no_record(client, personas, records):
    client.force_login(_as(personas.charlie, "auditor"))
    assert client.get(reverse("audit:list")).status_code == 200
    assert client.get(reverse("deals:detail", args=[records["charlie"].pk])).status_code == 404
    assert client.get(reverse("customers:list")).status_code == 200
    assert not customer_queryset(user=User.objects.get(pk=personas.charlie.pk)).exists()
    assert client.get(reverse("pipeline:list")).status_code == 403


def test_a_rep_may_not_read_the_audit_trail_or_edit_roles(client, personas):
    client.force_login(personas.alice)
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("access:roles")).status_code == 403
    r = client.post(reverse("access:role_edit", args=["rep"]), {"name": "x", "rep.export": "on"})
    assert r.status_code == 403
    assert not permissions_for(User.objects.get(pk=personas.alice.pk)).can("deal", "export")


@pytest.mark.parametrize(
    "name, value, masked",
    [
        ("phone", "13812345678", "138****5678"),
        ("phone", "+86 138-1234-5678", "861****5678"),
        ("email", "alice@example.com", "a***@example.com"),
        ("name", "王小明", "王**"),
        ("wechat", "", ""),
    ],
)
def test_mask_value(name, value, masked):
    assert mask_value(name, value) == masked


def test_contact_details_are_masked_for_finance_and_absent_for_marketing(client, personas):
    customer = CustomerFactory(owner=personas.alice)
    ContactFactory(customer=customer, phone="13812345678", email="wang@example.com", name="王小明")
    url = reverse("customers:detail", args=[customer.pk])

    client.force_login(_as(personas.charlie, "finance"))
    finance_page = client.get(url).content
    client.force_login(_as(personas.bob, "marketing"))
    marketing_page = client.get(url).content

    for raw in (b"13812345678", b"wang@example.com"):
        assert raw not in finance_page
        assert raw not in marketing_page
    assert b"138****5678" in finance_page and b"w***@example.com" in finance_page
    assert b"138****" not in marketing_page and b"@example.com" not in marketing_page
    assert "王小明".encode() not in marketing_page and "王**".encode() in marketing_page


def test_a_masked_record_can_never_be_saved_back(personas):
    ContactFactory(customer=CustomerFactory(owner=personas.alice), phone="13812345678")
    finance = _as(personas.charlie, "finance")
    customer = customer_queryset(user=finance).get()
    from salestrack.customers.selectors import contact_list

    contact = contact_list(user=finance, customer=customer).get()
    assert contact.phone == "138****5678"
    with pytest.raises(PermissionDenied):
        contact.save()
    contact.refresh_from_db()
    assert contact.phone == "13812345678"


def test_followups_of_others_are_out_of_reach_for_finance(client, personas):
    followup = FollowUpFactory(customer=CustomerFactory(owner=personas.alice))
    client.force_login(_as(personas.charlie, "finance"))
    r = client.post(reverse("activities:done", args=[followup.pk]))
    assert r.status_code in (403, 404)
    followup.refresh_from_db()
    assert followup.done_at is None


def test_admin_changes_a_role_and_the_trail_records_the_difference(client, personas):
    client.force_login(personas.admin)
    rep = Role.objects.get(key="rep")
    data = {**role_rules(rep), "name": str(rep), "deal.export": True}
    form_data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}

    r = client.post(reverse("access:role_edit", args=["rep"]), form_data)

    assert r.status_code == 302
    assert permissions_for(User.objects.get(pk=personas.alice.pk)).can("deal", "export")
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.PERMISSION_CHANGE).last()
    assert entry.object_type == "access.role"
    assert entry.changes == {"deal.export": [False, True]}


def test_a_field_level_a_field_cannot_take_is_refused(personas):
    rep = Role.objects.get(key="rep")
    with pytest.raises(ApplicationError):
        role_save_rules(
            role=rep, rules={"deal.field.owner": FieldLevel.HIDDEN}, actor=personas.admin
        )
    assert role_rules(rep)["deal.field.owner"] == FieldLevel.EDIT


def test_roles_in_use_and_builtin_roles_cannot_be_deleted(personas):
    admin = personas.admin
    custom = role_create(
        key="intern", name="实习生", copy_from=Role.objects.get(key="rep"), actor=admin
    )
    user_set_role(user=personas.bob, role_key="intern", actor=admin)
    with pytest.raises(ApplicationError):
        role_delete(role=custom, actor=admin)
    with pytest.raises(ApplicationError):
        role_delete(role=Role.objects.get(key="rep"), actor=admin)
    user_set_role(user=personas.bob, role_key="rep", actor=admin)
    role_delete(role=custom, actor=admin)
    assert not Role.objects.filter(key="intern").exists()
    events = AuditEntry.objects.filter(action=AuditEntry.Action.PERMISSION_CHANGE).order_by("seq")
    assert [e.extra["event"] for e in events] == [
        "role_update",
        "role_create",
        "user_role",
        "user_role",
        "role_delete",
    ]


def test_the_role_pages_render_for_an_admin(client, personas):
    client.force_login(personas.admin)
    listing = client.get(reverse("access:roles"))
    edit = client.get(reverse("access:role_edit", args=["finance"]))
    assert listing.status_code == edit.status_code == 200
    assert b'name="deal.field.payment_received"' in edit.content


def test_a_role_change_in_the_users_admin_is_audited(client, personas):
    client.force_login(personas.admin)
    user = UserFactory(username="zoe", team=personas.team_a)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "username": "zoe",
        "display_name": user.display_name,
        "team": personas.team_a.pk,
        "role": "finance",
        "language": "zh-hans",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    r = client.post(url, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    user.refresh_from_db()
    assert user.role == "finance"
    entry = AuditEntry.objects.get(
        action=AuditEntry.Action.PERMISSION_CHANGE, object_id=str(user.pk)
    )
    assert entry.changes == {"role": ["rep", "finance"]}


def test_the_history_card_hides_what_the_role_may_not_see(client, personas):
    from salestrack.deals.services import deal_update

    deal = DealFactory(customer__owner=personas.alice)
    deal_update(
        deal=deal,
        actor=personas.admin,
        expected_version=deal.version,
        data={"contract_number": "HT-SECRET-77", "competitor": "竞品甲"},
    )
    url = reverse("deals:detail", args=[deal.pk])
    client.force_login(_as(personas.bob, "marketing"))
    marketing_page = client.get(url).content
    client.force_login(personas.mia)
    manager_page = client.get(url).content

    assert b"HT-SECRET-77" in manager_page
    assert b"HT-SECRET-77" not in marketing_page
    assert "竞品甲".encode() in marketing_page  # a field marketing may read stays
