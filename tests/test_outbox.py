"""The outbox: what is queued with an event reaches a real SMTP server once, even through failures."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plpcore import outbox
from plpcore.errors import InvalidInput
from plpcore.models import Message, MessageStatus, User


def _queue(db, user_id, n=1, **kw):
    with db.write() as s:
        user = s.get(User, user_id)
        user.email = user.email or f"{user.username}@families.example"
        ids = []
        for i in range(n):
            message = outbox.queue(s, user, kind="test", subject=f"Hello {i}", text=f"Plain {i}", html=f"<p>Rich {i}</p>", **kw)
            ids.append(message.id)
        return ids


def test_a_queued_message_arrives_with_its_plain_and_html_parts(db, school, inbox):
    _queue(db, school.gus, student_id=school.ana_student)
    counts = outbox.send(db, outbox.Smtp.from_url(inbox.url))
    assert counts["sent"] == 1
    (mail,) = inbox.to("gus@families.example")
    assert mail.get_body(("plain",)).get_content().strip() == "Plain 0"
    assert mail.get_body(("html",)).get_content().strip() == "<p>Rich 0</p>"


def test_a_message_about_a_student_is_refused_for_someone_not_linked_to_them(db, school):
    with pytest.raises(InvalidInput, match="linked"):
        _queue(db, school.gia, student_id=school.ana_student)
    with db.read() as s:
        assert s.scalars(select(Message)).all() == []


def test_while_smtp_refuses_messages_stay_queued_with_the_error_then_each_arrives_once(db, school, inbox):
    _queue(db, school.gus, n=3, student_id=school.ana_student)
    inbox.refuse = True
    counts = outbox.send(db, outbox.Smtp.from_url(inbox.url))
    assert counts == {"sent": 0, "retry": 1, "failed": 0}
    with db.read() as s:
        first = s.scalars(select(Message).order_by(Message.id)).first()
        assert first.status == MessageStatus.QUEUED and "451" in first.last_error and first.attempts == 1
    inbox.refuse = False
    with db.write() as s:  # the pause after a failure has passed
        for m in s.scalars(select(Message)):
            m.due_at = outbox.utcnow()
    assert outbox.send(db, outbox.Smtp.from_url(inbox.url))["sent"] == 3
    assert sorted(inbox.by_message_id().values()) == [1, 1, 1]
    with db.read() as s:
        assert [m.attempts for m in s.scalars(select(Message).order_by(Message.id))] == [2, 1, 1]


def test_a_second_pass_sends_nothing_again(db, school, inbox):
    _queue(db, school.gus, n=2, student_id=school.ana_student)
    settings = outbox.Smtp.from_url(inbox.url)
    outbox.send(db, settings)
    assert outbox.send(db, settings) == {"sent": 0, "retry": 0, "failed": 0}
    assert len(inbox.messages) == 2


def test_without_an_address_nothing_is_queued(db, school):
    with db.write() as s:
        assert outbox.queue(s, s.get(User, school.tia), kind="test", subject="s", text="t", html="h") is None
