"""Writes of the bots app: configuring bots (audited, the secret and the webhook's token masked)
and the record of each bot's latest delivery."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_diff, audit_record
from salestrack.bots.models import Bot
from salestrack.bots.network import TargetRefused, check_target
from salestrack.bots.selectors import bot_manageable_teams
from salestrack.core.exceptions import ApplicationError
from salestrack.notifications.events import Message, event_types

BOT_FIELDS = ["team", "kind", "name", "webhook_url", "secret", "language", "events", "enabled"]
SIGNED_KINDS = (Bot.Kind.DINGTALK, Bot.Kind.FEISHU)


def bot_audit_snapshot(bot: Bot) -> dict[str, Any]:
    """The audited values: the secret and the webhook's token never in clear."""
    return {
        "team": bot.team_id,
        "kind": bot.kind,
        "name": bot.name,
        "webhook_url": bot.webhook_hint,
        "secret": bot.secret_hint,
        "language": bot.language,
        "events": sorted(bot.events),
        "enabled": bot.enabled,
    }


def _require_team(actor: User, team_id: int | None) -> None:
    if team_id is None or not bot_manageable_teams(actor).filter(pk=team_id).exists():
        raise PermissionDenied(_("You may not configure the bots of this team."))


def _check(bot: Bot) -> None:
    if bot.kind not in Bot.Kind.values:
        raise ApplicationError(_("Choose the service."))
    if not bot.name.strip():
        raise ApplicationError(_("Give the bot a name."))
    try:
        check_target(bot.webhook_url)
    except TargetRefused as exc:
        raise ApplicationError(str(exc)) from exc
    if bot.secret and bot.kind not in SIGNED_KINDS:
        raise ApplicationError(
            _("Only DingTalk and Feishu sign their webhooks: leave the secret empty.")
        )
    known = {event_type.key for event_type in event_types()}
    unknown = sorted(set(bot.events) - known)
    if unknown:
        raise ApplicationError(_("Unknown events: %(keys)s.") % {"keys": ", ".join(unknown)})


def _apply(bot: Bot, data: dict[str, Any]) -> None:
    unknown = set(data) - set(BOT_FIELDS) - {"clear_secret"}
    if unknown:
        raise ApplicationError(f"Unknown fields: {sorted(unknown)}")
    for name in BOT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "secret":
            if value:  # an empty secret field keeps the stored one
                bot.secret = value.strip()
            continue
        if name == "team":
            bot.team_id = getattr(value, "pk", value)
            continue
        if name == "events":
            value = sorted(set(value))
        if name in ("name", "webhook_url"):
            value = value.strip()
        setattr(bot, name, value)
    if data.get("clear_secret"):
        bot.secret = ""


@transaction.atomic
def bot_create(*, actor: User, data: dict[str, Any], request=None) -> Bot:
    bot = Bot(created_by=actor, updated_by=actor)
    _apply(bot, data)
    _require_team(actor, bot.team_id)
    _check(bot)
    bot.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=bot,
        changes=audit_diff({}, bot_audit_snapshot(bot)),
        request=request,
    )
    return bot


@transaction.atomic
def bot_update(*, actor: User, bot: Bot, data: dict[str, Any], request=None) -> Bot:
    """Change a bot (also its team: the actor must manage both teams)."""
    _require_team(actor, bot.team_id)
    bot = Bot.objects.select_for_update().get(pk=bot.pk)
    before = bot_audit_snapshot(bot)
    _apply(bot, data)
    _require_team(actor, bot.team_id)
    _check(bot)
    bot.updated_by = actor
    bot.save()
    changes = audit_diff(before, bot_audit_snapshot(bot))
    if changes:
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=bot, changes=changes, request=request
        )
    return bot


@transaction.atomic
def bot_delete(*, actor: User, bot: Bot, request=None) -> None:
    _require_team(actor, bot.team_id)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=bot,
        changes=audit_diff(bot_audit_snapshot(bot), {}),
        request=request,
    )
    bot.delete()


def bot_delivery_record(*, bot_id: int, ok: bool, detail: str) -> None:
    """The latest delivery attempt of a bot (shown on the list); one UPDATE, no audit entry."""
    Bot.objects.filter(pk=bot_id).update(
        last_delivery_at=timezone.now(), last_delivery_ok=ok, last_delivery_detail=detail[:500]
    )


def bot_test_message(bot: Bot) -> Message:
    with translation.override(bot.language):
        return Message(
            title=_("Test message from salestrack"),
            text=_("If you can read this, the bot “%(name)s” of team %(team)s is set up correctly.")
            % {"name": bot.name, "team": bot.team.name},
            url="/bots/",
        )


def bot_send_test(*, actor: User, bot: Bot):
    """Send a test message now (not through the queue): the service's answer, or
    BotDeliveryError. Either way it becomes the bot's last delivery status."""
    from salestrack.bots.senders import deliver

    _require_team(actor, bot.team_id)
    key = f"test-{bot.pk}-{timezone.now().timestamp():.0f}"
    return deliver(bot, bot_test_message(bot), idempotency_key=key)
