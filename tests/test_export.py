"""A student's whole record as JSON, and backups that restore every row."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from plpcore import accounts, backup, demo, export
from plpcore.errors import InvalidInput, NotAllowed
from plpcore.models import AuditEvent, Base, Meeting, MeetingStatus, Plan, Student

# --- the student record ---------------------------------------------------------------------------


def test_the_export_holds_the_plan_and_no_password_hash(db, school):
    body = export.student_record_json(db, school.sam, school.ana_student)
    record = json.loads(body)

    assert record["student"]["local_id"] == "1001"
    assert [g["statement"] for plan in record["plans"] for g in plan["goals"]] == [
        "Ana: finish the 6th-grade math unit"]
    assert {(t["name"], t["relationship"]) for t in record["team"]} >= {("Tia", "teacher"), ("Gus", "guardian")}
    assert "$2b$" not in body and "password" not in body.lower()


def test_the_export_says_nothing_about_other_students(db, school):
    body = export.student_record_json(db, school.sam, school.ana_student)

    assert "Ben" not in body and "Okafor" not in body and "1002" not in body


def test_a_user_without_a_link_cannot_export_and_the_refusal_is_audited(db, school):
    with pytest.raises(NotAllowed):
        export.student_record(db, school.pat, school.ana_student)

    with db.read() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.action == "denied", AuditEvent.actor_id == school.pat)).all()
    assert [e.student_id for e in denied] == [school.ana_student]


def test_a_staff_export_is_audited_as_a_view_of_the_record(db, school):
    export.student_record(db, school.tia, school.ana_student)

    with db.read() as s:
        views = s.scalars(select(AuditEvent.entity).where(AuditEvent.action == "view", AuditEvent.actor_id == school.tia))
        assert "student record export" in set(views)


def test_a_parent_exports_their_childs_record(db, school):
    record = export.student_record(db, school.gus, school.ana_student)

    assert record["student"]["first_name"] == "Ana"


def test_a_student_is_found_by_local_id_only_within_reach(db, school):
    assert export.find_student(db, school.sam, "1001") == school.ana_student
    with pytest.raises(NotAllowed):
        export.find_student(db, school.sam, "1002")


def test_the_export_carries_finalized_meetings_with_attendance_and_the_signed_record(sqlite_db):
    built = demo.build_school(sqlite_db, students=12)
    with sqlite_db.read() as s:
        student_id = s.scalar(select(Plan.student_id).join(Meeting, Meeting.plan_id == Plan.id)
                              .where(Meeting.status == MeetingStatus.FINALIZED).limit(1))

    record = json.loads(export.student_record_json(sqlite_db, built.specialist_id, student_id))

    finalized = [m for m in record["meetings"] if m["status"] == "finalized"]
    assert finalized and finalized[0]["record"]["sha256"]
    assert {a["role"] for a in finalized[0]["attendance"]} >= {"specialist", "teacher", "student"}
    assert finalized[0]["record"]["snapshot"]["student"]["local_id"] == record["student"]["local_id"]


# --- backup and restore --------------------------------------------------------------------------


def row_counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        counts = {t.name: conn.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
        counts["alembic_version"] = conn.scalar(text("SELECT count(*) FROM alembic_version"))
    return counts


def wipe(db) -> None:
    """Empty the database completely, as after losing it."""
    if db.is_sqlite:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            Base.metadata.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE alembic_version")
    else:
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(t.name for t in Base.metadata.sorted_tables)} RESTART IDENTITY CASCADE"))
    db.engine.dispose()


def test_a_backup_restores_every_row_after_the_database_is_wiped(db, tmp_path):
    built = demo.build_school(db, students=12)
    before, contents = row_counts(db), backup.contents(db)
    path = backup.backup(db, tmp_path / "plantable.backup")

    wipe(db)
    assert not backup.holds_data(db)
    backup.restore(db, path)

    assert row_counts(db) == before
    assert backup.contents(db) == contents  # the same rows, and the same content checksum
    specialist = built.accounts[0]
    assert accounts.sign_in(db, specialist[1], specialist[2])
    assert accounts.create_user(db, None, username="after.restore", display_name="New", password="correct horse",
                                kind="teacher")


def test_restore_refuses_a_database_that_holds_data_unless_forced(sqlite_db, tmp_path):
    demo.build_school(sqlite_db, students=3)
    path = backup.backup(sqlite_db, tmp_path / "one.backup")
    with sqlite_db.write() as s:
        s.get(Student, 1).first_name = "Changed"

    with pytest.raises(InvalidInput, match="--force"):
        backup.restore(sqlite_db, path)
    backup.restore(sqlite_db, path, force=True)

    with sqlite_db.read() as s:
        assert s.get(Student, 1).first_name != "Changed"


def test_a_backup_never_overwrites_a_file(sqlite_db, tmp_path):
    existing = tmp_path / "taken.backup"
    existing.write_text("keep me")

    with pytest.raises(InvalidInput, match="already exists"):
        backup.backup(sqlite_db, existing)

    assert existing.read_text() == "keep me"


def test_restore_refuses_a_file_that_is_not_a_backup(sqlite_db, tmp_path):
    not_backup = tmp_path / "notes.txt"
    not_backup.write_text("student_id,first_name\n")

    with pytest.raises(InvalidInput, match="not an SQLite backup"):
        backup.restore(sqlite_db, not_backup)
