"""A real HTTP server for the tests: it receives webhook posts on 127.0.0.1 and records them.

Use the `bot_receiver` fixture (in another app's tests: `from salestrack.bots.tests.receiver
import bot_receiver  # noqa: F401`, or list this module in `pytest_plugins`):

    def test_it_posts(bot_receiver):
        bot = BotFactory(kind="slack", webhook_url=bot_receiver.url("/slack"))
        bot_receiver.answer_as("slack")              # default answer: Slack's "ok"
        bot_receiver.respond(status=500, body="x")   # the NEXT request only (a queue)
        ...
        request = bot_receiver.requests[0]           # .method .path .query .headers .json

The fixture sets SALESTRACK_BOTS_ALLOW_PRIVATE=True (the only way a bot may post to http:// on
127.0.0.1). Each queued answer can be delayed (`delay=` seconds) to provoke a timeout.
"""

import json
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

# The answer each service gives to an accepted message.
SUCCESS = {
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"code": 0, "msg": "success", "data": {}},
    "slack": "ok",
}


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict[str, str]  # the last value of each parameter
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def _answer(status: int, body, headers: dict | None, delay: float) -> Answer:
    headers = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
    return Answer(status=status, body=body, headers=headers, delay=delay)


class Receiver:
    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.requests: list[Received] = []
        self._queue: deque[Answer] = deque()
        self.default = _answer(200, SUCCESS["dingtalk"], None, 0)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                with receiver._lock:
                    receiver.requests.append(
                        Received(
                            method=self.command,
                            path=parts.path,
                            query=query,
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body,
                        )
                    )
                    answer = receiver._queue.popleft() if receiver._queue else receiver.default
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_POST = do_GET = do_PUT = _handle

            def log_message(self, format, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.scheme = "http"
        if ssl_context is not None:  # https: the handshake happens as a connection is accepted
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> "Receiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def answer_as(self, kind: str) -> None:
        """Every request not given a queued answer gets `kind`'s success answer."""
        self.default = _answer(200, SUCCESS[kind], None, 0)

    def respond(self, *, status: int = 200, body="", headers=None, delay: float = 0.0) -> None:
        """The answer to the next request (queued in order); `body` a str, bytes or JSON."""
        self._queue.append(_answer(status, body, headers, delay))

    @property
    def last(self) -> Received:
        assert self.requests, "the receiver got no request"
        return self.requests[-1]


@pytest.fixture
def bot_receiver(settings):
    settings.SALESTRACK_BOTS_ALLOW_PRIVATE = True
    receiver = Receiver().start()
    yield receiver
    receiver.stop()
