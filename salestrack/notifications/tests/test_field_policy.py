"""The reader's field policy in notifications: params copied from fields a role hides are left
out, masked ones arrive masked, in the centre, in e-mails (a real SMTP server) and for group
bots (the built-in "rep" role's levels)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from salestrack.access.models import FieldLevel, FieldPolicy, Role
from salestrack.access.policy import mask_value, permissions_for
from salestrack.access.role_services import role_create
from salestrack.bots.tests.factories import BotFactory
from salestrack.core.tests.factories import UserFactory
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory
from salestrack.notifications import services
from salestrack.notifications.delivery import deliver_pending
from salestrack.notifications.events import (
    EventType,
    Message,
    bot_permissions,
    params_for_reader,
)
from salestrack.notifications.models import Delivery, Notification

CUSTOMER = "华信科技有限公司"
AMOUNT = Decimal("386500.00")
SHOWN_AMOUNT = "386,500"  # as cny() writes it


def restrict(role: Role, **levels) -> None:
    """levels: deal__amount="hidden", customer__name="masked", ..."""
    for spec, level in levels.items():
        object_type, name = spec.split("__")
        FieldPolicy.objects.update_or_create(
            role=role, object_type=object_type, field=name, defaults={"level": level}
        )


@pytest.fixture
def lena(personas):
    """Team A's lead: a custom role copied from the manager's that hides deal amounts and
    masks customer names."""
    role = role_create(
        key="teamlead",
        name="Team lead",
        copy_from=Role.objects.get(key="manager"),
        actor=personas.admin,
    )
    restrict(role, deal__amount=FieldLevel.HIDDEN, customer__name=FieldLevel.MASKED)
    return UserFactory(
        username="lena",
        team=personas.team_a,
        role="teamlead",
        email="lena@example.com",
        language="en",
    )


@pytest.fixture
def moved(personas, lena, stages, client, smtp, django_capture_on_commit_callbacks):
    """The admin moves Alice's deal: Alice (owner) and Lena (team lead) are told, in the
    centre and by e-mail; the commit's kick runs the worker against the SMTP server."""
    personas.alice.email = "alice@example.com"
    personas.alice.language = "en"
    personas.alice.save()
    for user in (personas.alice, lena):  # stage changes come by e-mail too
        services.preferences_update(
            user=user,
            choices={("deal.stage_changed", "email"): True},
            quiet_start=None,
            quiet_end=None,
        )
    customer = CustomerFactory(owner=personas.alice, name=CUSTOMER)
    deal = DealFactory(
        owner=personas.alice,
        customer=customer,
        title="ERP upgrade",
        amount=AMOUNT,
        stage=stages["Needs confirmed"],
    )
    client.force_login(personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("deals:move", args=[deal.pk]),
            {"to_stage": stages["Lead"].pk, "version": deal.version},
        )
    assert response.status_code == 302
    assert set(Notification.objects.values_list("event", "recipient__username")) == {
        ("deal.stage_changed", "alice"),
        ("deal.stage_changed", "lena"),
    }
    return deal


def centre(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("notifications:index"))
    assert response.status_code == 200
    return response.content.decode()


def email_text(smtp, address: str) -> str:
    [message] = [m for m in smtp.raw if m["To"] == address]
    return message["Subject"] + "\n" + message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.django_db
def test_a_role_hiding_the_amount_reads_the_move_without_it_and_the_customer_masked(
    moved, personas, lena, client, smtp
):
    masked = mask_value("name", CUSTOMER)
    assert masked == "华******"
    page = centre(client, lena)
    mail = email_text(smtp, "lena@example.com")
    for seen in (page, mail):
        assert "ERP upgrade: Needs confirmed → Lead" in seen
        assert f"Customer: {masked}" in seen
        assert CUSTOMER not in seen
        assert SHOWN_AMOUNT not in seen and "¥" not in seen
        assert "None" not in seen and "amount" not in seen.lower()


@pytest.mark.django_db
def test_the_owner_still_reads_the_amount_and_the_customer(moved, personas, client, smtp):
    for seen in (centre(client, personas.alice), email_text(smtp, "alice@example.com")):
        assert f"Customer: {CUSTOMER} · amount ¥{SHOWN_AMOUNT}" in seen
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_a_bot_reads_what_the_builtin_rep_role_may_read(personas, bot_receiver):
    BotFactory(
        team=personas.team_a,
        kind="slack",
        webhook_url=bot_receiver.url("/slack"),
        language="en",
        events=["deal.stage_changed"],
    )
    bot_receiver.answer_as("slack")
    customer = CustomerFactory(owner=personas.alice, name=CUSTOMER)
    deal = DealFactory(owner=personas.alice, customer=customer, amount=AMOUNT)
    params = {"deal_id": deal.pk, "deal": "ERP", "customer": CUSTOMER, "amount": str(AMOUNT)}

    def post() -> str:
        services.notify(
            event="deal.stage_changed", recipients=[], params=params, team_ids=[personas.team_a.pk]
        )
        assert deliver_pending() == {"sent": 1, "failed": 0}
        return bot_receiver.requests[-1].body.decode()

    # The built-in rep role reads amounts and names: so does the team's bot.
    body = post()
    assert SHOWN_AMOUNT in body and CUSTOMER in body

    # Admins make amounts hidden and names masked for reps: the bot follows.
    restrict(
        Role.objects.get(key="rep"),
        deal__amount=FieldLevel.HIDDEN,
        customer__name=FieldLevel.MASKED,
    )
    body = post()
    assert SHOWN_AMOUNT not in body and CUSTOMER not in body
    assert mask_value("name", CUSTOMER) in body and "None" not in body


def _echo(params: dict) -> Message:
    return Message(title="t", text=repr(sorted(params.items())))


GOVERNED = EventType(
    key="test.governed",
    label="Governed",
    render=_echo,
    governed={"amount": ("deal", "amount"), "customer": ("customer", "name")},
)
PARAMS = {
    "deal_id": 3,
    "amount": "100.00",
    "customer": CUSTOMER,
    "items": [{"customer": CUSTOMER, "amount": "5.00", "due": "2026-03-01"}, "x"],
}


@pytest.mark.django_db
def test_the_policy_applies_inside_lists_of_dicts_and_keeps_other_keys(personas):
    restrict(
        Role.objects.get(key="rep"),
        deal__amount=FieldLevel.HIDDEN,
        customer__name=FieldLevel.MASKED,
    )
    masked = mask_value("name", CUSTOMER)
    seen = params_for_reader(GOVERNED, PARAMS, permissions_for(personas.alice))
    assert seen == {
        "deal_id": 3,
        "customer": masked,
        "items": [{"customer": masked, "due": "2026-03-01"}, "x"],
    }
    assert PARAMS["amount"] == "100.00"  # the stored params are not changed
    # The manager's role hides nothing: the params as stored.
    assert params_for_reader(GOVERNED, PARAMS, permissions_for(personas.mia)) == PARAMS


@pytest.mark.django_db
def test_a_reader_without_a_role_gets_no_governed_param(personas):
    stripped = {"deal_id": 3, "items": [{"due": "2026-03-01"}, "x"]}
    assert params_for_reader(GOVERNED, PARAMS, None) == stripped
    personas.bob.is_active = False
    assert params_for_reader(GOVERNED, PARAMS, permissions_for(personas.bob)) == stripped
    Role.objects.filter(key="rep").delete()
    assert bot_permissions() is None
    # An event type without governed params is untouched.
    plain = EventType(key="test.plain", label="Plain", render=_echo)
    assert params_for_reader(plain, PARAMS, None) is PARAMS
