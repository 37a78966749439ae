"""The bot pages, through the views, with the personas: who may configure which team's bots,
the form's checks (target, secret, team), the audit trail and the test message."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.bots.models import Bot
from salestrack.bots.tests.dns import fake_dns
from salestrack.bots.tests.factories import BotFactory
from salestrack.core.tests.factories import UserFactory
from salestrack.notifications import events
from salestrack.notifications.events import EventType, Message

pytestmark = pytest.mark.django_db

SECRET = "SECabcdef0123456789secret"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=tok123456"


@pytest.fixture(autouse=True)
def production(settings, monkeypatch):
    """No private targets, and a resolver that knows a few public names (never the network)."""
    settings.SALESTRACK_BOTS_ALLOW_PRIVATE = False
    return fake_dns(
        monkeypatch,
        {
            "oapi.dingtalk.com": ["203.119.169.1"],
            "open.feishu.cn": ["93.184.215.14"],
            "qyapi.weixin.qq.com": ["1.1.1.1"],
            "hooks.slack.com": ["2606:4700:4700::1111"],
            "intranet.example.com": ["93.184.215.14", "192.168.10.5"],
        },
    )


@pytest.fixture(autouse=True)
def event_keys(monkeypatch):
    """Two registered event types (the registry restored after the test)."""
    for key, label in (("deal.stage_changed", "Stage changes"), ("deal.won", "Deals won")):
        monkeypatch.setitem(
            events._REGISTRY,
            key,
            EventType(key=key, label=label, render=lambda params: Message(title="t", text="")),
        )


def team_manager(team) -> User:
    """A manager whose subtree is one team (Mia's is the department above teams A and B)."""
    return UserFactory(username=f"manager-{team.pk}", team=team, role=User.Role.MANAGER)


def form_data(team, **changes) -> dict:
    data = {
        "team": team.pk,
        "kind": "dingtalk",
        "name": "华东销售群",
        "webhook_url": DINGTALK,
        "secret": SECRET,
        "language": "zh-hans",
        "events": ["deal.stage_changed"],
        "enabled": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# who may see the pages ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "charlie"])
def test_it_refuses_reps(client, personas, name):
    bot = BotFactory(team=personas.team_a)
    client.force_login(getattr(personas, name))

    assert client.get(reverse("bots:index")).status_code == 403
    assert client.get(reverse("bots:create")).status_code == 403
    assert client.get(reverse("bots:edit", args=[bot.pk])).status_code == 403
    assert client.post(reverse("bots:delete", args=[bot.pk])).status_code == 403
    assert client.post(reverse("bots:test", args=[bot.pk])).status_code == 403
    assert Bot.objects.filter(pk=bot.pk).exists()


def test_it_lists_every_teams_bots_for_admins(client, personas):
    BotFactory(team=personas.team_a, name="一组群")
    BotFactory(team=personas.team_b, name="二组群", kind="slack", enabled=False)
    client.force_login(personas.admin)

    response = client.get(reverse("bots:index"))

    body = response.content.decode()
    assert "一组群" in body and "二组群" in body
    assert "Slack" in body and "off" in body
    assert f'href="{reverse("bots:index")}"' in body  # the More menu's link


def test_a_team_manager_sees_and_changes_only_their_teams_bots(client, personas):
    own = BotFactory(team=personas.team_a, name="一组群")
    other = BotFactory(team=personas.team_b, name="二组群")
    client.force_login(team_manager(personas.team_a))

    body = client.get(reverse("bots:index")).content.decode()

    assert "一组群" in body and "二组群" not in body
    assert client.get(reverse("bots:edit", args=[own.pk])).status_code == 200
    assert client.get(reverse("bots:edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("bots:delete", args=[other.pk])).status_code == 404
    assert client.post(reverse("bots:test", args=[other.pk])).status_code == 404
    assert Bot.objects.filter(pk=other.pk).exists()


def test_the_department_manager_reaches_both_teams(client, personas):
    BotFactory(team=personas.team_a, name="一组群")
    BotFactory(team=personas.team_b, name="二组群")
    client.force_login(personas.mia)

    body = client.get(reverse("bots:index")).content.decode()

    assert "一组群" in body and "二组群" in body


def test_reps_see_no_menu_link(client, personas):
    client.force_login(personas.alice)

    body = client.get(reverse("today:index")).content.decode()

    assert reverse("bots:index") not in body


# creating and changing ---------------------------------------------------------------------


def test_it_creates_a_bot_and_audits_it_with_the_secret_masked(client, personas):
    client.force_login(personas.admin)

    response = client.post(reverse("bots:create"), form_data(personas.team_a))

    assert response.status_code == 302
    bot = Bot.objects.get()
    assert (bot.team, bot.kind, bot.name) == (personas.team_a, "dingtalk", "华东销售群")
    assert bot.webhook_url == DINGTALK
    assert bot.secret == SECRET
    assert bot.events == ["deal.stage_changed"]
    assert bot.created_by == personas.admin
    entry = AuditEntry.objects.get(object_type="bots.bot", object_id=str(bot.pk))
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.changes["secret"] == [None, "SEC******et"]
    assert entry.changes["webhook_url"][1] == "https://oapi.dingtalk.com/robot/send?…"
    stored = str(entry.changes) + str(entry.extra)
    assert SECRET not in stored and "tok123456" not in stored


def test_the_form_offers_the_registered_events(client, personas):
    client.force_login(personas.admin)

    body = client.get(reverse("bots:create")).content.decode()

    assert 'value="deal.stage_changed"' in body and "Stage changes" in body
    assert 'value="deal.won"' in body and "Deals won" in body


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "https://intranet.example.com/hook",
            "intranet.example.com resolves to 192.168.10.5, a private network address",
        ),
        ("https://169.254.169.254/latest/", "169.254.169.254 is a link-local address"),
        ("https://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1 is a loopback address"),
        ("http://oapi.dingtalk.com/robot/send", "must start with https://"),
        ("https://unknown.example.com/x", "unknown.example.com cannot be resolved"),
    ],
)
def test_it_refuses_a_webhook_that_is_not_public_https(client, personas, url, message):
    client.force_login(personas.admin)

    response = client.post(reverse("bots:create"), form_data(personas.team_a, webhook_url=url))

    assert response.status_code == 200
    assert message in response.context["form"].errors["webhook_url"][0]
    assert message in response.content.decode()
    assert not Bot.objects.exists()
    assert not AuditEntry.objects.filter(object_type="bots.bot").exists()


def test_it_refuses_a_secret_for_services_that_do_not_sign(client, personas):
    client.force_login(personas.admin)

    response = client.post(
        reverse("bots:create"),
        form_data(personas.team_a, kind="wecom", webhook_url="https://qyapi.weixin.qq.com/x"),
    )

    assert "Only DingTalk and Feishu sign" in response.context["form"].errors["secret"][0]
    assert not Bot.objects.exists()


def test_a_manager_cannot_put_a_bot_in_another_team(client, personas):
    client.force_login(team_manager(personas.team_a))

    response = client.post(reverse("bots:create"), form_data(personas.team_b))

    assert response.status_code == 200
    assert "team" in response.context["form"].errors
    assert not Bot.objects.exists()


def test_it_never_shows_the_secret_again(client, personas):
    bot = BotFactory(team=personas.team_a, secret=SECRET, webhook_url=DINGTALK)
    client.force_login(personas.admin)

    edit = client.get(reverse("bots:edit", args=[bot.pk])).content.decode()
    listing = client.get(reverse("bots:index")).content.decode()

    assert SECRET not in edit and SECRET not in listing
    assert "SEC******et" in edit
    assert "tok123456" not in listing  # the list shows the webhook without its token


def test_an_empty_secret_field_keeps_the_stored_secret(client, personas):
    bot = BotFactory(team=personas.team_a, secret=SECRET, webhook_url=DINGTALK)
    client.force_login(personas.admin)

    response = client.post(
        reverse("bots:edit", args=[bot.pk]), form_data(personas.team_a, secret="", name="新名字")
    )

    assert response.status_code == 302
    bot.refresh_from_db()
    assert (bot.name, bot.secret) == ("新名字", SECRET)
    entry = AuditEntry.objects.get(object_type="bots.bot", action=AuditEntry.Action.UPDATE)
    assert set(entry.changes) == {"name", "events"}  # the factory's bot had no events


def test_it_removes_the_secret_on_request(client, personas):
    bot = BotFactory(team=personas.team_a, secret=SECRET, webhook_url=DINGTALK)
    client.force_login(personas.admin)

    client.post(
        reverse("bots:edit", args=[bot.pk]),
        form_data(personas.team_a, secret="", clear_secret="on"),
    )

    bot.refresh_from_db()
    assert bot.secret == ""
    entry = AuditEntry.objects.get(object_type="bots.bot", action=AuditEntry.Action.UPDATE)
    assert entry.changes["secret"] == ["SEC******et", ""]


def test_it_deletes_a_bot_with_an_audit_entry(client, personas):
    bot = BotFactory(team=personas.team_a, secret=SECRET)
    client.force_login(personas.mia)

    response = client.post(reverse("bots:delete", args=[bot.pk]))

    assert response.status_code == 302
    assert not Bot.objects.exists()
    entry = AuditEntry.objects.get(object_type="bots.bot", action=AuditEntry.Action.DELETE)
    assert entry.actor == personas.mia
    assert entry.changes["secret"] == ["SEC******et", None]


# the test message ----------------------------------------------------------------------------


def test_the_test_button_shows_the_services_answer(client, personas, bot_receiver):
    bot = BotFactory(team=personas.team_a, kind="feishu", webhook_url=bot_receiver.url("/f"))
    bot_receiver.answer_as("feishu")
    client.force_login(personas.admin)

    response = client.post(reverse("bots:test", args=[bot.pk]), follow=True)

    shown = texts(response)
    assert any("HTTP 200" in t and '"msg": "success"' in t for t in shown), shown
    assert bot_receiver.last.json["msg_type"] == "post"
    bot.refresh_from_db()
    assert bot.last_delivery_ok is True
    assert bot.last_delivery_detail.startswith("HTTP 200")
    assert "delivered" in response.content.decode()


def test_the_test_button_shows_the_services_error(client, personas, bot_receiver):
    bot = BotFactory(team=personas.team_a, kind="dingtalk", webhook_url=bot_receiver.url("/d"))
    bot_receiver.respond(body={"errcode": 300001, "errmsg": "token is not exist"})
    client.force_login(personas.admin)

    response = client.post(reverse("bots:test", args=[bot.pk]), follow=True)

    assert any("300001" in t and "token is not exist" in t for t in texts(response))
    bot.refresh_from_db()
    assert bot.last_delivery_ok is False
    assert "300001" in bot.last_delivery_detail
    assert "failed" in response.content.decode()


def test_the_test_button_refuses_a_target_that_became_private(client, personas, production):
    bot = BotFactory(team=personas.team_a, webhook_url="https://intranet.example.com/hook")
    client.force_login(personas.admin)

    response = client.post(reverse("bots:test", args=[bot.pk]), follow=True)

    assert any("Refused address" in t and "192.168.10.5" in t for t in texts(response))
