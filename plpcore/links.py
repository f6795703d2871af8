"""One-time links in e-mail: welcome a new account, reset a forgotten password, read and sign a record.

A link carries a random token; only its SHA-256 is stored (OneTimeLink), so a copy of the
database opens no one's account. A link works once, until it expires, and only for the purpose
its URL names. An expired, used or unknown link gets one sentence (`LinkRefused`), which tells
nothing about whose it was. Each link is issued, and its e-mail queued, in the transaction of
the event that causes it; using it is audited in the transaction of what it does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import secrets
import time

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from plpcore import checks, outbox
from plpcore.access import audit, roles_toward
from plpcore.db import Database
from plpcore.errors import InvalidInput, LinkRefused
from plpcore.models import (
    Attendance,
    AttendanceStatus,
    LinkPurpose,
    Meeting,
    MeetingStatus,
    Message,
    OneTimeLink,
    Plan,
    School,
    Student,
    User,
    utcnow,
)
from plpcore.passwords import hash_password

LIFETIME = {
    LinkPurpose.INVITATION: dt.timedelta(days=7),
    LinkPurpose.RESET: dt.timedelta(hours=1),
    LinkPurpose.SIGN: dt.timedelta(days=14),
}
# The URL path of each purpose's page: the only place a link says what it is for.
PATHS = {LinkPurpose.INVITATION: "welcome", LinkPurpose.RESET: "reset-password", LinkPurpose.SIGN: "sign-record"}
MAX_TOKEN_LENGTH = 100  # token_urlsafe(32) is 43 characters; anything much longer is no one's

# The answer to "Forgot your password?", whatever was typed: it never says whether an account matched.
RESET_ANSWER = ("If that is the username or e-mail address of an account, a link to choose a new password "
                "is on its way to the account's e-mail address. It works once, for one hour. "
                "No e-mail after a few minutes? Ask your school's specialist or admin to reset your password.")
# A reset request takes at least this long, whether or not an account matched, so its timing tells
# nothing either (the work itself, a lookup and a few inserts, takes a few milliseconds).
RESET_MIN_SECONDS = 0.4
# A new reset link is not sent while an earlier one, sent this recently, is still unused: typing
# someone's address again and again does not fill their mailbox.
RESET_PAUSE = dt.timedelta(minutes=2)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def url(purpose: LinkPurpose, token: str) -> str:
    return f"{outbox.base_url()}/{PATHS[purpose]}?token={token}"


def issue(session: Session, user: User, purpose: LinkPurpose, *, meeting_id: int | None = None,
          now: dt.datetime | None = None, actor_id: int | None = None) -> str:
    """A new one-time link for `user`, in the caller's transaction: the full URL, which is nowhere
    stored (only the token's SHA-256 is). `actor_id` is who caused it (None: the person themselves,
    or the system)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = OneTimeLink(token_hash=token_hash(token), purpose=purpose, user_id=user.id, meeting_id=meeting_id,
                      created_at=now, expires_at=now + LIFETIME[purpose])
    session.add(row)
    session.flush()
    audit(session, actor_id, "create", row, field="purpose", new=f"{purpose} link for {user.username}")
    return url(purpose, token)


def _valid(session: Session, token: object, purpose: LinkPurpose, now: dt.datetime, *,
           lock: bool = False) -> tuple[OneTimeLink, User]:
    """The link and its account, or LinkRefused, the same for every reason."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkRefused()
    query = select(OneTimeLink).where(OneTimeLink.token_hash == token_hash(token), OneTimeLink.purpose == purpose)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise LinkRefused()
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise LinkRefused()
    return row, user


def works(db: Database, token: object, purpose: LinkPurpose, now: dt.datetime | None = None) -> bool:
    """Whether a link would work now: what its page shows on opening. Reads only, so a mail scanner
    that opens every link in a message uses none of them."""
    with db.read() as s:
        try:
            _valid(s, token, purpose, now or utcnow())
        except LinkRefused:
            return False
        return True


@dataclasses.dataclass(frozen=True)
class Used:
    """What a used link was for: whose account, and (a sign link) which meeting."""

    user_id: int
    username: str
    meeting_id: int | None


def use(db: Database, token: object, purpose: LinkPurpose, *, password: str | None = None,
        password_again: str | None = None, now: dt.datetime | None = None) -> Used:
    """Use a link, once: a welcome or reset link sets the password (typed twice); a sign link says
    which meeting's record to read and sign. The link is marked used in the same transaction.

    A refused password leaves the link unused, to try again; an expired, used or unknown link
    raises LinkRefused."""
    now = now or utcnow()
    password_hash = None
    if purpose is not LinkPurpose.SIGN:
        problems = checks.Problems()
        password_hash = problems.check(hash_password, password or "", "new password")
        if password_again != password:
            problems.found.append(InvalidInput("new password again", "differs from the new password. "
                                                                     "Type the same one twice."))
        problems.raise_any()
    with db.write() as s:
        row, user = _valid(s, token, purpose, now, lock=True)
        row.used_at = now
        audit(s, user.id, "use link", row, field="used_at", new=now)
        if password_hash is not None:
            user.password_hash, user.must_change_password = password_hash, False
            if purpose is LinkPurpose.RESET:
                user.signed_out_at = now  # whoever knew the old password is signed out everywhere
            audit(s, user.id, "update", user, field="password", old="(hidden)", new=f"(hidden, by a {purpose} link)")
            # Any other welcome or reset link of the account is spent too: the password is chosen.
            s.execute(update(OneTimeLink).where(
                OneTimeLink.user_id == user.id, OneTimeLink.used_at.is_(None),
                OneTimeLink.purpose.in_([LinkPurpose.INVITATION, LinkPurpose.RESET])).values(used_at=now))
        return Used(user.id, user.username, row.meeting_id)


# --- what the links are sent in ------------------------------------------------------------------


def _message(greeting: str, paragraphs: list[str], action: str, link: str, after: list[str]) -> tuple[str, str]:
    """The plain text and the HTML of a short message with one link; every part is escaped here."""
    text = [greeting, "", *paragraphs, "", f"{action}:", link, "", *after]
    rich = [f"<p>{html.escape(greeting)}</p>", *(f"<p>{html.escape(p)}</p>" for p in paragraphs),
            f'<p><a href="{html.escape(link)}">{html.escape(action)}</a></p>',
            f"<p>Or copy this address into your browser: {html.escape(link)}</p>",
            *(f"<p>{html.escape(p)}</p>" for p in after)]
    return "\n".join(text), outbox.page(rich)


def mail_waiting() -> bool:
    """True while SMTP is not set up: messages wait in the queue, so a screen shows the link to share by hand."""
    return outbox.smtp_settings() is None


@dataclasses.dataclass(frozen=True)
class Invitation:
    """A new account's welcome link, as the screen that made the account may show it."""

    user_id: int
    username: str
    name: str
    email: str
    link: str


def invite(session: Session, user: User, *, actor_id: int | None, now: dt.datetime | None = None) -> Invitation:
    """A welcome link for a new account with an address, and the e-mail that carries it, in the
    caller's transaction: the person chooses their own password."""
    assert user.email, "only an account with an e-mail address is invited"
    school = session.get(School, user.school_id) if user.school_id is not None else None
    link = issue(session, user, LinkPurpose.INVITATION, now=now, actor_id=actor_id)
    text, rich = _message(
        f"Hello {user.display_name},",
        [f"{school.name if school else 'Your school'} has made you a PlanTable account. PlanTable is where a "
         "student's learning plan is worked on by the student's team.",
         f"Your username is: {user.username}"],
        "Choose your password", link,
        ["The link works once, for 7 days. If it has expired, open PlanTable, choose "
         "\"Forgot your password?\" and type your username."])
    outbox.queue(session, user, kind="invitation", subject="PlanTable: choose your password", text=text, html=rich)
    return Invitation(user.id, user.username, user.display_name, user.email, link)


def request_reset(db: Database, who: object, now: dt.datetime | None = None) -> str:
    """"Forgot your password?": a reset link by e-mail to the account with this username or address,
    if there is one that is active and has an address. The answer is the same sentence, after the
    same time, whether or not there is."""
    started = time.monotonic()
    now = now or utcnow()
    try:
        typed = checks.line("username or e-mail address", who, max_len=254).lower()
        with db.write() as s:
            matching = s.scalars(select(User).where(
                or_(func.lower(User.username) == typed, func.lower(User.email) == typed)).order_by(User.id)).all()
            for user in matching:
                if not user.active or not user.email or _recently_sent(s, user, now):
                    continue
                link = issue(s, user, LinkPurpose.RESET, now=now)
                text, rich = _message(
                    f"Hello {user.display_name},",
                    ["Someone asked to reset the password of your PlanTable account. If it was not you, "
                     "ignore this e-mail: your password stays as it is.",
                     f"Your username is: {user.username}"],
                    "Choose a new password", link, ["The link works once, for one hour."])
                outbox.queue(s, user, kind="password reset", subject="PlanTable: choose a new password",
                             text=text, html=rich)
    finally:
        time.sleep(max(0.0, RESET_MIN_SECONDS - (time.monotonic() - started)))
    return RESET_ANSWER


def _recently_sent(session: Session, user: User, now: dt.datetime) -> bool:
    return session.scalar(select(OneTimeLink.id).where(
        OneTimeLink.user_id == user.id, OneTimeLink.purpose == LinkPurpose.RESET, OneTimeLink.used_at.is_(None),
        OneTimeLink.created_at > now - RESET_PAUSE).limit(1)) is not None


def queue_sign_links(session: Session, meeting: Meeting, now: dt.datetime | None = None) -> int:
    """After a meeting is finalized: a read-and-sign link by e-mail to each attendee who was present,
    has an account with an address, gets meeting notices and records by e-mail, and has not signed.
    In the caller's transaction; returns how many were queued (never twice to one person)."""
    if meeting.status is not MeetingStatus.FINALIZED:
        return 0
    now = now or utcnow()
    plan = session.get_one(Plan, meeting.plan_id)
    student = session.get_one(Student, plan.student_id)
    rows = session.scalars(
        select(User).join(Attendance, Attendance.user_id == User.id)
        .where(Attendance.meeting_id == meeting.id, Attendance.status == AttendanceStatus.PRESENT,
               Attendance.signed_at.is_(None), User.active.is_(True), User.email.is_not(None),
               User.email_notices.is_(True))
        .order_by(Attendance.id)
    ).unique().all()
    child = student.preferred_name or student.first_name
    when = meeting.scheduled_at  # the school's wall-clock time
    queued = 0
    for user in rows:
        dedupe = f"sign-record:{meeting.id}:{user.id}"
        if not roles_toward(session, user, student) or session.scalar(
                select(Message.id).where(Message.dedupe_key == dedupe)):
            continue
        link = issue(session, user, LinkPurpose.SIGN, meeting_id=meeting.id, now=now)
        text, rich = _message(
            f"Hello {user.display_name},",
            [f"The record of {child}'s {meeting.kind} meeting on {when:%B} {when.day}, {when.year} is ready. "
             "Please read it and sign that you were there and have read it."],
            "Read and sign the record", link,
            ["The link works once, for 14 days. You can also sign in to PlanTable and find the record on your home page."])
        if outbox.queue(session, user, kind="sign record", subject=f"PlanTable: please read and sign {child}'s "
                        "meeting record", text=text, html=rich, student_id=student.id, meeting_id=meeting.id,
                        dedupe_key=dedupe):
            queued += 1
    return queued
