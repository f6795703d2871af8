"""Meeting notices: the invitation, update and cancellation e-mailed to each invitee.

Each notice says what IDEA §300.322(b)(1) asks of a notice of meeting: its purpose; its date
and time, in the school's zone, named; where it is (or its video link); who will attend, by
role; that the family may bring others who know the child; and how to ask for another time or
to join by phone. It carries the meeting as a calendar invite (.ics, iTIP): METHOD:REQUEST,
or METHOD:CANCEL, with a UID that never changes and a SEQUENCE that goes up with each change.

Notices are queued in the transaction that schedules, moves or cancels the meeting
(meetings.py), for invitees with an address who have not chosen notices on paper. The
meeting's notice log (`log`) is the record of those attempts that §300.322(d) asks for: the
room shows it, and the finalized record keeps it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from plpcore import clock, documents, outbox, shapes
from plpcore.models import (
    Attendance,
    AuthorRole,
    Meeting,
    MeetingKind,
    Message,
    MessageStatus,
    Plan,
    School,
    Student,
    User,
)

INVITATION, UPDATE, CANCELLATION = "meeting invitation", "meeting update", "meeting cancellation"
KINDS = (INVITATION, UPDATE, CANCELLATION)
MINUTES = 45

PURPOSES = {
    MeetingKind.ANNUAL_REVIEW: "to review {child}'s {plan} for the year: {child}'s strengths and interests, "
                               "goals, and the supports the school and family will give",
    MeetingKind.CHECK_IN: "to check in on how {child}'s goals are going and agree on next steps",
    MeetingKind.TRANSITION: "to plan {child}'s move to a new grade or school, so that {child}'s {plan} goes along",
}
ROLE_NAMES = {AuthorRole.SPECIALIST: "specialist", AuthorRole.TEACHER: "teacher",
              AuthorRole.GUARDIAN: "parent or guardian", AuthorRole.STUDENT: "student", AuthorRole.ADMIN: "administrator"}
OPENINGS = {
    INVITATION: "You are invited to a meeting about {child}.",
    UPDATE: "The meeting about {child} has changed. This notice replaces the one sent before.",
    CANCELLATION: "The meeting about {child} is cancelled.",
}
SUBJECTS = {INVITATION: "Meeting about {child}: {when}", UPDATE: "Changed: meeting about {child}, now {when}",
            CANCELLATION: "Cancelled: meeting about {child} on {when}"}


@dataclasses.dataclass(frozen=True)
class Facts:
    """What every notice of one meeting says, whoever reads it."""

    meeting: Meeting
    student_id: int
    child: str
    plan: str
    starts: dt.datetime  # aware, in the school's zone
    attendees: list[str]  # "Dana Rivera (specialist)"
    organizer: User
    host: str


def about(session: Session, meeting: Meeting) -> Facts:
    plan = session.get_one(Plan, meeting.plan_id)
    student = session.get_one(Student, plan.student_id)
    school = session.get_one(School, student.school_id)
    rows = session.execute(
        select(Attendance, User.display_name).outerjoin(User, User.id == Attendance.user_id)
        .where(Attendance.meeting_id == meeting.id).order_by(Attendance.id)
    ).all()
    attendees = [f"{name or a.guest_name} ({ROLE_NAMES[a.role] if a.role else a.guest_role or 'guest'})"
                 for a, name in rows]
    return Facts(meeting=meeting, student_id=student.id, child=student.preferred_name or student.first_name, plan=documents.PLAN_TITLES[str(plan.kind)],
                    starts=clock.wall(meeting.scheduled_at, clock.zone(school)), attendees=attendees,
                    organizer=session.get_one(User, meeting.created_by),
                    host=urlsplit(outbox.base_url()).hostname or "plantable")


def uid(m: Facts) -> str:
    return f"meeting-{m.meeting.id}@{m.host}"


def calendar(m: Facts, *, cancel: bool = False, attendee: str | None = None) -> bytes:
    """The meeting as a calendar invite: what a notice attaches, and what the room offers to download."""
    location = m.meeting.location or ""
    return documents.invite(
        uid=uid(m), title=f"{m.meeting.kind} meeting: {m.child}", starts=m.starts, minutes=MINUTES,
        location=location, description=f"Purpose: {purpose(m)}.\n{outbox.base_url()}/meeting?meeting={m.meeting.id}",
        method="CANCEL" if cancel else "REQUEST", sequence=m.meeting.notice_sequence,
        organizer=m.organizer.email, attendee=attendee)


def purpose(m: Facts) -> str:
    return PURPOSES[m.meeting.kind].format(child=m.child, plan=m.plan)


def compose(m: Facts, kind: str, reader: User) -> tuple[str, str, str]:
    """A notice's subject, plain text and HTML: the six things §300.322(b)(1) asks, in plain words."""
    when = clock.spoken(m.starts)
    link = f"{outbox.base_url()}/meeting?meeting={m.meeting.id}"
    location = m.meeting.location.strip()
    if not location:
        place = f"{m.organizer.display_name} will tell you the room."
    elif location.startswith(("http://", "https://")):
        place = f"By video: {location}"
    else:
        place = location
    contact = m.organizer.display_name + (f" at {m.organizer.email}" if m.organizer.email else "")
    ask = (f"If this time does not work for you, or you would like to join by phone, contact {contact}. "
           "We will find a time that works.")
    lines: list[tuple[str, str]] = [
        ("", OPENINGS[kind].format(child=m.child)),
        ("Why we are meeting", purpose(m)[:1].upper() + purpose(m)[1:] + "."),
        ("When", f"{when} ({MINUTES} minutes)."),
        ("Where", place),
        ("Who will be there", "; ".join(m.attendees) + "."),
        ("You may bring others", f"You may bring anyone who knows {m.child} well, such as a relative, "
                                 "a tutor or a coach."),
        ("Another time, or by phone", ask),
    ]
    if kind == CANCELLATION:
        lines = [lines[0], ("When it was to be", f"{when}."),
                 ("Questions", f"Contact {contact}. We will be in touch about a new time.")]
    subject = SUBJECTS[kind].format(child=m.child, when=clock.short(m.starts))
    text = [f"Hello {reader.display_name},", ""]
    rich = [f"<p>Hello {html.escape(reader.display_name)},</p>"]
    for heading, line in lines:
        text += [f"{heading}: {line}" if heading else line, ""]
        rich.append(f"<h2>{html.escape(heading)}</h2><p>{html.escape(line)}</p>" if heading
                    else f"<p>{html.escape(line)}</p>")
    if kind != CANCELLATION:
        text += [f"Open the meeting in PlanTable: {link}", "",
                 "The calendar invite is attached: open it to add the meeting to your calendar."]
        rich.append(f'<p><a href="{html.escape(link)}">Open the meeting in PlanTable</a></p>'
                    "<p>The calendar invite is attached: open it to add the meeting to your calendar.</p>")
    text += ["--", "You get meeting notices by e-mail. You can choose paper instead under My account."]
    rich.append("<hr><p>You get meeting notices by e-mail. You can choose paper instead under My account.</p>")
    return subject, "\n".join(text), outbox.page(rich)


def queue(session: Session, meeting: Meeting, kind: str) -> int:
    """Queue this notice for every invitee with an account and an address who takes notices by
    e-mail, but the organizer (in the caller's transaction). Returns how many were queued."""
    m = about(session, meeting)
    readers = session.scalars(
        select(User).join(Attendance, Attendance.user_id == User.id)
        .where(Attendance.meeting_id == meeting.id, User.email_notices.is_(True),
               User.id != meeting.created_by).order_by(Attendance.id)
    ).all()
    queued = 0
    for reader in readers:
        subject, text, rich = compose(m, kind, reader)
        method = "CANCEL" if kind == CANCELLATION else "REQUEST"
        ics = outbox.Attachment("meeting.ics", f"text/calendar; method={method}",
                                calendar(m, cancel=kind == CANCELLATION, attendee=reader.email))
        if outbox.queue(session, reader, kind=kind, subject=subject, text=text, html=rich, student_id=m.student_id,
                        meeting_id=meeting.id, attachments=[ics],
                        dedupe_key=f"notice:{meeting.id}:{meeting.notice_sequence}:{reader.id}"):
            queued += 1
    return queued


NOT_EMAILED_NO_ADDRESS = "not e-mailed: no address on file"
NOT_EMAILED_PAPER = "not e-mailed: chose notices on paper"
NOT_EMAILED_NO_ACCOUNT = "not e-mailed: invited by name"
STATUS_WORDS = {MessageStatus.QUEUED: "waiting", MessageStatus.SENDING: "waiting", MessageStatus.SENT: "sent",
                MessageStatus.FAILED: "failed"}


def log(session: Session, meeting_id: int) -> list[shapes.NoticeEntry]:
    """Every notice of the meeting, to whom, when, and whether it was sent (or why not); then each
    invitee no notice could be e-mailed to, and why. Oldest first; times at the school, with
    their UTC offset (a record keeps them as ISO text)."""
    organizer, time_zone = session.execute(
        select(Meeting.created_by, School.time_zone).join(Plan, Plan.id == Meeting.plan_id)
        .join(Student, Student.id == Plan.student_id).join(School, School.id == Student.school_id)
        .where(Meeting.id == meeting_id)
    ).one()
    tz = ZoneInfo(time_zone)
    people = session.execute(
        select(Attendance, User).outerjoin(User, User.id == Attendance.user_id)
        .where(Attendance.meeting_id == meeting_id).order_by(Attendance.id)
    ).all()
    role = {a.user_id: ROLE_NAMES[a.role] if a.role else a.guest_role or "guest" for a, _ in people}
    sent = session.execute(
        select(Message, User.display_name).join(User, User.id == Message.user_id)
        .where(Message.meeting_id == meeting_id, Message.kind.in_(KINDS)).order_by(Message.id)
    ).all()
    entries: list[shapes.NoticeEntry] = [
        {"name": name, "role": role.get(msg.user_id, ""), "notice": msg.kind.removeprefix("meeting "),
         "queued_at": clock.local(msg.created_at, tz), "status": STATUS_WORDS[msg.status],
         "sent_at": msg.sent_at and clock.local(msg.sent_at, tz), "zone": time_zone,
         "attempts": msg.attempts, "error": msg.last_error or ""}
        for msg, name in sent
    ]
    reached = {msg.user_id for msg, _ in sent} | {organizer}
    for a, user in people:
        if user is not None and user.id in reached or a.role is AuthorRole.STUDENT and user is None:
            continue  # the organizer sent the notices; a young student without a sign-in comes with their family
        why = (NOT_EMAILED_NO_ACCOUNT if user is None else NOT_EMAILED_PAPER if not user.email_notices
               else NOT_EMAILED_NO_ADDRESS)
        entries.append({"name": user.display_name if user else a.guest_name or "", "role": role.get(a.user_id, "")
                        if user else a.guest_role or "guest", "notice": "", "queued_at": None, "status": why,
                        "sent_at": None, "zone": time_zone, "attempts": 0, "error": ""})
    return entries


def not_delivered(entries: list[shapes.NoticeEntry]) -> int:
    """How many notices have not reached their reader (waiting or failed): the room's warning."""
    return sum(e["status"] in ("waiting", "failed") for e in entries)
