"""Delivering one message to one bot (the notification worker's entry point).

None of these services de-duplicates: DingTalk, WeCom, Feishu and Slack post every request they
accept. `idempotency_key` travels as the X-Salestrack-Delivery header (the services ignore
unknown headers; a proxy or a test receiver can use it), but "exactly once" is the caller's job:
claim the delivery before calling send(), as the notifications outbox does.
"""

import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

from salestrack.bots.formats import build_request
from salestrack.bots.models import Bot
from salestrack.bots.network import TargetRefused, TransportFailed, post_json
from salestrack.bots.services import bot_delivery_record
from salestrack.notifications.events import Message

DELIVERY_HEADER = "X-Salestrack-Delivery"


class BotDeliveryError(Exception):
    """The message did not reach the group; str(error) says what went wrong (HTTP status, the
    service's error code and message, a timeout, a refused address)."""


@dataclass(frozen=True)
class Delivery:
    status: int
    answer: str  # the service's answer, shortened (for the "send a test message" page)


def _snippet(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_answer(text: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def check_answer(kind: str, status: int, text: str) -> None:
    """Raise BotDeliveryError unless the service's answer means the message was accepted."""
    if 300 <= status < 400:
        raise BotDeliveryError(
            _("The webhook answered with a redirect (HTTP %(status)s); redirects are not followed.")
            % {"status": status}
        )
    if kind == Bot.Kind.SLACK:
        if status != 200 or text.strip() != "ok":
            raise BotDeliveryError(
                _("Slack answered HTTP %(status)s: %(answer)s")
                % {"status": status, "answer": _snippet(text) or "-"}
            )
        return
    data = _json_answer(text)
    if kind in (Bot.Kind.DINGTALK, Bot.Kind.WECOM):
        code, detail = data.get("errcode"), data.get("errmsg", "")
    else:  # Feishu: "code"/"msg" (older answers: "StatusCode"/"StatusMessage")
        code = data.get("code", data.get("StatusCode"))
        detail = data.get("msg", data.get("StatusMessage", ""))
    if status != 200 and code in (None, 0):
        raise BotDeliveryError(
            _("The webhook answered HTTP %(status)s: %(answer)s")
            % {"status": status, "answer": _snippet(text) or "-"}
        )
    if code is None:
        raise BotDeliveryError(
            _("Unexpected answer (HTTP %(status)s): %(answer)s")
            % {"status": status, "answer": _snippet(text) or "-"}
        )
    if code != 0:
        raise BotDeliveryError(
            _("The service refused the message: error %(code)s, %(detail)s (HTTP %(status)s)")
            % {"code": code, "detail": _snippet(str(detail)) or "-", "status": status}
        )


def deliver(bot: Bot, message: Message, *, idempotency_key: str) -> Delivery:
    """send(), returning the service's answer; BotDeliveryError when it was not accepted. The
    outcome becomes the bot's last delivery status."""
    try:
        delivery = _deliver(bot, message, idempotency_key=idempotency_key)
    except BotDeliveryError as exc:
        if bot.pk:
            bot_delivery_record(bot_id=bot.pk, ok=False, detail=str(exc))
        raise
    if bot.pk:
        bot_delivery_record(
            bot_id=bot.pk, ok=True, detail=f"HTTP {delivery.status}: {delivery.answer}"
        )
    return delivery


def _deliver(bot: Bot, message: Message, *, idempotency_key: str) -> Delivery:
    url, payload = build_request(bot, message)
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    try:
        answer = post_json(url, body, headers={DELIVERY_HEADER: idempotency_key})
    except TargetRefused as exc:
        raise BotDeliveryError(_("Refused address: %(reason)s") % {"reason": exc}) from exc
    except TransportFailed as exc:
        raise BotDeliveryError(str(exc)) from exc
    check_answer(bot.kind, answer.status, answer.text)
    return Delivery(status=answer.status, answer=_snippet(answer.text))


def send(bot: Bot, message: Message, *, idempotency_key: str) -> None:
    """Post `message` to the bot's group in its service's format (signed when the bot has a
    secret); BotDeliveryError when it did not go through. Retrying is the caller's decision;
    the services do not de-duplicate (see the module docstring)."""
    deliver(bot, message, idempotency_key=idempotency_key)
