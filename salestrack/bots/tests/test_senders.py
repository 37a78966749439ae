"""senders.send against a real HTTP server on 127.0.0.1 (receiver.py): each service's JSON,
its signature recomputed here from the secret and the timestamp, and every way a delivery
fails."""

import base64
import hashlib
import hmac
import socket
import time

import pytest
from django.utils import translation

from salestrack.bots.senders import DELIVERY_HEADER, BotDeliveryError, deliver, send
from salestrack.bots.tests.dns import fake_dns
from salestrack.bots.tests.factories import BotFactory
from salestrack.notifications.events import Message

pytestmark = pytest.mark.django_db

with translation.override("zh-hans"):  # as compiled (English until the catalogue has it)
    OPEN = translation.gettext("Open in salestrack")
MESSAGE = Message(title="商机阶段变更", text="华信科技 · 方案报价\n负责人:艾丽丝", url="/deals/12/")


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SALESTRACK_SITE_URL = "https://crm.example.com"


def bot_for(receiver, kind, **fields):
    receiver.answer_as(kind)
    path = {"dingtalk": "/robot/send?access_token=abc", "wecom": "/cgi-bin/webhook/send?key=k1"}
    return BotFactory(kind=kind, webhook_url=receiver.url(path.get(kind, f"/{kind}/T1")), **fields)


def test_it_posts_dingtalk_markdown_unsigned(bot_receiver):
    bot = bot_for(bot_receiver, "dingtalk")

    send(bot, MESSAGE, idempotency_key="n-1-b-1")

    request = bot_receiver.last
    assert request.method == "POST"
    assert request.path == "/robot/send"
    assert request.query == {"access_token": "abc"}
    assert request.headers["content-type"].startswith("application/json")
    assert request.headers[DELIVERY_HEADER.lower()] == "n-1-b-1"
    body = request.json
    assert set(body) == {"msgtype", "markdown"}
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "商机阶段变更"
    text = body["markdown"]["text"]
    assert text.startswith("#### 商机阶段变更\n\n")
    assert "华信科技 · 方案报价  \n负责人:艾丽丝" in text
    assert text.endswith(f"[{OPEN}](https://crm.example.com/deals/12/)")


def test_it_signs_dingtalk_requests_with_the_secret(bot_receiver):
    secret = "SEC0123456789abcdef+/="
    bot = bot_for(bot_receiver, "dingtalk", secret=secret)
    before = int(time.time() * 1000)

    send(bot, MESSAGE, idempotency_key="k")

    query = bot_receiver.last.query
    assert query["access_token"] == "abc"
    timestamp = int(query["timestamp"])
    assert before <= timestamp <= int(time.time() * 1000)  # milliseconds
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == expected  # parse_qs undid the URL encoding
    assert "sign=" + expected not in bot_receiver.last.path  # it was encoded on the wire


def test_it_posts_wecom_markdown(bot_receiver):
    bot = bot_for(bot_receiver, "wecom")

    send(bot, MESSAGE, idempotency_key="k")

    request = bot_receiver.last
    assert request.query == {"key": "k1"}
    assert request.json == {
        "msgtype": "markdown",
        "markdown": {
            "content": "**商机阶段变更**\n华信科技 · 方案报价\n负责人:艾丽丝\n"
            f"[{OPEN}](https://crm.example.com/deals/12/)"
        },
    }


def test_it_cuts_wecom_messages_to_4096_bytes(bot_receiver):
    bot = bot_for(bot_receiver, "wecom")

    send(bot, Message(title="长", text="字" * 3000, url="/x/"), idempotency_key="k")

    content = bot_receiver.last.json["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert content.endswith(f"[{OPEN}](https://crm.example.com/x/)")
    assert "…" in content


def test_it_posts_a_signed_feishu_rich_text_post(bot_receiver):
    secret = "feishu-secret-1"
    bot = bot_for(bot_receiver, "feishu", secret=secret)
    before = int(time.time())

    send(bot, MESSAGE, idempotency_key="k")

    body = bot_receiver.last.json
    timestamp = body["timestamp"]
    assert isinstance(timestamp, str)
    assert before <= int(timestamp) <= int(time.time())  # seconds
    expected = base64.b64encode(
        hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "post"
    assert body["content"] == {
        "post": {
            "zh_cn": {
                "title": "商机阶段变更",
                "content": [
                    [{"tag": "text", "text": "华信科技 · 方案报价"}],
                    [{"tag": "text", "text": "负责人:艾丽丝"}],
                    [
                        {
                            "tag": "a",
                            "text": OPEN,
                            "href": "https://crm.example.com/deals/12/",
                        }
                    ],
                ],
            }
        }
    }


def test_it_writes_a_bots_labels_in_its_language(bot_receiver):
    bot = bot_for(bot_receiver, "feishu", language="en")

    send(bot, Message(title="Stage changed", text="", url="/deals/1/"), idempotency_key="k")

    body = bot_receiver.last.json
    assert "timestamp" not in body and "sign" not in body  # no secret, no signature
    post = body["content"]["post"]["en_us"]
    assert post["content"][-1] == [
        {"tag": "a", "text": "Open in salestrack", "href": "https://crm.example.com/deals/1/"}
    ]


def test_it_posts_slack_blocks(bot_receiver):
    bot = bot_for(bot_receiver, "slack")

    send(bot, MESSAGE, idempotency_key="k")

    assert bot_receiver.last.path == "/slack/T1"
    assert bot_receiver.last.json == {
        "text": "商机阶段变更: 华信科技 · 方案报价\n负责人:艾丽丝",
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*商机阶段变更*\n华信科技 · 方案报价\n负责人:艾丽丝",
                },
            },
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"<https://crm.example.com/deals/12/|{OPEN}>"}
                ],
            },
        ],
    }


def test_it_escapes_user_text_for_each_markup(bot_receiver):
    sneaky = Message(title="*大单* [点我](http://evil.example)", text="<!channel> & <b>", url="")
    kinds = {}
    for kind in ("dingtalk", "wecom", "slack", "feishu"):
        send(bot_for(bot_receiver, kind), sneaky, idempotency_key=kind)
        kinds[kind] = bot_receiver.last.json

    dingtalk = kinds["dingtalk"]["markdown"]["text"]
    assert r"\*大单\* \[点我\](http://evil.example)" in dingtalk
    assert "&lt;!channel> & &lt;b>" in dingtalk
    assert "](" not in dingtalk.replace(r"\](", "")  # no link survives
    wecom = kinds["wecom"]["markdown"]["content"]
    assert wecom.startswith(r"**\*大单\* \[点我\](http://evil.example)**")
    slack = kinds["slack"]["blocks"][0]["text"]["text"]
    assert slack == "**大单* [点我](http://evil.example)*\n&lt;!channel&gt; &amp; &lt;b&gt;"
    assert kinds["slack"]["text"].startswith("*大单* [点我](http://evil.example): &lt;!channel&gt;")
    assert len(kinds["slack"]["blocks"]) == 1  # no URL, no link block
    feishu = kinds["feishu"]["content"]["post"]["zh_cn"]  # plain-text elements: kept as typed
    assert feishu["title"] == "*大单* [点我](http://evil.example)"
    assert feishu["content"] == [[{"tag": "text", "text": "<!channel> & <b>"}]]


@pytest.mark.parametrize(
    ("kind", "status", "answer", "expected"),
    [
        ("dingtalk", 200, {"errcode": 310000, "errmsg": "sign not match"}, "310000"),
        ("wecom", 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, "93000"),
        ("feishu", 200, {"code": 19021, "msg": "sign match fail"}, "19021"),
        ("dingtalk", 500, "Internal Server Error", "HTTP 500"),
        ("wecom", 500, {"errcode": 0}, "HTTP 500"),
        ("feishu", 502, "bad gateway", "HTTP 502"),
        ("slack", 400, "invalid_payload", "HTTP 400: invalid_payload"),
        ("slack", 200, "not ok", "HTTP 200: not ok"),
        ("slack", 500, "", "HTTP 500"),
        ("dingtalk", 200, "<html>not json</html>", "Unexpected answer"),
    ],
)
def test_it_raises_on_a_refusal(bot_receiver, kind, status, answer, expected):
    bot = bot_for(bot_receiver, kind)
    bot_receiver.respond(status=status, body=answer)

    with pytest.raises(BotDeliveryError) as caught:
        send(bot, MESSAGE, idempotency_key="k")

    assert expected in str(caught.value)
    if isinstance(answer, dict) and "errmsg" in answer:
        assert answer["errmsg"] in str(caught.value)


def test_it_names_the_service_error_message(bot_receiver):
    bot = bot_for(bot_receiver, "feishu")
    bot_receiver.respond(body={"code": 9499, "msg": "Bad Request"})

    with pytest.raises(BotDeliveryError, match="9499, Bad Request"):
        send(bot, MESSAGE, idempotency_key="k")


def test_it_does_not_follow_a_redirect(bot_receiver):
    bot = bot_for(bot_receiver, "dingtalk")
    bot_receiver.respond(status=302, headers={"Location": bot_receiver.url("/elsewhere")})

    with pytest.raises(BotDeliveryError, match="302"):
        send(bot, MESSAGE, idempotency_key="k")

    assert [r.path for r in bot_receiver.requests] == ["/robot/send"]


def test_it_gives_up_after_the_timeout(bot_receiver, settings):
    settings.SALESTRACK_BOTS_TIMEOUT = 0.3
    bot = bot_for(bot_receiver, "wecom")
    bot_receiver.respond(delay=1.0, body={"errcode": 0})
    started = time.monotonic()

    with pytest.raises(BotDeliveryError, match=r"0\.3 seconds"):
        send(bot, MESSAGE, idempotency_key="k")

    assert time.monotonic() - started < 0.9


def test_it_reports_a_refused_connection(bot_receiver, settings):
    settings.SALESTRACK_BOTS_TIMEOUT = 2
    with socket.socket() as probe:  # a port nobody listens on any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = BotFactory(kind="slack", webhook_url=f"http://127.0.0.1:{port}/x")

    with pytest.raises(BotDeliveryError, match="connection failed"):
        send(bot, MESSAGE, idempotency_key="k")


def test_it_connects_to_the_checked_address_with_the_host_name(bot_receiver, monkeypatch):
    asked = fake_dns(monkeypatch, {"hooks.example.test": ["127.0.0.1"]})
    bot_receiver.answer_as("slack")
    bot = BotFactory(kind="slack", webhook_url=f"http://hooks.example.test:{bot_receiver.port}/s")

    send(bot, MESSAGE, idempotency_key="k")

    assert bot_receiver.last.headers["host"] == f"hooks.example.test:{bot_receiver.port}"
    assert asked.count("hooks.example.test") == 1  # resolved once: checked, then connected to


def test_it_checks_the_address_again_when_sending(bot_receiver, monkeypatch, settings):
    """Saved while public, the name now points into the private network: nothing is sent."""
    settings.SALESTRACK_BOTS_ALLOW_PRIVATE = False
    fake_dns(monkeypatch, {"hooks.example.test": ["10.1.2.3"]})
    bot = BotFactory(kind="wecom", webhook_url="https://hooks.example.test/cgi-bin/webhook/send")

    with pytest.raises(BotDeliveryError, match=r"Refused address.*10\.1\.2\.3"):
        send(bot, MESSAGE, idempotency_key="k")

    assert bot_receiver.requests == []


def test_it_refuses_http_outside_the_tests(settings):
    settings.SALESTRACK_BOTS_ALLOW_PRIVATE = False
    bot = BotFactory(kind="slack", webhook_url="http://hooks.slack.com/services/T/B/C")

    with pytest.raises(BotDeliveryError, match="https://"):
        send(bot, MESSAGE, idempotency_key="k")


def test_deliver_returns_the_services_answer(bot_receiver):
    bot = bot_for(bot_receiver, "dingtalk")

    delivery = deliver(bot, MESSAGE, idempotency_key="k")

    assert delivery.status == 200
    assert delivery.answer == '{"errcode": 0, "errmsg": "ok"}'
