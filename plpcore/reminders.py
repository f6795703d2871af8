"""Reminders: what `python -m plpcore send-due` queues, run daily by a timer.

Each person gets at most one reminder e-mail a day, holding whatever is due for them:

- a parent, once each reporting period: a home check-in prompt naming each current goal of
  each child, with a question to start the conversation;
- anyone who owes supports, once a week: the supports they owe, the ones not logged for two
  weeks first;
- anyone: a meeting record waiting for their signature (once, SIGN_AFTER after the meeting was
  finalized: the sign link itself went out then), and a meeting tomorrow.

What a person was reminded of is kept (ReminderSent), in the same transaction as the message,
so a second run, the same day or any later day, sends nothing new. Only people linked to the
student get a reminder about them, and nobody who chose no reminders or has no address.

The work is a few set-based statements per school, whatever its size (bench: python -m bench.reminders).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import secrets

from sqlalchemy import String, and_, cast, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from plpcore import clock, outbox
from plpcore.access import audit
from plpcore.db import Database
from plpcore.models import (
    Attendance,
    AttendanceStatus,
    AuditEvent,
    Base,
    Goal,
    Link,
    Meeting,
    MeetingStatus,
    Message,
    Plan,
    PlanStatus,
    ProposedBy,
    Relationship,
    ReminderSent,
    School,
    Student,
    Support,
    SupportLog,
    User,
    utcnow,
)
from plpcore.queries import current_period
from plpcore.rules import LINK_OWES_SUPPORT, LIVE_GOAL, current_plan_ids

SIGN_AFTER = dt.timedelta(days=2)
NOT_LOGGED_FOR = dt.timedelta(days=14)
KIND = "reminders"

# The order of a digest's sections.
TOMORROW, SIGN, CHECK_IN, SUPPORTS = range(4)


@dataclasses.dataclass
class Item:
    """One thing to remind a person of: its key (kept in ReminderSent) and its lines."""

    key: str
    section: int
    student_id: int | None
    text: str
    html: str
    under: str = ""  # a heading the item goes under within its section (a child's name)


@dataclasses.dataclass
class Person:
    id: int
    name: str
    address: str
    stop_token: str | None
    items: dict[str, list[Item]] = dataclasses.field(default_factory=dict)

    def add(self, item: Item) -> None:
        self.items.setdefault(item.key, []).append(item)


def send_due(db: Database, now: dt.datetime | None = None) -> dict[str, int]:
    """Queue today's reminders in every school. Returns how many people got a message and how many
    things they were reminded of."""
    now = now or utcnow()
    totals = {"messages": 0, "items": 0}
    with db.write() as s:
        for school in s.scalars(select(School).order_by(School.id)).all():
            today = clock.today(school, now)
            messages, items = _queue(s, school, today, due(s, school, today, now))
            totals["messages"] += messages
            totals["items"] += items
    return totals


# --- what is due --------------------------------------------------------------------------------


def _reachable(user_id_col):
    """People who take reminders: active, with an address, who did not turn them off."""
    return and_(User.id == user_id_col, User.active.is_(True), User.email.is_not(None), User.email != "",
                User.email_reminders.is_(True))


def _not_reminded(user_id_col, key):
    return ~exists(select(ReminderSent.id).where(ReminderSent.user_id == user_id_col, ReminderSent.item_key == key))


def _linked(user_id_col):
    """The person is linked to the student of the row (an active link, or the student's own account)."""
    return or_(
        exists(select(Link.id).where(Link.student_id == Student.id, Link.user_id == user_id_col, Link.active.is_(True))),
        Student.user_id == user_id_col,
    )


def due(s: Session, school: School, today: dt.date, now: dt.datetime) -> dict[int, Person]:
    """Who is due a reminder at this school today, and of what (nothing is written)."""
    people: dict[int, Person] = {}
    digest_today = {uid for uid in s.scalars(
        select(Message.user_id).where(Message.school_id == school.id, Message.dedupe_key.like(f"{KIND}:{today}:%")))}

    def person(row) -> Person | None:
        if row.user_id in digest_today:
            return None  # one digest a day: what is due now waits for tomorrow's
        return people.setdefault(row.user_id, Person(row.user_id, row.display_name, row.email, row.email_stop_token))

    who = (User.display_name, User.email, User.email_stop_token)
    in_school = and_(Student.school_id == school.id, Student.active.is_(True))

    # A meeting tomorrow, for everyone invited to it.
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    key = literal("tomorrow:") + cast(Meeting.id, String)
    for row in s.execute(
        select(Attendance.user_id, *who, Meeting.id, Meeting.kind, Meeting.scheduled_at, Meeting.location,
               Student.id.label("student_id"), Student.first_name, Student.preferred_name)
        .join(Meeting, Meeting.id == Attendance.meeting_id).join(Plan, Plan.id == Meeting.plan_id)
        .join(Student, Student.id == Plan.student_id).join(User, _reachable(Attendance.user_id))
        .where(in_school, Meeting.status == MeetingStatus.SCHEDULED, Meeting.scheduled_at >= tomorrow,
               Meeting.scheduled_at < tomorrow + dt.timedelta(days=1), _linked(Attendance.user_id),
               _not_reminded(Attendance.user_id, key))
        .order_by(Meeting.scheduled_at, Meeting.id)
    ):
        if p := person(row):
            child = row.preferred_name or row.first_name
            place = f" ({row.location})" if row.location else ""
            link = f"{outbox.base_url()}/meeting?meeting={row.id}"
            line = f"{child}'s {row.kind} meeting is tomorrow at {row.scheduled_at:%H:%M}{place}."
            p.add(Item(f"tomorrow:{row.id}", TOMORROW, row.student_id, f"{line}\n{link}",
                       f'<p>{html.escape(line)} <a href="{html.escape(link)}">Open the meeting</a></p>'))

    # A record waiting for the signature of someone who attended.
    key = literal("sign:") + cast(Meeting.id, String)
    for row in s.execute(
        select(Attendance.user_id, *who, Meeting.id, Meeting.kind, Meeting.scheduled_at,
               Student.id.label("student_id"), Student.first_name, Student.preferred_name)
        .join(Meeting, Meeting.id == Attendance.meeting_id).join(Plan, Plan.id == Meeting.plan_id)
        .join(Student, Student.id == Plan.student_id).join(User, _reachable(Attendance.user_id))
        .where(in_school, Meeting.status == MeetingStatus.FINALIZED, Meeting.finalized_at <= now - SIGN_AFTER,
               Attendance.status == AttendanceStatus.PRESENT, Attendance.signed_at.is_(None),
               _linked(Attendance.user_id), _not_reminded(Attendance.user_id, key))
        .order_by(Meeting.scheduled_at, Meeting.id)
    ):
        if p := person(row):
            child = row.preferred_name or row.first_name
            link = f"{outbox.base_url()}/meeting?meeting={row.id}"
            line = f"The record of {child}'s {row.kind} meeting on {row.scheduled_at:%B %-d} is waiting for you to read and sign."
            p.add(Item(f"sign:{row.id}", SIGN, row.student_id, f"{line}\n{link}",
                       f'<p>{html.escape(line)} <a href="{html.escape(link)}">Read and sign</a></p>'))

    # A parent's home check-in, once each reporting period.
    _, period = current_period(s, school.id, today)
    if period is not None and period.starts_on <= today <= period.ends_on:
        key = literal(f"check-in:{period.id}")
        current = current_plan_ids(s, select(Student.id).where(in_school))
        for row in s.execute(
            select(Link.user_id, *who, Plan.id.label("plan_id"), Goal.statement, Goal.proposed_by,
                   Student.id.label("student_id"), Student.first_name, Student.preferred_name)
            .join(Student, Student.id == Link.student_id).join(Plan, Plan.student_id == Student.id)
            .join(Goal, Goal.plan_id == Plan.id).join(User, _reachable(Link.user_id))
            .where(in_school, Link.relationship == Relationship.GUARDIAN, Link.active.is_(True),
                   Plan.status != PlanStatus.ARCHIVED, LIVE_GOAL, _not_reminded(Link.user_id, key))
            .order_by(Link.user_id, Student.first_name, Student.id, Goal.id)
        ):
            if current.get(row.student_id) != row.plan_id or not (p := person(row)):
                continue
            child = row.preferred_name or row.first_name
            ask = (f"Ask {child}: why did you choose this goal?" if row.proposed_by is ProposedBy.STUDENT
                   else f"Ask {child}: what did you try for this goal lately?")
            p.add(Item(f"check-in:{period.id}", CHECK_IN, row.student_id, f"- {row.statement}\n  {ask}",
                       f"<li>{html.escape(row.statement)}<br><em>{html.escape(ask)}</em></li>",
                       under=f"{child}'s goals"))

    # The supports a person owes, once a week, the ones not logged for two weeks first.
    year, week, _ = today.isocalendar()
    key = literal(f"supports:{year}-W{week:02d}")
    last_done = (select(SupportLog.support_id, func.max(SupportLog.done_on).label("done_on"))
                 .group_by(SupportLog.support_id).subquery())
    owed = s.execute(
        select(Link.user_id, *who, Support.id, Support.description, Support.frequency, last_done.c.done_on,
               Student.id.label("student_id"), Student.first_name, Student.preferred_name, Student.last_name)
        .join(Plan, Plan.id == Support.plan_id).join(Student, Student.id == Plan.student_id)
        .join(Link, and_(Link.student_id == Student.id, LINK_OWES_SUPPORT)).join(User, _reachable(Link.user_id))
        .outerjoin(last_done, last_done.c.support_id == Support.id)
        .where(in_school, Plan.status != PlanStatus.ARCHIVED, _not_reminded(Link.user_id, key))
        .distinct()
    ).all()
    stale_before = today - NOT_LOGGED_FOR
    for row in sorted(owed, key=lambda r: (r.done_on is not None and r.done_on >= stale_before,
                                           r.done_on or dt.date.min, r.last_name, r.id)):
        if p := person(row):
            child = f"{row.preferred_name or row.first_name} {row.last_name}"
            logged = f"last logged {row.done_on:%B %-d}" if row.done_on else "not logged yet"
            often = f" ({row.frequency})" if row.frequency else ""
            line = f"{child}: {row.description}{often}, {logged}"
            p.add(Item(f"supports:{year}-W{week:02d}", SUPPORTS, row.student_id, f"- {line}",
                       f"<li>{html.escape(line)}</li>"))
    return people


# --- the message ----------------------------------------------------------------------------------

HEADINGS = {
    TOMORROW: "Tomorrow",
    SIGN: "A record to sign",
    CHECK_IN: "Home check-in",
    SUPPORTS: "Supports you owe this week",
}
ACTIONS = {  # the link at the foot of a section: its words and where it goes
    CHECK_IN: ("Tell the team how it went", "/home"),
    SUPPORTS: ("Log them on PlanTable", "/home"),
}
INTROS = {
    CHECK_IN: "A few minutes at home make a difference. Here are the goals your child is working on, "
              "with a question to start the talk.",
    SUPPORTS: "Log each one when it is done.",
}


def _body(person: Person, base: str) -> tuple[str, str, str]:
    sections: dict[int, list[Item]] = {}
    for items in person.items.values():
        for item in items:
            sections.setdefault(item.section, []).append(item)
    stop = f"{base}/stop-emails?token={person.stop_token}"
    text, rich = [f"Hello {person.name},", ""], [f"<p>Hello {html.escape(person.name)},</p>"]
    for section in sorted(sections):
        text.append(HEADINGS[section])
        rich.append(f"<h2>{HEADINGS[section]}</h2>")
        if section in INTROS:
            text.append(INTROS[section])
            rich.append(f"<p>{html.escape(INTROS[section])}</p>")
        under: dict[str, list[Item]] = {}
        for item in sections[section]:
            under.setdefault(item.under, []).append(item)
        for heading, items in under.items():
            if heading:
                text.append(heading)
                rich.append(f"<h3>{html.escape(heading)}</h3>")
            text += [i.text for i in items]
            listed = section in (CHECK_IN, SUPPORTS)
            rich.append(("<ul>" if listed else "") + "".join(i.html for i in items) + ("</ul>" if listed else ""))
        if section in ACTIONS:
            words, path = ACTIONS[section]
            text.append(f"{words}: {base}{path}")
            rich.append(f'<p><a href="{html.escape(base + path)}">{words}</a></p>')
        text.append("")
    text += ["--", f"Stop these e-mails: {stop}", "You can also choose what you get by e-mail under My account."]
    rich.append(f'<hr><p><a href="{html.escape(stop)}">Stop these e-mails</a>. '
                "You can also choose what you get by e-mail under My account.</p>")
    subject = (f"PlanTable: {HEADINGS[next(iter(sections))].lower()}" if len(sections) == 1
               else f"PlanTable: {len(sections)} things for you")
    return subject, "\n".join(text), outbox.page(rich)


def _queue(s: Session, school: School, today: dt.date, people: dict[int, Person]) -> tuple[int, int]:
    due = [p for p in people.values() if p.items]
    if not due:
        return 0, 0
    tokens = [{"id": p.id, "email_stop_token": secrets.token_urlsafe(24)} for p in due if not p.stop_token]
    if tokens:
        s.execute(update(User), tokens)
        by_id = {t["id"]: t["email_stop_token"] for t in tokens}
        for p in due:
            p.stop_token = p.stop_token or by_id[p.id]
    base = outbox.base_url()
    messages, sent = [], []
    for p in due:
        subject, text, rich = _body(p, base)
        students = {i.student_id for items in p.items.values() for i in items}
        messages.append(outbox.message_values(
            school.id, p.id, p.address, kind=KIND, subject=subject, text=text, html=rich,
            student_id=next(iter(students)) if len(students) == 1 else None, dedupe_key=f"{KIND}:{today}:{p.id}"))
        sent += [{"user_id": p.id, "item_key": key, "reminded_on": today} for key in p.items]
    # Core inserts of many rows: one executemany each (an ORM insert would batch by page).
    connection, tables = s.connection(), Base.metadata.tables
    connection.execute(insert(tables[Message.__tablename__]), messages)
    connection.execute(insert(tables[ReminderSent.__tablename__]), sent)
    s.add(AuditEvent(at=utcnow(), actor_id=None, action="create", entity="message", field=KIND,
                     new=f"{len(messages)} reminder e-mails ({len(sent)} things) queued for {today}"))
    return len(messages), len(sent)


def stop_emails(db: Database, token: str, *, stop: bool = True) -> bool:
    """The one-click "stop these e-mails" link (and its undo): turns the reminders of the person whose
    link it is off (or on). False for a token that is no one's; the page says the same either way."""
    if not token or len(token) > 64:
        return False
    with db.write() as s:
        user = s.scalar(select(User).where(User.email_stop_token == token))
        if user is None:
            return False
        if user.email_reminders == (not stop):
            return True
        user.email_reminders, user.email_choice_at = not stop, utcnow()
        audit(s, user.id, "update", user, field="email_reminders", old=stop, new=not stop)
        return True
