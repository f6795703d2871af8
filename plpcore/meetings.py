"""The meeting: schedule, open, move through the agenda, attendance, sign, finalize.

A finalized meeting leaves a MeetingRecord: a JSON snapshot of the plan, goals, agreed
supports, attendance and signatures at that moment, never changed afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from plpcore import checks, links, notices, records, shapes
from plpcore.access import Action, audit, bump_revision, load
from plpcore.db import Database
from plpcore.errors import InvalidInput
from plpcore.models import (
    ActionItem,
    AgendaStep,
    Attendance,
    AttendanceMode,
    AttendanceStatus,
    AuthorRole,
    GoalKind,
    Link,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Plan,
    PlanKind,
    PlanSection,
    PlanStatus,
    Presence,
    Student,
    User,
    Voice,
    VoiceOutcome,
    utcnow,
)
from plpcore.queries import plan_document
from plpcore.rules import core_team, live_goals
from plpcore.services import (
    PROFILE_SECTIONS,
    VOICE_FIRST,
    author_role,
    edit,
    lock,
    questions,
    voice_confirmed,
    voice_waiting,
    written,
)

AGENDA = list(AgendaStep)
REQUIRED_ROLES = (AuthorRole.SPECIALIST, AuthorRole.TEACHER, AuthorRole.GUARDIAN, AuthorRole.STUDENT)
HEARTBEAT_EVERY = dt.timedelta(seconds=5)
IN_ROOM_WITHIN = dt.timedelta(seconds=30)


def _open(meeting: Meeting) -> None:
    if meeting.status in (MeetingStatus.FINALIZED, MeetingStatus.CANCELLED):
        raise InvalidInput("meeting", f"this meeting is {meeting.status}; it can no longer change.")


def _people_of(session: Session, student: Student) -> list[tuple[int, AuthorRole]]:
    """Who is linked to the student, with the role they come to a meeting in."""
    people = [
        (uid, AuthorRole(rel.value))
        for uid, rel in session.execute(
            select(Link.user_id, Link.relationship)
            .where(Link.student_id == student.id, Link.active.is_(True))
            .order_by(Link.id)
        )
    ]
    if student.user_id:
        people.append((student.user_id, AuthorRole.STUDENT))
    seen, unique = set(), []
    for uid, role in people:
        if uid not in seen:
            seen.add(uid)
            unique.append((uid, role))
    return unique


def schedule_meeting(
    db: Database,
    actor_id: int,
    plan_id: int,
    *,
    kind: str,
    scheduled_at: dt.datetime | str,
    location: str = "",
    invite_user_ids: list[int] | None = None,
    guests: Sequence[tuple[str, str]] = (),
) -> int:
    """Set a meeting; invitees default to the plan's core team (rules.CORE_TEAM_RULE), plus named guests."""
    kind = checks.choice("meeting kind", MeetingKind, kind)
    when = checks.datetime("date and time", scheduled_at)
    location = checks.line("place or video link", location, max_len=500, required=False)
    guest_rows = [
        (checks.line(f"guest {i} name", name, max_len=200), checks.line(f"guest {i} role", role, max_len=100, required=False))
        for i, (name, role) in enumerate(guests, 1)
    ]
    with db.write() as s:
        plan, grant = load(s, actor_id, Plan, plan_id, Action.RUN_MEETING)
        people = _people_of(s, grant.student)
        if invite_user_ids is None:
            invite_user_ids = sorted(core_team(s, plan.id, grant.student.id))
        stray = [u for u in invite_user_ids if u not in {uid for uid, _ in people}]
        if stray:
            raise InvalidInput("invitees", "everyone invited must be linked to the student (add guests by name).")
        people = [(u, r) for u, r in people if u in set(invite_user_ids) | {actor_id}]
        meeting = Meeting(plan_id=plan.id, kind=kind, scheduled_at=when, location=location, created_by=actor_id,
                          invitations_sent_at=utcnow())
        s.add(meeting)
        s.flush()
        for uid, role in people:
            s.add(Attendance(meeting_id=meeting.id, user_id=uid, role=role))
        if grant.student.user_id is None:
            # A student without a sign-in (most young students) still comes to their meeting:
            # listed by name, marked present and signed for by the specialist.
            s.add(Attendance(meeting_id=meeting.id, guest_name=grant.student.name, role=AuthorRole.STUDENT))
        for name, role in guest_rows:
            s.add(Attendance(meeting_id=meeting.id, guest_name=name, guest_role=role or "guest"))
        s.flush()
        notices.queue(s, meeting, notices.INVITATION)
        written(s, grant, plan.id, "create", meeting, field="scheduled_at", new=f"{kind} {when:%Y-%m-%d %H:%M}")
        return meeting.id


def reschedule(db: Database, actor_id: int, meeting_id: int, expected_version: int, *,
               scheduled_at: dt.datetime | str, location: str) -> bool:
    """Move a meeting not yet held, or change its place. Every invitee gets an updated notice: the
    same calendar UID, one higher SEQUENCE. False when nothing changed (no notice is sent)."""
    when = checks.datetime("date and time", scheduled_at)
    location = checks.line("place or video link", location, max_len=500, required=False)
    with db.write() as s:
        meeting, grant = lock(s, actor_id, Meeting, meeting_id, Action.RUN_MEETING)
        if meeting.status is not MeetingStatus.SCHEDULED:
            raise InvalidInput("meeting", f"this meeting is {meeting.status}: only a meeting not yet open can move.")
        if (when, location) == (meeting.scheduled_at, meeting.location):
            return False
        old = edit(s, meeting, expected_version, {"scheduled_at": when, "location": location})
        meeting.notice_sequence += 1
        s.flush()
        notices.queue(s, meeting, notices.UPDATE)
        written(s, grant, meeting.plan_id, "update", meeting, field="scheduled_at",
                old=f"{old['scheduled_at']:%Y-%m-%d %H:%M} {old['location']}".strip(),
                new=f"{when:%Y-%m-%d %H:%M} {location}".strip())
        return True


def open_meeting(db: Database, actor_id: int, meeting_id: int) -> None:
    """The specialist opens the room; the agenda starts at attendance. The first opening is when
    the meeting was held (`opened_at`), whatever day it was scheduled for."""
    with db.write() as s:
        meeting, grant = lock(s, actor_id, Meeting, meeting_id, Action.RUN_MEETING)
        _open(meeting)
        if meeting.status is MeetingStatus.IN_PROGRESS:
            return
        old = edit(s, meeting, meeting.version, {"status": MeetingStatus.IN_PROGRESS, "agenda_step": AgendaStep.ATTENDANCE,
                                                 "opened_at": meeting.opened_at or utcnow()})
        written(s, grant, meeting.plan_id, "update", meeting, field="status", old=old["status"], new=meeting.status)


def advance(db: Database, actor_id: int, meeting_id: int, expected_step: str, to_step: str | None = None) -> str:
    """Move the agenda to the next step (or back to an earlier one); everyone's screen follows.

    `expected_step` is the step the specialist was looking at: if someone else moved it
    meanwhile, nothing moves twice.
    """
    expected = checks.choice("agenda step", AgendaStep, expected_step)
    with db.write() as s:
        meeting, grant = lock(s, actor_id, Meeting, meeting_id, Action.RUN_MEETING)
        if meeting.status is not MeetingStatus.IN_PROGRESS:
            raise InvalidInput("meeting", "open the meeting first.")
        if meeting.agenda_step is not expected:
            return str(meeting.agenda_step)
        index = AGENDA.index(meeting.agenda_step)
        if to_step is None:
            if index + 1 == len(AGENDA):
                raise InvalidInput("agenda step", "this is the last step: finalize the meeting.")
            target = AGENDA[index + 1]
        else:
            target = checks.choice("agenda step", AgendaStep, to_step)
        if AGENDA.index(target) > index + 1:
            raise InvalidInput("agenda step", f"the agenda moves one step at a time: next is {AGENDA[index + 1]}.")
        if meeting.agenda_step is AgendaStep.STUDENT_VOICE and AGENDA.index(target) > index:
            waiting = voice_waiting(s, meeting.plan_id)
            if waiting:
                raise InvalidInput("student voice", "the student has not yet confirmed, updated or passed on "
                                                    f"{questions(waiting)}.")
        old = meeting.agenda_step
        meeting.agenda_step = target
        s.flush()
        written(s, grant, meeting.plan_id, "advance", meeting, field="agenda_step", old=old, new=target)
        return str(target)


def confirm_voice(db: Database, actor_id: int, meeting_id: int, key: str) -> None:
    """At this meeting, the student says their earlier answer to a voice-first question is still true.

    Updating the answer or passing on it (`services.update_section`) counts the same way; any
    of the three opens the team's side of that question for the rest of this meeting.
    """
    if key not in VOICE_FIRST:
        raise InvalidInput("question", f"unknown voice-first question {key!r}.")
    with db.write() as s:
        meeting, grant = load(s, actor_id, Meeting, meeting_id, Action.STUDENT_VOICE)
        if meeting.status is not MeetingStatus.IN_PROGRESS:
            raise InvalidInput("meeting", "open the meeting first.")
        answer = s.scalar(select(PlanSection).where(PlanSection.plan_id == meeting.plan_id, PlanSection.key == key,
                                                    PlanSection.voice == Voice.STUDENT))
        if answer is None or not (answer.text.strip() or answer.passed):
            raise InvalidInput(PROFILE_SECTIONS[key], "there is no earlier answer to confirm: answer it, or pass.")
        voice_confirmed(s, meeting.plan_id, key, VoiceOutcome.CONFIRMED, actor_id)
        written(s, grant, meeting.plan_id, "confirm", answer, field=f"{key} (student)", new=str(VoiceOutcome.CONFIRMED))


def check_in(db: Database, actor_id: int, meeting_id: int, mode: str = "in person") -> int:
    """A participant marks themselves present, in person, by phone or by video, at any step of an
    open meeting: someone who joins late is recorded at the time they came."""
    mode = checks.choice("mode", AttendanceMode, mode)
    with db.write() as s:
        meeting, grant = load(s, actor_id, Meeting, meeting_id, Action.ATTEND_MEETING)
        _open(meeting)
        row = s.scalar(select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.user_id == actor_id))
        if row is None:
            row = Attendance(meeting_id=meeting.id, user_id=actor_id, role=author_role(grant, Action.ATTEND_MEETING))
            s.add(row)
            s.flush()
        if row.status is AttendanceStatus.PRESENT and row.mode is mode:
            return row.id
        old = row.status
        row.status, row.mode, row.checked_in_at = AttendanceStatus.PRESENT, mode, utcnow()
        s.flush()
        written(s, grant, meeting.plan_id, "check in", row, field="status", old=old, new=f"present ({mode})")
        return row.id


def mark_attendance(db: Database, actor_id: int, attendance_id: int, status: str, mode: str | None = None) -> None:
    """The specialist marks someone present, absent or excused."""
    status = checks.choice("attendance", AttendanceStatus, status)
    mode = checks.choice("mode", AttendanceMode, mode) if mode else None
    with db.write() as s:
        row, grant = lock(s, actor_id, Attendance, attendance_id, Action.RUN_MEETING)
        meeting = s.get_one(Meeting, row.meeting_id)
        _open(meeting)
        old = row.status
        row.status, row.mode = status, mode or row.mode
        row.checked_in_at = utcnow() if status is AttendanceStatus.PRESENT else row.checked_in_at
        s.flush()
        written(s, grant, meeting.plan_id, "update", row, field="status", old=old, new=status)


def add_guest(db: Database, actor_id: int, meeting_id: int, name: str, role: str = "guest", present: bool = True) -> int:
    """Someone without an account (a counselor from another school, a grandparent) attends."""
    name = checks.line("guest name", name, max_len=200)
    role = checks.line("guest role", role, max_len=100, required=False) or "guest"
    with db.write() as s:
        meeting, grant = load(s, actor_id, Meeting, meeting_id, Action.RUN_MEETING)
        _open(meeting)
        row = Attendance(meeting_id=meeting.id, guest_name=name, guest_role=role,
                         status=AttendanceStatus.PRESENT if present else AttendanceStatus.INVITED,
                         checked_in_at=utcnow() if present else None)
        s.add(row)
        s.flush()
        written(s, grant, meeting.plan_id, "create", row, field="guest_name", new=name)
        return row.id


def missing_roles(session: Session, meeting_id: int) -> list[str]:
    """Required roles with nobody present: specialist, a teacher, a parent/guardian, the student."""
    present = set(
        session.scalars(
            select(Attendance.role).where(Attendance.meeting_id == meeting_id, Attendance.status == AttendanceStatus.PRESENT)
        )
    )
    return [str(r) for r in REQUIRED_ROLES if r not in present]


def set_next_steps(
    db: Database, actor_id: int, meeting_id: int, expected_version: int, *, next_check_in: Any = None, notes: str | None = None
) -> int:
    """The meeting's next check-in date and its notes, edited jointly (versioned)."""
    with db.write() as s:
        meeting, grant = lock(s, actor_id, Meeting, meeting_id, Action.EDIT_GOALS)
        _open(meeting)
        changes: dict[str, Any] = {}
        if next_check_in is not None:
            changes["next_check_in"] = checks.date("next check-in", next_check_in)
            if changes["next_check_in"] < (meeting.opened_at or meeting.scheduled_at).date():
                raise InvalidInput("next check-in", "must be after the meeting date.")
        if notes is not None:
            changes["notes"] = checks.text("meeting notes", notes, required=False)
        if not changes:
            return meeting.version
        old = edit(s, meeting, expected_version, changes)
        s.flush()
        field = ",".join(changes)
        written(s, grant, meeting.plan_id, "update", meeting, field=field,
                old=old if len(changes) > 1 else old[field], new=changes if len(changes) > 1 else changes[field])
        return meeting.version


def add_action_item(db: Database, actor_id: int, meeting_id: int, description: str, owner: str,
                    due_on: Any = None) -> int:
    description = checks.text("action item", description, max_len=1000)
    owner = checks.line("owner", owner, max_len=200)
    due_on = checks.date("due date", due_on, required=False)
    with db.write() as s:
        meeting, grant = load(s, actor_id, Meeting, meeting_id, Action.EDIT_GOALS)
        _open(meeting)
        row = ActionItem(meeting_id=meeting.id, description=description, owner=owner, due_on=due_on, created_by=actor_id)
        s.add(row)
        s.flush()
        written(s, grant, meeting.plan_id, "create", row, field="description", new=description)
        return row.id


def sign(db: Database, actor_id: int, meeting_id: int) -> None:
    """'I was here and I have read this': an attendee acknowledges the summary, or the finalized record."""
    with db.write() as s:
        meeting, grant = load(s, actor_id, Meeting, meeting_id, Action.ATTEND_MEETING)
        row = s.scalar(select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.user_id == actor_id))
        if row is not None:
            s.refresh(row, with_for_update=True)  # two clicks at once sign once
        _sign(s, grant, meeting, row)


def sign_for_guest(db: Database, actor_id: int, attendance_id: int) -> None:
    """The specialist records a guest's acknowledgement (guests have no account)."""
    with db.write() as s:
        row, grant = lock(s, actor_id, Attendance, attendance_id, Action.RUN_MEETING)
        if row.user_id is not None:
            raise InvalidInput("signature", "people with an account sign for themselves.")
        _sign(s, grant, s.get_one(Meeting, row.meeting_id), row)


def _sign(session: Session, grant, meeting: Meeting, row: Attendance | None) -> None:
    """Sign once. At the meeting the signature goes into the snapshot when it is finalized; after
    finalizing, the snapshot never changes, so it is a RecordSignature of its own (records.sign_late)."""
    if meeting.status is MeetingStatus.FINALIZED:
        if row is None or row.status is not AttendanceStatus.PRESENT:
            raise InvalidInput("signature", "only people who attended sign the record.")
    else:
        _open(meeting)
        if meeting.agenda_step is not AgendaStep.REVIEW_AND_SIGN:
            raise InvalidInput("signature", "signing opens at the review-and-sign step.")
    if row is None or row.status is not AttendanceStatus.PRESENT:
        raise InvalidInput("signature", "check in as present before signing.")
    if row.signed_at is not None:
        return
    row.signed_at = utcnow()
    session.flush()
    if meeting.status is MeetingStatus.FINALIZED:
        signature = records.sign_late(session, row, grant.actor.id)
        written(session, grant, meeting.plan_id, "sign", signature, field="sha256", new=signature.sha256)
    else:
        written(session, grant, meeting.plan_id, "sign", row, field="signed_at", new=row.signed_at)


def finalize(db: Database, actor_id: int, meeting_id: int, missing_reason: str = "") -> int:
    """Close the meeting and write its MeetingRecord.

    Every required role must be present, or the reason they are not is recorded. An
    ALP needs at least one live achievement goal and one live affective goal.
    """
    missing_reason = checks.text("reason a role is missing", missing_reason, max_len=2000, required=False)
    with db.write() as s:
        meeting, grant = lock(s, actor_id, Meeting, meeting_id, Action.RUN_MEETING)
        _open(meeting)
        if meeting.status is not MeetingStatus.IN_PROGRESS or meeting.agenda_step is not AgendaStep.REVIEW_AND_SIGN:
            raise InvalidInput("meeting", "finalize at the review-and-sign step of an open meeting.")
        missing = missing_roles(s, meeting.id)
        if missing and not missing_reason.strip():
            raise InvalidInput("reason a role is missing", f"nobody present as {', '.join(missing)}: record why to finalize.")
        plan = s.get_one(Plan, meeting.plan_id)
        doc = plan_document(s, plan.id)
        if plan.kind is PlanKind.ALP:
            live = live_goals(doc["goals"])
            kinds = {g["kind"] for g in live}
            for need in (GoalKind.ACHIEVEMENT, GoalKind.AFFECTIVE):
                if need not in kinds:
                    raise InvalidInput("goals", f"an ALP needs at least one {need} goal.")
        meeting.status, meeting.finalized_at = MeetingStatus.FINALIZED, utcnow()
        meeting.missing_role_reason = missing_reason if missing else ""
        if meeting.kind is MeetingKind.ANNUAL_REVIEW and plan.status is PlanStatus.DRAFT:
            plan.status = PlanStatus.ACTIVE
        s.flush()
        record = records.write(s, meeting, doc, missing=missing, notices=notices.log(s, meeting.id),
                               finalized_by=actor_id)
        links.queue_sign_links(s, meeting)  # to whoever was present and has not signed yet
        audit(s, actor_id, "finalize", record, field="sha256", new=record.sha256, student_id=grant.student.id)
        bump_revision(s, plan.id)
        return record.id


def cancel(db: Database, actor_id: int, meeting_id: int) -> None:
    """Call the meeting off: every invitee gets a cancellation (METHOD:CANCEL, the same UID)."""
    with db.write() as s:
        meeting, grant = lock(s, actor_id, Meeting, meeting_id, Action.RUN_MEETING)
        _open(meeting)
        old = meeting.status
        meeting.status = MeetingStatus.CANCELLED
        meeting.notice_sequence += 1
        s.flush()
        notices.queue(s, meeting, notices.CANCELLATION)
        written(s, grant, meeting.plan_id, "update", meeting, field="status", old=old, new=meeting.status)


def heartbeat(db: Database, actor_id: int, meeting_id: int, now: dt.datetime | None = None) -> bool:
    """Say 'I am in the room'. Throttled: writes at most once per HEARTBEAT_EVERY.

    Presence is not plan content: it neither moves the revision nor is audited.
    """
    now = now or utcnow()
    with db.write() as s:
        meeting, grant = load(s, actor_id, Meeting, meeting_id, Action.ATTEND_MEETING)
        row = s.get(Presence, (meeting.id, actor_id))
        if row is None:
            s.add(Presence(meeting_id=meeting.id, user_id=actor_id, last_seen=now))
            return True
        if now - row.last_seen < HEARTBEAT_EVERY:
            return False
        row.last_seen = now
        return True


def in_room(db: Database, actor_id: int, meeting_id: int, now: dt.datetime | None = None) -> list[str]:
    """Names of people whose heartbeat is recent, for someone who may see the meeting.

    Polled by the room, so the (already authorized) viewer is not audited on every tick.
    """
    now = now or utcnow()
    with db.read() as s:
        load(s, actor_id, Meeting, meeting_id, Action.VIEW)
        return list(
            s.scalars(
                select(User.display_name)
                .join(Presence, Presence.user_id == User.id)
                .where(Presence.meeting_id == meeting_id, Presence.last_seen >= now - IN_ROOM_WITHIN)
                .order_by(User.display_name)
            )
        )


def leave(db: Database, actor_id: int, meeting_id: int) -> None:
    with db.write() as s:
        load(s, actor_id, Meeting, meeting_id, Action.ATTEND_MEETING)
        s.execute(delete(Presence).where(Presence.meeting_id == meeting_id, Presence.user_id == actor_id))


def meeting_state(db: Database, actor_id: int, meeting_id: int) -> shapes.MeetingState:
    """What the room shows: the meeting, attendance, missing roles, action items."""
    with db.read() as s:
        meeting, grant = load(s, actor_id, Meeting, meeting_id, Action.VIEW)
        names: dict[int | None, str] = dict(
            s.execute(select(User.id, User.display_name).join(Attendance, Attendance.user_id == User.id)
                      .where(Attendance.meeting_id == meeting.id)).all())
        attendance: list[shapes.Attendance] = [
            {"id": a.id, "user_id": a.user_id, "name": names.get(a.user_id) or a.guest_name,
             "role": str(a.role) if a.role else a.guest_role, "status": str(a.status),
             "mode": str(a.mode) if a.mode else None, "signed": a.signed_at is not None, "version": a.version}
            for a in s.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id).order_by(Attendance.id))
        ]
        action_rows = s.scalars(select(ActionItem).where(ActionItem.meeting_id == meeting.id).order_by(ActionItem.id)).all()
        authors: dict[int | None, str] = dict(
            s.execute(select(User.id, User.display_name)
                      .where(User.id.in_({a.created_by for a in action_rows if a.created_by}))).all())
        actions: list[shapes.ActionItem] = [
            {"id": a.id, "description": a.description, "owner": a.owner, "due_on": a.due_on,
             "author": authors.get(a.created_by)}
            for a in action_rows
        ]
        return {
            "id": meeting.id, "plan_id": meeting.plan_id, "kind": str(meeting.kind), "status": str(meeting.status),
            "agenda_step": str(meeting.agenda_step), "scheduled_at": meeting.scheduled_at, "location": meeting.location,
            "notes": meeting.notes, "next_check_in": meeting.next_check_in, "version": meeting.version,
            "attendance": attendance, "missing_roles": missing_roles(s, meeting.id), "action_items": actions,
            "voice_waiting": voice_waiting(s, meeting.plan_id), "opened_at": meeting.opened_at,
            "viewer_roles": sorted(str(r) for r in grant.roles),
        }


def notice_log(db: Database, actor_id: int, meeting_id: int) -> shapes.NoticeLog:
    """The meeting's notice log, for whoever runs the meeting: each notice, sent or not and why."""
    with db.read() as s:
        meeting, _grant = load(s, actor_id, Meeting, meeting_id, Action.RUN_MEETING)
        entries = notices.log(s, meeting.id)
        return {"entries": entries, "not_delivered": notices.not_delivered(entries)}


def calendar_file(db: Database, actor_id: int, meeting_id: int) -> bytes:
    """The meeting as a calendar invite (.ics) for anyone who may see it: the one its notices carry."""
    with db.read() as s:
        meeting, _grant = load(s, actor_id, Meeting, meeting_id, Action.VIEW)
        return notices.calendar(notices.about(s, meeting), cancel=meeting.status is MeetingStatus.CANCELLED)
