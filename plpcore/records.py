"""A finalized meeting's record: the snapshot written once, read back in today's shape, and its signatures.

The snapshot never changes (a listener refuses it), and records are kept for years, so every
shape ever stored is read through `upgrade`. A signature given after finalizing cannot go into
the snapshot: it is a RecordSignature row of its own, with the fingerprint of the record read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, event, or_, select
from sqlalchemy.orm import Session

from plpcore import shapes
from plpcore.errors import InvalidInput
from plpcore.models import (
    ActionItem,
    Attendance,
    Meeting,
    MeetingRecord,
    Plan,
    RecordSignature,
    School,
    Student,
    User,
    utcnow,
)
from plpcore.rules import LIVE_SUPPORT, goal_is_live

SNAPSHOT_VERSION = 4


@event.listens_for(MeetingRecord, "before_update")
@event.listens_for(MeetingRecord, "before_delete")
def _records_are_final(_mapper, _conn, target: MeetingRecord) -> None:
    raise InvalidInput("meeting record", "a finalized meeting record is never changed.")


@event.listens_for(RecordSignature, "before_update")
@event.listens_for(RecordSignature, "before_delete")
def _signatures_are_final(_mapper, _conn, target: RecordSignature) -> None:
    raise InvalidInput("signature", "a signature on a meeting record is never changed.")


# --- writing ------------------------------------------------------------------------------------------


def compose(session: Session, meeting: Meeting, doc: shapes.PlanDoc, missing: Sequence[str],
            notices: Sequence[shapes.NoticeEntry]) -> dict[str, Any]:
    """What the record keeps of a finalized meeting, in the current version's shape: the meeting, the
    plan's student, sections, goals (without progress) and agreed supports, attendance with the
    signatures given at the meeting, the action items, and the notice log (notices.log: the record
    of attempts to reach the family that IDEA §300.322(d) asks for)."""
    names: dict[int | None, str] = dict(
        session.execute(select(User.id, User.display_name).join(Attendance, Attendance.user_id == User.id)
                        .where(Attendance.meeting_id == meeting.id)).all())
    attendance = [
        {"id": a.id, "name": names.get(a.user_id) or a.guest_name, "role": str(a.role) if a.role else a.guest_role,
         "status": str(a.status), "mode": str(a.mode) if a.mode else None,
         "checked_in_at": a.checked_in_at, "signed_at": a.signed_at}
        for a in session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id).order_by(Attendance.id))
    ]
    actions = [
        {"description": a.description, "owner": a.owner, "due_on": a.due_on}
        for a in session.scalars(select(ActionItem).where(ActionItem.meeting_id == meeting.id).order_by(ActionItem.id))
    ]
    return {
        "version": SNAPSHOT_VERSION,
        "meeting": {"id": meeting.id, "kind": str(meeting.kind), "scheduled_at": meeting.scheduled_at,
                    "opened_at": meeting.opened_at, "location": meeting.location,
                    "finalized_at": meeting.finalized_at, "notes": meeting.notes,
                    "next_check_in": meeting.next_check_in, "missing_roles": list(missing),
                    "missing_role_reason": meeting.missing_role_reason},
        "student": doc["student"],
        "plan": doc["plan"],
        "sections": doc["sections"],
        "goals": [{k: v for k, v in g.items() if k != "progress"} for g in doc["goals"]],
        "supports": [x for x in doc["supports"] if x["status"] in LIVE_SUPPORT],
        "attendance": attendance,
        "action_items": actions,
        "notices": list(notices),
    }


def write(session: Session, meeting: Meeting, doc: shapes.PlanDoc, *, missing: Sequence[str],
          notices: Sequence[shapes.NoticeEntry], finalized_by: int | None) -> MeetingRecord:
    """Store the record of a meeting just finalized (`meeting.finalized_at` is its time), with the
    SHA-256 of its JSON text. meetings.finalize and the demo school both make records here."""
    text = json.dumps(compose(session, meeting, doc, missing, notices), ensure_ascii=False, sort_keys=True, default=str)
    record = MeetingRecord(meeting_id=meeting.id, finalized_by=finalized_by, created_at=meeting.finalized_at or utcnow(),
                           snapshot=text, sha256=hashlib.sha256(text.encode()).hexdigest())
    session.add(record)
    session.flush()
    return record


def sign_late(session: Session, attendance: Attendance, signed_by: int) -> RecordSignature:
    """Someone present signs a record already finalized (`attendance.signed_at` set): a row of its own,
    with the fingerprint of the record they read; the snapshot stays as it was."""
    record = session.execute(select(MeetingRecord).where(MeetingRecord.meeting_id == attendance.meeting_id)).scalar_one()
    signature = RecordSignature(record_id=record.id, attendance_id=attendance.id, signed_by=signed_by,
                                signed_at=attendance.signed_at or utcnow(), sha256=record.sha256)
    session.add(signature)
    session.flush()
    return signature


# --- reading ------------------------------------------------------------------------------------------

# What a version 1 snapshot may lack, and what it reads as: not kept, never guessed.
_V1_MEETING = {"opened_at": None}
_V1_PLAN = {"version": None, "year": None, "year_id": None}
_V1_GOAL = {"area": None, "success_criteria": "", "baseline": "", "target_date": None, "status": None,
            "proposed_by": None, "version": None, "author": None, "history": []}
_V1_SUPPORT = {"id": None, "goal_id": None, "owner_user_id": None, "owner_role": None, "starts_on": None,
               "ends_on": None, "agreed_meeting_id": None, "acknowledged_at": None, "version": None, "log": []}


def upgrade(stored: Mapping[str, Any], attendance_ids: Sequence[int] = ()) -> shapes.RecordSnapshot:
    """A stored snapshot of any version, in the current version's shape (`version` still says which it was).

    Version 4 (SNAPSHOT_VERSION): version 3 with the plan's `kept` and each section's and goal's
    `carried_from` (the year rollover's). Read from an earlier version as stored, without them:
    the record's text, and so its sha256, stays what was signed.

    Version 3: version 2 with the meeting's `notices` (notices.log at finalizing). A version 2
    record kept no notice log: empty.

    Version 2: has "version"; the meeting has `opened_at`, when it was really
    held (None if the meeting was never opened), beside `scheduled_at`; each attendance row has
    its `id`, which late signatures (RecordSignature.attendance_id) point to.

    Version 1 (no "version" key; written until issue 14): version 2 without `opened_at` and
    attendance ids, as meetings.finalize wrote it. The demo school's version 1 records also lack
    `sections`, have goals of only id, kind and statement (no status), supports of only
    description, setting, status, frequency and owner, and a plan of only id, kind, status and
    revision; what was not kept reads as None (or empty). Attendance ids are taken from
    `attendance_ids`, the meeting's attendance rows in id order, which is the order the snapshot
    lists them in (nobody joins a finalized meeting); None if the counts disagree.
    """
    snap = dict(stored)  # every part changed below is a new dict: the caller's stays as read
    if snap.get("version", 1) >= 2:
        snap.setdefault("notices", [])
        return snap  # pyright: ignore[reportReturnType]  (JSON, in the shape the writer wrote)
    snap["version"] = 1
    snap["meeting"] = _V1_MEETING | snap["meeting"]
    snap["plan"] = _V1_PLAN | snap["plan"]
    snap.setdefault("sections", [])
    snap["goals"] = [_V1_GOAL | g for g in snap.get("goals", [])]
    snap["supports"] = [_V1_SUPPORT | x for x in snap.get("supports", [])]
    snap.setdefault("action_items", [])
    snap["notices"] = []
    ids: Sequence[int | None] = attendance_ids if len(attendance_ids) == len(snap["attendance"]) else \
        [None] * len(snap["attendance"])
    snap["attendance"] = [{"id": i} | a for i, a in zip(ids, snap["attendance"], strict=True)]
    return snap  # pyright: ignore[reportReturnType]


def read(session: Session, record: MeetingRecord) -> shapes.MeetingRecordDoc:
    """A stored record, whatever its version, with every signature it has."""
    stored = json.loads(record.snapshot)
    ids = [] if "version" in stored else session.scalars(
        select(Attendance.id).where(Attendance.meeting_id == record.meeting_id).order_by(Attendance.id)).all()
    snapshot = upgrade(stored, ids)
    time_zone = session.scalar(
        select(School.time_zone).join(Student, Student.school_id == School.id).join(Plan, Plan.student_id == Student.id)
        .join(Meeting, Meeting.plan_id == Plan.id).where(Meeting.id == record.meeting_id))
    return {"id": record.id, "created_at": record.created_at, "sha256": record.sha256, "snapshot": snapshot,
            "signatures": signatures(session, record, snapshot), "time_zone": time_zone or "UTC"}


def _time(value: str | dt.datetime) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def signatures(session: Session, record: MeetingRecord, snapshot: shapes.RecordSnapshot) -> list[shapes.Signature]:
    """Everyone who signed the record, in the order they signed: at the meeting (in the snapshot's
    attendance), then after finalizing (RecordSignature rows, with the fingerprint read)."""
    given: list[shapes.Signature] = [
        {"attendance_id": a["id"], "name": a["name"], "role": a["role"], "signed_at": _time(a["signed_at"]),
         "after_finalizing": False, "sha256": None}
        for a in snapshot["attendance"] if a["signed_at"]
    ]
    late = session.execute(
        select(Attendance.id, Attendance.guest_name, Attendance.role, Attendance.guest_role, Attendance.signed_at,
               User.display_name, RecordSignature.signed_at.label("late_at"), RecordSignature.sha256)
        .outerjoin(RecordSignature, and_(RecordSignature.attendance_id == Attendance.id,
                                         RecordSignature.record_id == record.id))
        .outerjoin(User, User.id == Attendance.user_id)
        # A signature given after finalizing before RecordSignature existed is only on the attendance row.
        .where(Attendance.meeting_id == record.meeting_id,
               or_(RecordSignature.id.is_not(None), Attendance.signed_at > record.created_at))
        .order_by(Attendance.id)
    ).all()
    after: list[shapes.Signature] = [
        {"attendance_id": r.id, "name": r.display_name or r.guest_name, "role": str(r.role) if r.role else r.guest_role,
         "signed_at": r.late_at or r.signed_at, "after_finalizing": True, "sha256": r.sha256}
        for r in late
    ]
    return sorted(given + after, key=lambda x: x["signed_at"])


def counted_goals(snapshot: shapes.RecordSnapshot) -> list[dict[str, Any]]:
    """The goals that counted at the meeting: not revised or discontinued. A demo record of version 1
    kept no goal status and listed only the goals it agreed: all of them."""
    return [g for g in snapshot["goals"] if g["status"] is None or goal_is_live(g["status"])]


def signature_of(record: shapes.MeetingRecordDoc, attendance: Mapping[str, Any]) -> shapes.Signature | None:
    """The signature of one person in the snapshot's attendance, if they signed (at the meeting or later)."""
    if attendance["id"] is None:  # a version 1 record whose attendance could not be matched
        return next((s for s in record["signatures"] if not s["after_finalizing"]
                     and (s["name"], s["role"]) == (attendance["name"], attendance["role"])), None)
    return next((s for s in record["signatures"] if s["attendance_id"] == attendance["id"]), None)
