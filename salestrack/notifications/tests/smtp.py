"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1, a free port), with a receiver that
keeps every message and counts repeats of a Message-ID as the same message."""

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Receiver:
    """aiosmtpd handler. `raw` holds every message as received, `by_id` the messages by
    Message-ID (a receiver that de-duplicates). `delay` seconds are spent after a message is
    recorded and before it is acknowledged (250), so a sender killed then never learns it was
    delivered; arrival number `slow_at` (1-based) takes `slow_delay` seconds instead.
    `arrived` is set on each arrival."""

    delay: float = 0.0
    slow_at: int = 0
    slow_delay: float = 0.0
    raw: list = field(default_factory=list)
    sessions: list = field(default_factory=list)  # the client address of each message
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.raw.append(message)
            self.sessions.append(session.peer)
            number = len(self.raw)
        self.arrived.set()
        delay = self.slow_delay if number == self.slow_at else self.delay
        if delay:
            await asyncio.sleep(delay)
        return "250 Message accepted for delivery"

    @property
    def by_id(self) -> dict:
        with self.lock:
            return {m["Message-ID"]: m for m in self.raw}


class SMTPServer:
    def __init__(self, **receiver_options):
        self.receiver = Receiver(**receiver_options)
        self.port = free_port()
        self.controller = Controller(self.receiver, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SMTPServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
