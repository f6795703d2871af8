"""The meeting record tells the truth: every stored record opens and exports, whatever shape it was
written in, and a signature given after finalizing is on every view of it while the snapshot stays
as it was. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from plpcore import clock, demo, documents, export, meetings, queries
from plpcore.errors import InvalidInput
from plpcore.models import Attendance, AuditEvent, Meeting, MeetingRecord, MeetingStatus, RecordSignature, utcnow
from tests.conftest import pdf_text
from tests.test_meetings_rules import ready_to_sign

TODAY = dt.date(2026, 11, 16)  # well into the demo's school year


def words(pdf: bytes) -> str:
    """A PDF's text with line breaks and runs of spaces as single spaces (lines wrap anywhere)."""
    return " ".join(pdf_text(pdf).split())


def stored(db, meeting: int) -> tuple[str, str]:
    """The record's row as the database holds it: the snapshot's text and its SHA-256."""
    with db.read() as s:
        row = s.execute(select(MeetingRecord.snapshot, MeetingRecord.sha256)
                        .where(MeetingRecord.meeting_id == meeting)).one()
    return row.snapshot, row.sha256


def count(db, column, *where) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(column)).where(*where))


def at_school(moment: dt.datetime) -> str:
    """A UTC moment as the record PDF prints it: at the school (Denver), its zone named."""
    local = clock.stamp(moment, ZoneInfo("America/Denver"))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def finalized(db, school) -> int:
    """Ana's annual review, finalized with Sam and Tia signed at the meeting; Gus, present, has not signed."""
    meeting = ready_to_sign(db, school)
    meetings.sign(db, school.sam, meeting)
    meetings.sign(db, school.tia, meeting)
    meetings.finalize(db, school.sam, meeting)
    return meeting


# --- every record opens ---------------------------------------------------------------------------------


def test_every_finalized_demo_record_reads_and_its_pdf_and_json_build(db):
    school = demo.build_school(db, students=86, today=TODAY)
    with db.read() as s:
        finalized_ids = s.scalars(select(Meeting.id).where(Meeting.status == MeetingStatus.FINALIZED)).all()
    assert len(finalized_ids) > 50

    for meeting in finalized_ids:
        record = queries.meeting_record(db, school.specialist_id, meeting)
        assert record is not None, meeting
        assert record["snapshot"]["version"] == 4
        assert record["snapshot"]["sections"] and all(g["status"] for g in record["snapshot"]["goals"])
        assert documents.record_pdf(record).startswith(b"%PDF")
        assert json.loads(export.meeting_record_json(record))["sha256"] == record["sha256"]


def test_a_demo_record_is_made_by_the_same_code_as_a_real_finalize(db):
    school = demo.build_school(db, students=12, today=TODAY)
    with db.read() as s:
        row = s.scalars(select(MeetingRecord).order_by(MeetingRecord.id)).first()
        meeting = s.get_one(Meeting, row.meeting_id)
        snapshot = json.loads(row.snapshot)
        assert row.created_at == meeting.finalized_at and row.finalized_by == school.specialist_id

    assert set(snapshot) == {"version", "meeting", "student", "plan", "sections", "goals", "supports", "attendance",
                             "action_items", "notices"}
    assert snapshot["meeting"]["opened_at"] == str(meeting.opened_at)
    assert snapshot["meeting"]["next_check_in"] == str(meeting.next_check_in)


def test_a_new_record_says_its_snapshot_version_and_when_the_meeting_was_held(db, school):
    meeting = ready_to_sign(db, school)  # scheduled for 2026-10-01 15:00 at the school (Denver, MDT)
    with db.write() as s:  # the room was opened ten minutes late: 15:10 MDT is 21:10 UTC
        s.execute(text("UPDATE meeting SET opened_at = :at WHERE id = :id"),
                  {"at": dt.datetime(2026, 10, 1, 21, 10), "id": meeting})
    meetings.finalize(db, school.sam, meeting)
    snapshot = json.loads(stored(db, meeting)[0])

    assert snapshot["version"] == 4
    assert snapshot["plan"]["kept"] is False and all("carried_from" in g for g in snapshot["goals"])
    assert (snapshot["meeting"]["scheduled_at"], snapshot["meeting"]["opened_at"]) == (
        "2026-10-01 15:00:00", "2026-10-01 21:10:00")
    assert [a["id"] for a in snapshot["attendance"]] == [
        a["id"] for a in meetings.meeting_state(db, school.sam, meeting)["attendance"]]
    pdf = words(documents.record_pdf(queries.meeting_record(db, school.sam, meeting)))
    assert "Held on 2026-10-01 15:10 MDT, scheduled for 2026-10-01 15:00 MDT." in pdf


# --- a record stored in the older shape (version 1, no "version" key) -------------------------------------


def version_1(db, school, shape: str) -> int:
    """Ana's annual review with Tia signed at the meeting, closed and recorded the way code before
    snapshot versions did, as plain rows: the meeting without opened_at, the record's JSON in the
    demo's old shape (no sections, goals of id, kind and statement) or old finalize's (no opened_at,
    no attendance ids)."""
    meeting = ready_to_sign(db, school)
    meetings.sign(db, school.tia, meeting)
    doc = json.loads(json.dumps(queries.student_plan(db, school.sam, school.ana_plan), default=str))
    finalized_at = utcnow()
    with db.read() as s:
        people = s.execute(select(Attendance).where(Attendance.meeting_id == meeting).order_by(Attendance.id)).scalars()
        names = {a["id"]: a["name"] for a in meetings.meeting_state(db, school.sam, meeting)["attendance"]}
        attendance = [{"name": names[a.id], "role": str(a.role), "status": str(a.status), "mode": str(a.mode),
                       "checked_in_at": str(a.checked_in_at), "signed_at": str(a.signed_at) if a.signed_at else None}
                      for a in people]
    snapshot = {
        "meeting": {"id": meeting, "kind": "annual ALP review", "scheduled_at": "2026-10-01 15:00:00", "location": "",
                    "finalized_at": str(finalized_at), "notes": "Reviewed strengths first.", "next_check_in": None,
                    "missing_roles": [], "missing_role_reason": ""},
        "student": doc["student"],
        "attendance": attendance,
        "action_items": [{"description": "Send the extension menu home", "owner": "specialist", "due_on": "2026-10-15"}],
    }
    if shape == "demo":
        snapshot |= {"plan": {k: doc["plan"][k] for k in ("id", "kind", "status", "revision")},
                     "goals": [{"id": g["id"], "kind": g["kind"], "statement": g["statement"]} for g in doc["goals"]],
                     "supports": []}
    else:
        snapshot |= {"plan": doc["plan"], "sections": doc["sections"],
                     "goals": [{k: v for k, v in g.items() if k != "progress"} for g in doc["goals"]], "supports": []}
    body = json.dumps(snapshot, ensure_ascii=False, sort_keys=True)
    with db.write() as s:
        s.execute(text("UPDATE meeting SET status = 'finalized', finalized_at = :at, opened_at = NULL WHERE id = :id"),
                  {"at": finalized_at, "id": meeting})
        s.execute(text("INSERT INTO meeting_record (meeting_id, created_at, finalized_by, snapshot, sha256) "
                       "VALUES (:meeting, :at, :by, :body, :sha)"),
                  {"meeting": meeting, "at": finalized_at, "by": school.sam, "body": body, "sha": "0" * 64})
    return meeting


@pytest.mark.parametrize("shape", ["demo", "finalize"])
def test_a_record_stored_in_the_older_shape_opens_and_exports(db, school, shape):
    meeting = version_1(db, school, shape)

    record = queries.meeting_record(db, school.gus, meeting)
    assert record is not None
    snapshot = record["snapshot"]
    assert (snapshot["version"], snapshot["meeting"]["opened_at"]) == (1, None)
    assert [a["id"] for a in snapshot["attendance"]] == [
        a["id"] for a in meetings.meeting_state(db, school.sam, meeting)["attendance"]]
    assert [(x["name"], x["after_finalizing"]) for x in record["signatures"]] == [("Tia", False)]
    assert {g["statement"] for g in snapshot["goals"]} == {"Ana: finish the 6th-grade math unit", "Ask for help when stuck"}
    assert all((g["status"] is None) == (shape == "demo") for g in snapshot["goals"])  # the demo kept no status
    pdf = words(documents.record_pdf(record))
    assert "Scheduled for 2026-10-01 15:00 MDT." in pdf and "Tia (teacher): present, in person; signed" in pdf
    assert "Gus (guardian): present, in person; not signed yet" in pdf
    assert json.loads(export.meeting_record_json(record))["snapshot"]["version"] == 1
    whole = export.student_record(db, school.gus, school.ana_student)
    assert documents.student_record_pdf(whole).startswith(b"%PDF")
    assert json.loads(export.to_json(whole))["meetings"][0]["record"]["signatures"][0]["name"] == "Tia"


def test_a_parent_signs_an_older_record_and_the_signature_is_on_it(db, school):
    meeting = version_1(db, school, "demo")

    meetings.sign(db, school.gus, meeting)

    record = queries.meeting_record(db, school.gus, meeting)
    assert [(x["name"], x["after_finalizing"], x["sha256"]) for x in record["signatures"]] == [
        ("Tia", False, None), ("Gus", True, "0" * 64)]
    assert "Gus (guardian): present, in person; signed" in words(documents.record_pdf(record))


def test_a_signature_given_after_finalizing_before_signature_rows_existed_still_shows(db, school):
    meeting = version_1(db, school, "finalize")
    later = utcnow() + dt.timedelta(days=2)
    with db.write() as s:  # what the code before RecordSignature wrote: only the attendance row's time
        s.execute(text("UPDATE attendance SET signed_at = :at WHERE meeting_id = :m AND user_id = :u"),
                  {"at": later, "m": meeting, "u": school.gus})

    record = queries.meeting_record(db, school.sam, meeting)

    gus = next(x for x in record["signatures"] if x["name"] == "Gus")
    assert (gus["signed_at"], gus["after_finalizing"], gus["sha256"]) == (later, True, None)
    assert f"Gus (guardian): present, in person; signed {at_school(later)}, after the record was finalized" in \
        words(documents.record_pdf(record))


# --- a signature after finalizing -------------------------------------------------------------------------


def test_a_late_signature_shows_in_the_pdf_and_json_with_its_time_and_the_snapshot_is_unchanged(db, school):
    meeting = finalized(db, school)
    before = stored(db, meeting)

    meetings.sign(db, school.gus, meeting)

    assert stored(db, meeting) == before
    record = queries.meeting_record(db, school.sam, meeting)
    gus = record["signatures"][-1]
    assert (gus["name"], gus["role"], gus["after_finalizing"], gus["sha256"]) == ("Gus", "guardian", True, before[1])
    assert [x["name"] for x in record["signatures"] if not x["after_finalizing"]] == ["Sam Specialist", "Tia"]
    pdf = words(documents.record_pdf(record))
    assert (f"Gus (guardian): present, in person; signed {at_school(gus['signed_at'])}, after the record was "
            "finalized, having read this record") in pdf
    assert "Ana Lopez (student): present, in person; not signed yet" in pdf
    signed = json.loads(export.meeting_record_json(record))["signatures"][-1]
    assert (signed["name"], signed["signed_at"], signed["sha256"]) == ("Gus", gus["signed_at"].isoformat(), before[1])
    whole = json.loads(export.student_record_json(db, school.gus, school.ana_student))
    assert whole["meetings"][0]["record"]["signatures"][-1]["name"] == "Gus"
    assert "signed" in words(documents.student_record_pdf(export.student_record(db, school.gus, school.ana_student)))


def test_signing_after_finalizing_is_audited_with_the_fingerprint_read(db, school):
    meeting = finalized(db, school)
    sha256 = stored(db, meeting)[1]

    meetings.sign(db, school.gus, meeting)

    with db.read() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "sign").order_by(AuditEvent.id.desc())).first()
        signature = s.scalars(select(RecordSignature)).one()
    assert (event.actor_id, event.entity, event.entity_id, event.field, event.new, event.student_id) == (
        school.gus, "record_signature", signature.id, "sha256", sha256, school.ana_student)
    assert (signature.signed_by, signature.sha256) == (school.gus, sha256)


def test_a_specialist_records_a_guests_signature_after_finalizing(db, school):
    meeting = ready_to_sign(db, school)
    guest = meetings.add_guest(db, school.sam, meeting, "Dr. Reyes", "counselor")
    meetings.finalize(db, school.sam, meeting)

    meetings.sign_for_guest(db, school.sam, guest)

    record = queries.meeting_record(db, school.sam, meeting)
    assert [(x["name"], x["role"], x["after_finalizing"]) for x in record["signatures"]] == [
        ("Dr. Reyes", "counselor", True)]
    with db.read() as s:
        assert s.scalars(select(RecordSignature.signed_by)).one() == school.sam


def test_signing_a_record_a_second_time_writes_nothing(db, school):
    meeting = finalized(db, school)
    meetings.sign(db, school.gus, meeting)
    events, signatures = count(db, AuditEvent.id, AuditEvent.action != "view"), count(db, RecordSignature.id)
    first = queries.meeting_record(db, school.sam, meeting)

    meetings.sign(db, school.gus, meeting)
    meetings.sign(db, school.tia, meeting)  # signed at the meeting

    assert (count(db, AuditEvent.id, AuditEvent.action != "view"), count(db, RecordSignature.id)) == (events, signatures)
    assert queries.meeting_record(db, school.sam, meeting) == first


def test_a_late_signature_cannot_be_changed_or_deleted_through_the_orm(db, school):
    meeting = finalized(db, school)
    meetings.sign(db, school.gus, meeting)
    with db.read() as s:
        signature_id = s.scalars(select(RecordSignature.id)).one()

    with pytest.raises(InvalidInput), db.write() as s:
        s.get_one(RecordSignature, signature_id).sha256 = "f" * 64
    with pytest.raises(InvalidInput), db.write() as s:
        s.delete(s.get_one(RecordSignature, signature_id))

    assert queries.meeting_record(db, school.sam, meeting)["signatures"][-1]["sha256"] == stored(db, meeting)[1]


def test_a_version_2_record_reads_with_an_empty_notice_log(db, school):
    meeting = finalized(db, school)
    snapshot = json.loads(stored(db, meeting)[0])
    del snapshot["notices"]
    snapshot["version"] = 2
    with db.write() as s:  # as a record finalized before notice logs were kept
        s.execute(text("UPDATE meeting_record SET snapshot = :body WHERE meeting_id = :id"),
                  {"body": json.dumps(snapshot), "id": meeting})
    record = queries.meeting_record(db, school.gus, meeting)
    assert record is not None
    assert (record["snapshot"]["version"], record["snapshot"]["notices"]) == (2, [])
