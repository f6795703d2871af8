"""The sender as it runs in production, `python -m plpcore send`: killed mid-batch or facing a
server that is down, every message still reaches the SMTP server, and a second copy never does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from plpcore import outbox
from plpcore.db import ROOT
from plpcore.models import Message, MessageStatus, User
from tests.mail_support import _free_port


def _queue_many(db, user_id: int, n: int) -> None:
    with db.write() as s:
        user = s.get(User, user_id)
        user.email = "gus@families.example"
        for i in range(n):
            outbox.queue(s, user, kind="test", subject=f"Notice {i}", text=f"Plain {i}", html=f"<p>Rich {i}</p>")


def _sender(db, smtp_url: str) -> subprocess.Popen:
    env = dict(os.environ, PLP_SMTP_URL=smtp_url)
    return subprocess.Popen([sys.executable, "-m", "plpcore", "send", "--db", db.url], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _statuses(db) -> dict[str, int]:
    with db.read() as s:
        return {str(status): n for status, n in s.execute(select(Message.status, func.count()).group_by(Message.status))}


def test_a_sender_killed_mid_batch_and_restarted_delivers_every_message_and_none_twice(db, school, inbox):
    _queue_many(db, school.gus, 200)
    inbox.delay = 0.01  # a slow server, so the kill lands in the middle of the batch
    sender = _sender(db, inbox.url)
    deadline = time.monotonic() + 60
    while len(inbox.messages) < 60 and time.monotonic() < deadline and sender.poll() is None:
        time.sleep(0.01)
    sender.send_signal(signal.SIGKILL)
    sender.wait()
    received_before_restart = len(inbox.messages)
    assert 60 <= received_before_restart < 200, "the kill should land mid-batch"
    in_flight = _statuses(db).get("sending", 0)
    assert in_flight <= 1  # one message at a time is between "sending" and "sent"

    # The killed sender's claim on its message in hand runs out after outbox.STALE_SENDING; here
    # that time passes at once.
    with db.write() as s:
        for m in s.scalars(select(Message).where(Message.status == MessageStatus.SENDING)):
            m.due_at -= outbox.STALE_SENDING
    inbox.delay = 0.0
    restarted = _sender(db, inbox.url)
    out, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err

    counts = inbox.by_message_id()
    assert len(counts) == 200  # every message arrived
    twice = [mid for mid, n in counts.items() if n > 1]
    # Only the message in hand at the kill can arrive again: the server may have taken it just
    # before the kill, before the sender could mark it sent. It comes with the same Message-ID,
    # which a mail program shows as one message.
    assert len(twice) <= in_flight
    assert _statuses(db) == {"sent": 200}


def test_while_the_smtp_server_is_down_messages_wait_then_each_arrives_once_with_its_attempts(db, school, inbox):
    _queue_many(db, school.gus, 5)
    nobody_listening = f"smtp://127.0.0.1:{_free_port()}?from=plantable@school.example&starttls=no"
    down = _sender(db, nobody_listening)
    out, err = down.communicate(timeout=60)
    assert down.returncode == 0, err
    assert "to retry 1" in out  # the first message was tried; the rest wait for the next pass
    with db.read() as s:
        first = s.scalars(select(Message).order_by(Message.id)).first()
        assert first.status == MessageStatus.QUEUED and first.attempts == 1
        assert "ConnectionRefusedError" in first.last_error

    with db.write() as s:  # the pause after a failure has passed
        for m in s.scalars(select(Message)):
            m.due_at = outbox.utcnow()
    up = _sender(db, inbox.url)
    out, err = up.communicate(timeout=60)
    assert up.returncode == 0, err
    assert sorted(inbox.by_message_id().values()) == [1] * 5
    with db.read() as s:
        assert [(m.status, m.attempts) for m in s.scalars(select(Message).order_by(Message.id))] == (
            [(MessageStatus.SENT, 2)] + [(MessageStatus.SENT, 1)] * 4
        )


def test_send_without_smtp_set_up_says_so_and_leaves_the_queue_alone(db, school):
    _queue_many(db, school.gus, 1)
    env = {k: v for k, v in os.environ.items() if k != "PLP_SMTP_URL"}
    result = subprocess.run([sys.executable, "-m", "plpcore", "send", "--db", db.url], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("error: e-mail is not set up")
    assert _statuses(db) == {"queued": 1}
