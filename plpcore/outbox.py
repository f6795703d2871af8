"""The outbox: e-mail written with the event that causes it, delivered later by SMTP.

`queue` adds a Message inside the caller's transaction, so an event never loses its
message and a message never exists without its event. `send` delivers what is due, one
SMTP transaction per message, each marked before and after in its own commit:

- a message is marked `sending` (attempt counted) before it goes to SMTP, and `sent` after;
- a sender killed in between leaves it `sending`; the next pass sends it again with the same
  `Message-ID`, which mail programs read as the same message, never a second copy;
- a refusal or a server that is down puts it back in the queue with the error, to be tried
  again after a growing pause, up to MAX_ATTEMPTS.

Without SMTP set up (a laptop pilot) nothing breaks: messages wait in the queue, and the
screens that caused them say so and show the link to share by hand.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import secrets
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from plpcore.access import roles_toward
from plpcore.db import ROOT, Database, setting
from plpcore.errors import InvalidInput
from plpcore.models import Message, MessageStatus, Student, User, utcnow

MAX_ATTEMPTS = 8
FIRST_PAUSE = dt.timedelta(minutes=1)  # then 2, 4, 8 ... minutes
STALE_SENDING = dt.timedelta(minutes=10)  # a `sending` row older than this had its sender die
DEFAULT_PER_MINUTE = 60


@dataclasses.dataclass(frozen=True)
class Smtp:
    """Where mail goes: `PLP_SMTP_URL`, or `[smtp]` in .streamlit/secrets.toml.

    smtp://user:password@host:587?from=plantable@school.org      STARTTLS when the server offers it
    smtps://user:password@host:465?from=...                       TLS from the start
    smtp://127.0.0.1:1025?from=...&starttls=no                    a local relay, no TLS, no login
    """

    host: str
    port: int
    sender: str
    tls: str = "starttls"  # "starttls" | "ssl" | "none"
    username: str = ""
    password: str = ""
    per_minute: int = DEFAULT_PER_MINUTE

    @classmethod
    def from_url(cls, url: str) -> Smtp:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise InvalidInput("PLP_SMTP_URL", "must look like smtp://user:password@host:587?from=address")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        sender = query.get("from", "")
        if not sender:
            raise InvalidInput("PLP_SMTP_URL", "must say who mail is from: ?from=plantable@your-school.org")
        ssl_mode = "ssl" if parts.scheme == "smtps" else ("none" if query.get("starttls") == "no" else "starttls")
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if ssl_mode == "ssl" else 587),
            sender=sender,
            tls=ssl_mode,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            per_minute=int(query.get("per_minute", DEFAULT_PER_MINUTE)),
        )


def smtp_settings(root: Path = ROOT) -> Smtp | None:
    """The SMTP settings, or None when mail is not set up (messages then wait in the queue)."""
    url = setting("PLP_SMTP_URL", "smtp", "url", root=root)
    return Smtp.from_url(url) if url else None


def base_url(root: Path = ROOT) -> str:
    """The app's address as people reach it, for links in e-mail: PLP_BASE_URL or `[app] base_url`."""
    return (setting("PLP_BASE_URL", "app", "base_url", root=root) or "http://localhost:8501").rstrip("/")


# --- queueing ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def queue(
    session: Session,
    user: User,
    *,
    kind: str,
    subject: str,
    text: str,
    html: str,
    student_id: int | None = None,
    meeting_id: int | None = None,
    support_id: int | None = None,
    attachments: Iterable[Attachment] = (),
    dedupe_key: str | None = None,
) -> Message | None:
    """Add a message to the outbox, in the caller's transaction.

    Nothing is queued for a person without an address. A message about a student goes only to
    someone linked to that student: anything else is a bug, refused loudly.
    """
    if not user.email or not user.active:
        return None
    student = session.get(Student, student_id) if student_id is not None else None
    if student_id is not None and (student is None or not roles_toward(session, user, student)):
        raise InvalidInput("recipient", "a message about a student goes only to people linked to that student.")
    if dedupe_key is not None and session.scalar(select(Message.id).where(Message.dedupe_key == dedupe_key)):
        return None
    message = Message(**message_values(
        user.school_id, user.id, user.email, kind=kind, subject=subject, text=text, html=html, student_id=student_id,
        meeting_id=meeting_id, support_id=support_id, attachments=attachments, dedupe_key=dedupe_key))
    session.add(message)
    session.flush()
    return message


def message_values(
    school_id: int | None, user_id: int, address: str, *, kind: str, subject: str, text: str, html: str,
    student_id: int | None = None, meeting_id: int | None = None, support_id: int | None = None,
    attachments: Iterable[Attachment] = (), dedupe_key: str | None = None,
) -> dict:
    """A Message row's values, with its Message-ID made once, here. `queue` adds one; a caller that
    queues thousands at once (reminders) inserts many in one statement, having checked the
    recipients in bulk."""
    now = utcnow()
    return {
        "school_id": school_id, "user_id": user_id, "to_address": address, "kind": kind, "subject": subject,
        "body_text": text, "body_html": html,
        "attachments": json.dumps([
            {"filename": a.filename, "content_type": a.content_type, "data": base64.b64encode(a.data).decode()}
            for a in attachments
        ]),
        "student_id": student_id, "meeting_id": meeting_id, "support_id": support_id, "dedupe_key": dedupe_key,
        "message_id": make_msgid(idstring=secrets.token_hex(8), domain=address.rsplit("@", 1)[-1]),
        "status": MessageStatus.QUEUED, "attempts": 0, "due_at": now, "created_at": now,
    }


STYLE = "font-family: Arial, Helvetica, sans-serif; font-size: 16px; line-height: 1.5; max-width: 40em; color: #1a1a1a"


def page(parts: Iterable[str]) -> str:
    """A message's HTML body: its parts (each escaped by its writer) in one plain, readable page."""
    return f'<!doctype html>\n<html lang="en"><body style="{STYLE}">' + "".join(parts) + "</body></html>"


# --- sending ----------------------------------------------------------------------------------


def as_email(message: Message, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail["Message-ID"] = message.message_id
    mail["Date"] = format_datetime(message.created_at.replace(tzinfo=dt.UTC))
    mail.set_content(message.body_text)
    mail.add_alternative(message.body_html, subtype="html")
    for a in json.loads(message.attachments):
        maintype, subtype = a["content_type"].split(";")[0].split("/", 1)
        params = dict(p.strip().split("=", 1) for p in a["content_type"].split(";")[1:])
        mail.add_attachment(base64.b64decode(a["data"]), maintype=maintype, subtype=subtype,
                            filename=a["filename"], params=params)
    return mail


def _connect(settings: Smtp) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.tls == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=30, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=30)
        client.ehlo()
        if settings.tls == "starttls" and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
    if settings.username:
        client.login(settings.username, settings.password)
    return client


def _claim(db: Database, now: dt.datetime) -> Message | None:
    """Take the next due message, marking it `sending` with one more attempt, in its own commit."""
    with db.write() as s:
        message = s.scalar(
            select(Message)
            .where(or_(
                (Message.status == MessageStatus.QUEUED) & (Message.due_at <= now),
                (Message.status == MessageStatus.SENDING) & (Message.due_at <= now - STALE_SENDING),
            ))
            .order_by(Message.due_at, Message.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if message is None:
            return None
        message.status = MessageStatus.SENDING
        message.attempts += 1
        message.due_at = now
        s.flush()
        s.expunge(message)
        return message


def _settle(db: Database, message_id: int, error: str | None, permanent: bool, now: dt.datetime) -> None:
    with db.write() as s:
        row = s.get(Message, message_id)
        assert row is not None
        if error is None:
            row.status, row.sent_at, row.last_error = MessageStatus.SENT, now, None
        elif permanent or row.attempts >= MAX_ATTEMPTS:
            row.status, row.last_error = MessageStatus.FAILED, error
        else:
            row.status, row.last_error = MessageStatus.QUEUED, error
            row.due_at = now + FIRST_PAUSE * 2 ** (row.attempts - 1)


def send(db: Database, settings: Smtp, *, limit: int | None = None,
         should_stop: Callable[[], bool] = lambda: False) -> dict[str, int]:
    """One pass: deliver every due message (at most settings.per_minute a minute), until the
    queue has nothing due, `limit` messages were handled, or `should_stop()` says so.

    Returns how many were sent, put back for a retry, and failed for good.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0}
    client: smtplib.SMTP | None = None
    started, in_this_minute = time.monotonic(), 0
    try:
        while (limit is None or sum(counts.values()) < limit) and not should_stop():
            if in_this_minute >= settings.per_minute:
                time.sleep(max(0.0, 60 - (time.monotonic() - started)))
                started, in_this_minute = time.monotonic(), 0
            message = _claim(db, utcnow())
            if message is None:
                break
            in_this_minute += 1
            try:
                if client is None:
                    client = _connect(settings)
                client.send_message(as_email(message, settings.sender))
            except smtplib.SMTPRecipientsRefused as exc:
                _settle(db, message.id, _reason(exc), permanent=True, now=utcnow())
                counts["failed"] += 1
            except (smtplib.SMTPException, OSError) as exc:
                permanent = isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600
                _settle(db, message.id, _reason(exc), permanent=permanent, now=utcnow())
                counts["failed" if permanent else "retry"] += 1
                client = _drop(client)
                if not permanent:
                    break  # the server is down or unwell: the rest waits for the next pass
            else:
                _settle(db, message.id, None, permanent=False, now=utcnow())
                counts["sent"] += 1
    finally:
        _drop(client)
    return counts


def _drop(client: smtplib.SMTP | None) -> None:
    if client is not None:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            pass
    return None


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{to}: {code} {err.decode(errors='replace')}" for to, (code, err) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
