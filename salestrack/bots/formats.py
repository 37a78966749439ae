"""Each service's message body, and its request signing.

- DingTalk custom robot: {"msgtype": "markdown", "markdown": {"title", "text"}}; with a secret,
  the query gets `timestamp` (ms) and `sign` = base64(HMAC-SHA256(key=secret,
  msg="{timestamp}\\n{secret}")), URL-encoded.
- WeCom group robot: {"msgtype": "markdown", "markdown": {"content"}} (at most 4096 bytes).
- Feishu custom bot: a rich-text post {"msg_type": "post", "content": {"post": {<locale>:
  {"title", "content": [[elements]]}}}}, whose text elements carry plain text (no markup to
  escape); with a secret, the body gets "timestamp" (seconds, a string) and "sign" =
  base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg=b"")).
- Slack incoming webhook: {"text": fallback, "blocks": [mrkdwn sections]}.

User text is escaped for each markup, so a deal named "*[x](http://evil)*" shows as written.
"""

import base64
import hashlib
import hmac
import re
import time
from urllib.parse import quote_plus

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from salestrack.notifications.events import Message

WECOM_MAX_BYTES = 4096
DINGTALK_MAX_BYTES = 18000  # the service's limit is ~20,000 bytes for the whole request
SLACK_SECTION_MAX = 3000  # characters of one section's text
FEISHU_MAX_CHARS = 10000

_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]~|])")
_MARKDOWN_BLOCK = re.compile(r"^(\s*)([#>+\-])", re.MULTILINE)
_MARKDOWN_NUMBERED = re.compile(r"^(\s*)(\d+)\.", re.MULTILINE)
_ENTITY = re.compile(r"&(?=#?\w+;)")


def absolute_url(path: str) -> str:
    if not path:
        return ""
    if path.startswith(("https://", "http://")):
        return path
    return settings.SALESTRACK_SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def escape_markdown(text: str) -> str:
    """Markdown (DingTalk, WeCom): inline markup characters backslash-escaped, and the ones
    that open a block at the start of a line (#, >, -, +, "1."); "<" and an "&" that would
    start an entity as entities (both render a few HTML tags such as <font>)."""
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;")
    text = _MARKDOWN_INLINE.sub(r"\\\1", text)
    text = _MARKDOWN_BLOCK.sub(r"\1\\\2", text)
    return _MARKDOWN_NUMBERED.sub(r"\1\2\\.", text)


def escape_slack(text: str) -> str:
    """Slack mrkdwn: &, < and > are its control characters (<!channel>, <url|label>)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown_url(url: str) -> str:
    """A URL inside markdown's (...): no spaces or parentheses left unencoded."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def fit_bytes(text: str, limit: int) -> str:
    """`text` cut (with an ellipsis) so that it takes at most `limit` UTF-8 bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: max(limit - 3, 0)].decode("utf-8", errors="ignore") + "…"


def fit_chars(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def open_label() -> str:
    return _("Open in salestrack")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}")), not yet
    URL-encoded."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu 签名校验: base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]


def dingtalk_payload(message: Message, url: str) -> dict:
    body = "  \n".join(escape_markdown(line) for line in _lines(message.text))
    link = f"\n\n[{escape_markdown(open_label())}]({markdown_url(url)})" if url else ""
    head = f"#### {escape_markdown(message.title)}\n\n"
    body = fit_bytes(body, DINGTALK_MAX_BYTES - len((head + link).encode("utf-8")))
    return {
        "msgtype": "markdown",
        "markdown": {"title": fit_chars(message.title, 100), "text": head + body + link},
    }


def wecom_payload(message: Message, url: str) -> dict:
    head = f"**{escape_markdown(message.title)}**\n"
    link = f"\n[{escape_markdown(open_label())}]({markdown_url(url)})" if url else ""
    body = "\n".join(escape_markdown(line) for line in _lines(message.text))
    body = fit_bytes(body, WECOM_MAX_BYTES - len((head + link).encode("utf-8")))
    return {"msgtype": "markdown", "markdown": {"content": head + body + link}}


def feishu_payload(message: Message, url: str, language: str) -> dict:
    rows = [
        [{"tag": "text", "text": line}]
        for line in _lines(fit_chars(message.text, FEISHU_MAX_CHARS))
    ]
    if url:
        rows.append([{"tag": "a", "text": open_label(), "href": url}])
    locale = "en_us" if language.startswith("en") else "zh_cn"
    return {
        "msg_type": "post",
        "content": {"post": {locale: {"title": fit_chars(message.title, 200), "content": rows}}},
    }


def slack_payload(message: Message, url: str) -> dict:
    text = fit_chars(escape_slack(message.text), SLACK_SECTION_MAX - 300)
    section = f"*{escape_slack(message.title)}*"
    if text:
        section += f"\n{text}"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": section}}]
    if url:
        link = f"<{escape_slack(url)}|{escape_slack(open_label())}>"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": link}]})
    fallback = escape_slack(
        message.title if not message.text else f"{message.title}: {message.text}"
    )
    return {"text": fit_chars(fallback, SLACK_SECTION_MAX), "blocks": blocks}


def build_request(bot, message: Message, *, now: float | None = None) -> tuple[str, dict]:
    """(the URL to post to, the JSON body) for `bot`, signed when it has a secret; the labels
    it adds are in the bot's language."""
    now = time.time() if now is None else now
    url = absolute_url(message.url)
    webhook = bot.webhook_url.strip()
    with translation.override(bot.language or settings.LANGUAGE_CODE):
        if bot.kind == "dingtalk":
            payload = dingtalk_payload(message, url)
            if bot.secret:
                timestamp = int(now * 1000)
                sign = quote_plus(dingtalk_sign(bot.secret, timestamp))
                joiner = "&" if "?" in webhook else "?"
                webhook = f"{webhook}{joiner}timestamp={timestamp}&sign={sign}"
        elif bot.kind == "wecom":
            payload = wecom_payload(message, url)
        elif bot.kind == "feishu":
            payload = feishu_payload(message, url, bot.language)
            if bot.secret:
                timestamp = int(now)
                payload = {
                    "timestamp": str(timestamp),
                    "sign": feishu_sign(bot.secret, timestamp),
                    **payload,
                }
        elif bot.kind == "slack":
            payload = slack_payload(message, url)
        else:
            raise ValueError(f"unknown bot kind {bot.kind!r}")
    return webhook, payload
