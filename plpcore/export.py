"""Data out: one student's whole record as portable JSON (for a transfer, or a family's request to see
it), and any table as a CSV file that Excel opens safely."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
from sqlalchemy import select

from plpcore import checks, records, shapes
from plpcore.access import Action, active_user, authorize, deny, record_view
from plpcore.db import Database
from plpcore.models import (
    ActionItem,
    Assessment,
    Attendance,
    Link,
    Meeting,
    MeetingRecord,
    Plan,
    School,
    SchoolYear,
    Student,
    User,
    utcnow,
)
from plpcore.queries import plan_document
from plpcore.rules import current_plan_id

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# ("=HYPERLINK(...)", "@SUM(...)", "+1+cmd|..."); OWASP's CSV-injection advice is to start it
# with a single quote, which makes it text there.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

FORMAT = "PlanTable student record"
FORMAT_VERSION = 1


def find_student(db: Database, actor_id: int, local_id: str) -> int:
    """The id of the student with this local id in the actor's school, if the actor may see them."""
    local_id = checks.line("local student id", local_id, max_len=64)
    with db.read() as s:
        actor = active_user(s, actor_id)
        student_id = s.scalar(
            select(Student.id).where(Student.school_id == actor.school_id, Student.local_id == local_id)
        ) if actor is not None else None
        if student_id is None:
            raise deny(actor_id, Action.VIEW, "student", None, None)
        authorize(s, actor_id, student_id, Action.VIEW)
        return student_id


def student_record(db: Database, actor_id: int, student_id: int) -> dict[str, Any]:
    """Everything PlanTable holds about one student, as plain values.

    The student, their team (names and relationships), every plan document and which
    of them is the current plan (rules.CURRENT_PLAN_RULE), every meeting with its
    attendance and its record (records.read: whatever version it was stored in, in the
    current shape, with every signature), and all assessments. No account
    details (usernames, emails, password hashes) and nothing about other students.
    Staff exports are audited like any staff view of the record.
    """
    with db.read() as s:
        grant = authorize(s, actor_id, student_id, Action.VIEW)
        record_view(s, grant, "student record export", student_id)
        st = grant.student
        school = s.get_one(School, st.school_id)
        team = s.execute(
            select(User.display_name, Link.relationship, Link.course, Link.active)
            .join(Link, Link.user_id == User.id)
            .where(Link.student_id == st.id)
            .order_by(Link.relationship, User.display_name)
        ).all()
        plan_ids = s.scalars(
            select(Plan.id).join(SchoolYear, SchoolYear.id == Plan.school_year_id)
            .where(Plan.student_id == st.id).order_by(SchoolYear.starts_on, Plan.id)
        ).all()
        plans = [plan_document(s, plan_id) for plan_id in plan_ids]
        meetings = s.scalars(
            select(Meeting).where(Meeting.plan_id.in_(plan_ids)).order_by(Meeting.scheduled_at, Meeting.id)
        ).all() if plan_ids else []
        meeting_ids = [m.id for m in meetings]
        attendance: dict[int, list[dict]] = {}
        actions: dict[int, list[dict]] = {}
        held: dict[int, MeetingRecord] = {}  # meeting id -> its record
        if meeting_ids:
            names: dict[int | None, str] = dict(s.execute(
                select(User.id, User.display_name).join(Attendance, Attendance.user_id == User.id)
                .where(Attendance.meeting_id.in_(meeting_ids))
            ).all())
            for a in s.scalars(select(Attendance).where(Attendance.meeting_id.in_(meeting_ids)).order_by(Attendance.id)):
                attendance.setdefault(a.meeting_id, []).append(
                    {"name": names.get(a.user_id) or a.guest_name, "role": str(a.role) if a.role else a.guest_role,
                     "status": str(a.status), "mode": str(a.mode) if a.mode else None,
                     "checked_in_at": a.checked_in_at, "signed_at": a.signed_at})
            for item in s.scalars(select(ActionItem).where(ActionItem.meeting_id.in_(meeting_ids)).order_by(ActionItem.id)):
                actions.setdefault(item.meeting_id, []).append(
                    {"description": item.description, "owner": item.owner, "due_on": item.due_on})
            held = {r.meeting_id: r for r in s.scalars(select(MeetingRecord).where(MeetingRecord.meeting_id.in_(meeting_ids)))}
        assessments = s.scalars(
            select(Assessment).where(Assessment.student_id == st.id).order_by(Assessment.taken_on, Assessment.id)
        ).all()
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "exported_at": utcnow(),
            "exported_by": grant.actor.display_name,
            "school": school.name,
            "time_zone": school.time_zone,
            "student": {
                "local_id": st.local_id, "first_name": st.first_name, "last_name": st.last_name,
                "preferred_name": st.preferred_name, "grade": st.grade,
                "gifted_areas": [a for a in st.gifted_areas.split(", ") if a], "active": st.active,
                "has_login": st.user_id is not None,
            },
            "team": [{"name": t.display_name, "relationship": str(t.relationship), "course": t.course,
                      "active": t.active} for t in team],
            "current_plan_id": current_plan_id(s, st.id),
            "plans": plans,
            "meetings": [
                {"id": m.id, "plan_id": m.plan_id, "kind": str(m.kind), "scheduled_at": m.scheduled_at,
                 "opened_at": m.opened_at, "location": m.location, "status": str(m.status), "notes": m.notes, "next_check_in": m.next_check_in,
                 "missing_role_reason": m.missing_role_reason, "finalized_at": m.finalized_at,
                 "attendance": attendance.get(m.id, []), "action_items": actions.get(m.id, []),
                 "record": records.read(s, held[m.id]) if m.id in held else None}
                for m in meetings
            ],
            "assessments": [
                {"name": a.name, "taken_on": a.taken_on, "score": a.score, "percentile": a.percentile, "note": a.note}
                for a in assessments
            ],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def to_json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2, default=_plain)


def student_record_json(db: Database, actor_id: int, student_id: int) -> str:
    """The whole record as UTF-8 JSON text (dates as ISO 8601)."""
    return to_json(student_record(db, actor_id, student_id))


def meeting_record_json(record: shapes.MeetingRecordDoc) -> str:
    """One meeting's record (queries.meeting_record) as UTF-8 JSON text: the snapshot, its fingerprint
    and every signature with its time (dates as ISO 8601)."""
    return to_json(dict(record))


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as a CSV file for a spreadsheet: UTF-8 with a byte-order mark (so Excel reads
    "Zoë", not "ZoÃ«"), no index, and every text cell that a spreadsheet would run as a formula
    neutralised with a leading single quote.

    Only text is neutralised: a number is data, so -3 in a numeric column (or a Python number
    among the text of a mixed one) is written as -3. A text cell "-3" is neutralised like any
    other text starting with "-": whoever typed it, it is text here.
    """
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        safe[column] = values.astype(object).map(neutralised)
    return safe.to_csv(index=False).encode("utf-8-sig")


def neutralised(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made text; anything else as it is."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
