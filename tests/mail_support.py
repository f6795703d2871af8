"""A real SMTP server on loopback for the tests (aiosmtpd), keeping every message it accepts.

`refuse` makes it answer every message with a temporary failure (451) until set back, which
is how the tests see "the SMTP server is down, then up".
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclasses.dataclass
class Inbox:
    host: str
    port: int
    messages: list[EmailMessage] = dataclasses.field(default_factory=list)
    refuse: bool = False
    delay: float = 0.0  # seconds each message takes to be accepted: a slow server, so a test can stop a sender mid-batch
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        # No rate cap to speak of: a test that queues a whole school's reminders need not wait minutes.
        return f"smtp://{self.host}:{self.port}?from=plantable@school.example&starttls=no&per_minute=100000"

    def by_message_id(self) -> collections.Counter[str]:
        with self.lock:
            return collections.Counter(str(m["Message-ID"]) for m in self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if str(m["To"]) == address]

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        if self.refuse:
            return "451 4.3.0 try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox("127.0.0.1", _free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
