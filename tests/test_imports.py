"""Roster and assessment CSV imports: preview, all-or-nothing commit, re-import, real-world files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from plpcore import accounts, checks, imports, queries
from plpcore.errors import InvalidInput, NotAllowed
from plpcore.models import Assessment, AuditEvent, Base, Link, Plan, Student, User
from tests.conftest import BLNS, make_school

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
HEADER = list(imports.ROSTER_COLUMNS)
ASSESSMENT_HEADER = list(imports.ASSESSMENT_COLUMNS)


def roster_row(student_id="3001", first_name="Cleo", last_name="Ng", grade="5", **cells) -> dict[str, str]:
    return {"student_id": student_id, "first_name": first_name, "last_name": last_name, "grade": grade} | cells


def csv_bytes(rows, header=HEADER, *, encoding="utf-8", newline="\n", bom=False, delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(col, "") for col in header] if isinstance(row, dict) else row)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def everything(db) -> dict[str, list]:
    """Every row of every table: the proof that a refused import wrote nothing."""
    with db.engine.connect() as conn:
        return {t.name: conn.execute(select(t).order_by(*t.primary_key.columns)).all()
                for t in Base.metadata.sorted_tables}


def student(db, local_id) -> Student | None:
    with db.read() as s:
        return s.scalar(select(Student).where(Student.local_id == local_id))


def import_roster(db, actor_id, data, mapping=None) -> imports.ImportResult:
    preview = imports.preview_roster(db, actor_id, data, mapping)
    assert preview.rejected == []
    return imports.commit_roster(db, actor_id, preview)


@pytest.fixture
def lite(sqlite_db):
    """The small school on SQLite only, for the many file-format cases."""
    school = make_school(sqlite_db)
    school.db = sqlite_db
    return school


# --- preview, commit, re-import (SQLite and PostgreSQL) --------------------------------------------


def test_previewing_a_roster_writes_nothing(lite):
    db, school = lite.db, lite
    before = everything(db)

    preview = imports.preview_roster(db, school.sam, SAMPLES / "roster.csv")

    assert len(preview.create) == 10
    assert everything(db) == before


def test_the_sample_roster_imports_students_guardians_teachers_and_links(db, school):
    result = import_roster(db, school.sam, SAMPLES / "roster.csv")

    assert (result.created, result.updated, result.unchanged) == (10, 0, 0)
    caseload = set(queries.my_students(db, school.sam).name)
    assert {"Sofía García", "Liam O'Brien", "Zoe Nguyễn", "Jean-Luc D'Angelo", "Søren Ødegaard"} <= caseload
    rosa = accounts.user_by_name(db, "rosa.garcia")
    assert set(queries.my_students(db, rosa.id).name) == {"Sofía García", "Teo García"}
    courses = queries.my_students(db, accounts.user_by_name(db, "mrivera").id)
    assert "Science 7, Honors" in set(courses.course)


def test_new_accounts_without_an_address_sign_in_with_their_initial_password_and_must_change_it(lite):
    db, school = lite.db, lite
    result = import_roster(db, school.sam, SAMPLES / "roster.csv")
    role, username, name, password = next(a for a in result.new_accounts if a[1] == "marie.dangelo")

    assert (role, name) == ("guardian", "D'Angelo, Marie")
    assert accounts.sign_in(db, username, password)
    assert accounts.user_by_name(db, username).must_change_password is True
    # The sample's 5 guardians with an address are e-mailed a welcome link instead (tests/test_links.py).
    assert len({a[1] for a in result.new_accounts}) == len(result.new_accounts) == 5
    assert len(result.invitations) == 5


def test_importing_the_same_roster_again_changes_nothing(db, school):
    import_roster(db, school.sam, SAMPLES / "roster.csv")
    before = everything(db)

    preview = imports.preview_roster(db, school.sam, SAMPLES / "roster.csv")
    result = imports.commit_roster(db, school.sam, preview)

    assert (len(preview.create), len(preview.update), len(preview.unchanged)) == (0, 0, 10)
    assert (result.created, result.updated, result.unchanged, result.new_accounts) == (0, 0, 10, [])
    assert everything(db) == before


def test_a_bad_roster_imports_nothing_and_lists_every_bad_line(db, school):
    before = everything(db)

    preview = imports.preview_roster(db, school.sam, SAMPLES / "roster-bad.csv")
    with pytest.raises(InvalidInput) as refusal:
        imports.commit_roster(db, school.sam, preview)

    assert [line for line, _ in preview.rejected] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert refusal.value.line == 3 and "nothing was imported" in str(refusal.value)
    assert everything(db) == before


def test_a_changed_row_is_previewed_as_an_update_and_the_commit_applies_it(lite):
    db, school = lite.db, lite
    import_roster(db, school.sam, csv_bytes([roster_row(grade="5")]))
    changed = csv_bytes([roster_row(grade="6", teacher_username="tia", course="Math 6")])

    preview = imports.preview_roster(db, school.sam, changed)
    result = imports.commit_roster(db, school.sam, preview)

    assert [u["line"] for u in preview.update] == [2]
    assert "grade: 5 → 6" in preview.update[0]["detail"] and "link teacher tia" in preview.update[0]["detail"]
    assert (result.created, result.updated) == (0, 1)
    assert student(db, "3001").grade == 6
    assert "Cleo Ng" in set(queries.my_students(db, school.tia).name)


def test_every_imported_row_leaves_an_audit_event(lite):
    db, school = lite.db, lite
    with db.read() as s:
        before = s.scalar(select(func.count(AuditEvent.id)))

    import_roster(db, school.sam, csv_bytes([roster_row(guardian_username="nora", guardian_name="Nora Ng")]))

    with db.read() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
    assert sorted((e.action, e.entity, e.new) for e in events) == [
        ("create", "app_user", "nora"), ("create", "student", "Cleo Ng"), ("link", "link", "nora guardian"),
        ("link", "link", "sam specialist")]
    assert {e.actor_id for e in events} == {school.sam}
    assert {e.student_id for e in events} == {student(db, "3001").id}


# --- what a roster may not do ----------------------------------------------------------------------


def test_a_roster_row_for_another_specialists_student_is_rejected(lite):
    preview = imports.preview_roster(lite.db, lite.sam, csv_bytes([roster_row(student_id="1002", first_name="Ben")]))

    assert preview.rejected == [(2, "student_id: '1002' is a student on another specialist's caseload.")]


def test_a_students_sign_in_cannot_be_linked_as_a_guardian(lite):
    preview = imports.preview_roster(lite.db, lite.sam, csv_bytes([roster_row(guardian_username="ANA")]))

    assert preview.rejected == [(2, "guardian_username: 'ANA' is a student's sign-in.")]


def test_a_new_account_needs_a_name_and_the_same_name_on_every_line(lite):
    rows = [roster_row("3001", guardian_username="kim"), roster_row("3002", guardian_username="lee", guardian_name="A"),
            roster_row("3003", guardian_username="LEE", guardian_name="B")]

    preview = imports.preview_roster(lite.db, lite.sam, csv_bytes(rows))

    assert preview.rejected == [(2, "guardian_name: is required for the new account 'kim'."),
                                (4, "guardian_name: 'LEE' is named 'A' on line 3.")]


def test_an_existing_account_is_matched_whatever_the_case_of_its_username(lite):
    import_roster(lite.db, lite.sam, csv_bytes([roster_row(guardian_username="GUS", teacher_username="Tia")]))

    assert "Cleo Ng" in set(queries.my_students(lite.db, lite.gus).name)
    assert "Cleo Ng" in set(queries.my_students(lite.db, lite.tia).name)
    with lite.db.read() as s:
        assert s.scalar(select(func.count(User.id)).where(func.lower(User.username) == "gus")) == 1


def test_a_teacher_cannot_import_a_roster(lite):
    with pytest.raises(NotAllowed):
        imports.preview_roster(lite.db, lite.tia, SAMPLES / "roster.csv")


def test_a_preview_cannot_be_committed_by_someone_else(lite):
    preview = imports.preview_roster(lite.db, lite.sam, SAMPLES / "roster.csv")

    with pytest.raises(InvalidInput, match="someone else"):
        imports.commit_roster(lite.db, lite.pat, preview)


def test_the_commit_rechecks_and_writes_nothing_if_the_database_changed_since_the_preview(lite):
    preview = imports.preview_roster(lite.db, lite.sam, SAMPLES / "roster.csv")
    accounts.create_user(lite.db, None, username="rosa.garcia", display_name="Rosa", password=lite.password,
                         kind="student")
    before = everything(lite.db)

    with pytest.raises(InvalidInput, match="student's sign-in"):
        imports.commit_roster(lite.db, lite.sam, preview)

    assert everything(lite.db) == before


def test_the_commit_reports_its_progress_up_to_one(lite):
    seen = []
    preview = imports.preview_roster(lite.db, lite.sam, SAMPLES / "roster.csv")

    imports.commit_roster(lite.db, lite.sam, preview, progress=seen.append)

    assert seen == sorted(seen) and len(seen) > 1 and seen[-1] == 1.0


def test_missing_required_columns_are_named_on_line_1(lite):
    data = csv_bytes([["3001", "Cleo"]], header=["student_id", "first_name"])

    preview = imports.preview_roster(lite.db, lite.sam, data)

    assert preview.missing == ["last_name", "grade"]
    assert preview.rejected == [(1, "missing required column(s): last_name, grade")]


@pytest.mark.parametrize(("grade", "reason"), [
    ("13", "grade: must be between 0 and 12."), ("five", "grade: must be a whole number."),
    ("", "grade: is required."), ("-1", "grade: must be between 0 and 12."),
])
def test_a_bad_grade_is_rejected_with_its_line(lite, grade, reason):
    preview = imports.preview_roster(lite.db, lite.sam, csv_bytes([roster_row("3001"), roster_row("3002", grade=grade)]))

    assert preview.rejected == [(3, reason)]


def test_an_empty_file_is_refused(lite):
    with pytest.raises(InvalidInput, match="file: is empty"):
        imports.preview_roster(lite.db, lite.sam, b"\xef\xbb\xbf\r\n")


# --- what real exports contain (SQLite) -------------------------------------------------------


def test_a_byte_order_mark_and_crlf_line_ends_are_read(lite):
    data = csv_bytes([roster_row(first_name="Zoë")], bom=True, newline="\r\n")

    import_roster(lite.db, lite.sam, data)

    assert student(lite.db, "3001").first_name == "Zoë"


def test_extra_columns_are_ignored_and_reported(lite):
    data = csv_bytes([{**roster_row(), "Homeroom": "12B", "Bus": "7"}], header=[*HEADER, "Homeroom", "Bus"])

    preview = imports.preview_roster(lite.db, lite.sam, data)

    assert preview.ignored == ["Homeroom", "Bus"] and len(preview.create) == 1


def test_quoted_commas_and_apostrophes_and_accents_are_kept_exactly(lite):
    data = csv_bytes([roster_row(first_name="Renée", last_name="O'Connor, Jr.", preferred_name="Ré",
                                 gifted_areas="math, reading")])

    import_roster(lite.db, lite.sam, data)

    cleo = student(lite.db, "3001")
    assert (cleo.first_name, cleo.last_name, cleo.preferred_name) == ("Renée", "O'Connor, Jr.", "Ré")
    assert cleo.gifted_areas == "math, reading"


def test_spaces_around_cells_are_dropped(lite):
    data = b"student_id , first_name,last_name ,grade\n  3001 ,  Cleo\t,  Ng ,  5 \n"

    import_roster(lite.db, lite.sam, data)

    cleo = student(lite.db, "3001")
    assert (cleo.local_id, cleo.first_name, cleo.last_name, cleo.grade) == ("3001", "Cleo", "Ng", 5)


def test_a_windows_1252_file_is_read_with_its_curly_apostrophes(lite):
    data = csv_bytes([roster_row(first_name="Chloé", last_name="O’Brien")], encoding="cp1252")

    import_roster(lite.db, lite.sam, data)

    assert (student(lite.db, "3001").first_name, student(lite.db, "3001").last_name) == ("Chloé", "O’Brien")


def test_a_latin_1_file_is_read(lite):
    data = "student_id,first_name,last_name,grade\n3001,Søren,Müller,5\n".encode("latin-1")

    import_roster(lite.db, lite.sam, data)

    assert student(lite.db, "3001").last_name == "Müller"


def test_semicolon_separated_files_are_read(lite):
    data = csv_bytes([roster_row(last_name="Ng, Jr.", gifted_areas="math;science")], delimiter=";")

    import_roster(lite.db, lite.sam, data)

    assert (student(lite.db, "3001").last_name, student(lite.db, "3001").gifted_areas) == ("Ng, Jr.", "math, science")


def test_student_information_system_column_names_are_mapped_by_themselves(lite):
    data = csv_bytes([["3001", "Ng", "Cleo", "Grade 5", "Math; Reading", "Nora Ng", "nora"]],
                     header=["Student ID", "Last Name", "First Name", "Grade Level", "Gifted Areas", "Parent Name",
                             "Guardian Username"])

    preview = imports.preview_roster(lite.db, lite.sam, data)
    imports.commit_roster(lite.db, lite.sam, preview)

    assert preview.columns == {"Student ID": "student_id", "Last Name": "last_name", "First Name": "first_name",
                               "Grade Level": "grade", "Gifted Areas": "gifted_areas", "Parent Name": "guardian_name",
                               "Guardian Username": "guardian_username"}
    assert (student(lite.db, "3001").grade, student(lite.db, "3001").gifted_areas) == (5, "math, reading")


def test_a_mapping_names_the_files_own_columns(lite):
    data = csv_bytes([["S-3001", "Cleo", "Ng", "K"]], header=["Pupil Ref", "Given", "Family", "Yr"])

    import_roster(lite.db, lite.sam, data, mapping={"Pupil Ref": "student_id", "Given": "first_name",
                                                   "Family": "last_name", "Yr": "grade"})

    assert student(lite.db, "S-3001").grade == 0


def test_a_mapping_to_an_unknown_column_is_refused(lite):
    with pytest.raises(InvalidInput, match="'shoe_size' is not a PlanTable column"):
        imports.preview_roster(lite.db, lite.sam, csv_bytes([roster_row()]), mapping={"grade": "shoe_size"})


def test_blank_rows_are_skipped_and_line_numbers_stay_those_of_the_spreadsheet(lite):
    data = b"student_id,first_name,last_name,grade\n3001,Cleo,Ng,5\n\n,,,\n3002,Ivo,Ng,55\n"

    preview = imports.preview_roster(lite.db, lite.sam, data)

    assert [c["line"] for c in preview.create] == [2]
    assert preview.rejected == [(5, "grade: must be between 0 and 12.")]


def test_a_row_with_an_unquoted_comma_is_rejected_with_its_line(lite):
    data = b"student_id,first_name,last_name,grade\n3001,Cleo,Ng, Jr.,5\n3002,Ivo,Ng,5,,\n"

    preview = imports.preview_roster(lite.db, lite.sam, data)

    assert [line for line, _ in preview.rejected] == [2]
    assert "has 5 cells but the header has 4" in preview.rejected[0][1]
    assert [c["line"] for c in preview.create] == [3]


def test_duplicate_student_ids_are_rejected_naming_the_first_line(lite):
    preview = imports.preview_roster(lite.db, lite.sam, csv_bytes([roster_row("3001"), roster_row("3001")]))

    assert preview.rejected == [(3, "student_id: '3001' is already on line 2.")]


def test_an_unknown_gifted_area_is_rejected(lite):
    preview = imports.preview_roster(lite.db, lite.sam, csv_bytes([roster_row(gifted_areas="math; basket weaving")]))

    assert preview.rejected[0][0] == 2 and "unknown area 'basket weaving'" in preview.rejected[0][1]


# --- every naughty string through every roster column (SQLite) --------------------------------------

NAUGHTY = json.loads(BLNS.read_text(encoding="utf-8"))


def naughty_rows(column: str) -> list[dict[str, str]]:
    """One row per naughty string, in `column`; every other cell valid and unique to the row."""
    rows = []
    for i, value in enumerate(NAUGHTY):
        row = roster_row(f"n{i}")
        if column.startswith("guardian"):
            row |= {"guardian_username": f"g{i}", "guardian_name": "Guardian"}
        if column.startswith("teacher") or column == "course":
            row |= {"teacher_username": f"t{i}", "teacher_name": "Teacher"}
        row[column] = value
        rows.append(row)
    return rows


def stored(db, column: str) -> dict[str, object]:
    """What the database holds for one roster column, by local student id, read back from its own table."""
    with db.read() as s:
        if column in ("student_id", "first_name", "last_name", "preferred_name", "grade", "gifted_areas"):
            attr = "local_id" if column == "student_id" else column
            return dict(s.execute(select(Student.local_id, getattr(Student, attr))).all())
        role = "guardian" if column.startswith("guardian") else "teacher"
        attr = {"username": User.username, "name": User.display_name, "email": User.email,
                "course": Link.course}[column.split("_", 1)[-1]]
        return dict(s.execute(select(Student.local_id, attr).join(Link, Link.student_id == Student.id)
                              .join(User, User.id == Link.user_id).where(Link.relationship == role)).all())


def as_stored(cell: str) -> str:
    """A roster cell as plpcore keeps it: spaces and tabs around it trimmed, invisible control characters dropped."""
    return checks.without_controls(cell.strip(" \t"))


@pytest.mark.parametrize("column", HEADER)
def test_every_naughty_string_in_every_roster_column_is_imported_exactly_or_rejected_by_line(lite, column):
    rows = naughty_rows(column)
    before = everything(lite.db)

    preview = imports.preview_roster(lite.db, lite.sam, csv_bytes(rows))
    rejected = {line for line, _ in preview.rejected}
    accepted = [i for i in range(len(rows)) if i + 2 not in rejected]
    with pytest.raises(InvalidInput):
        imports.commit_roster(lite.db, lite.sam, preview)
    assert everything(lite.db) == before  # a file with a bad line writes nothing at all

    assert len(preview.create) + len(preview.rejected) == len(rows)
    result = import_roster(lite.db, lite.sam, csv_bytes([rows[i] for i in accepted]))
    assert result.created == len(accepted)
    held = stored(lite.db, column)
    for i in accepted:
        value = as_stored(NAUGHTY[i])
        got = held[value if column == "student_id" else f"n{i}"]
        if column == "grade":
            assert got == int(value.split(".")[0]), value  # "1.00" is how a spreadsheet writes 1
        elif column == "gifted_areas":
            assert got == ", ".join(a.strip(" \t").lower() for a in value.replace(";", ",").split(",") if a.strip(" \t"))
        elif column.endswith("username"):
            assert got.lower() == value.lower(), value
        else:
            assert got == (value or None if column in ("preferred_name", "guardian_email", "course") else value), value
    rejected_ids = {as_stored(NAUGHTY[line - 2]) for line in rejected} if column == "student_id" else set()
    assert not rejected_ids & (set(held) - {as_stored(NAUGHTY[i]) for i in accepted})


# --- assessments -----------------------------------------------------------------------------------


def assessment_csv(rows) -> bytes:
    return csv_bytes(rows, header=ASSESSMENT_HEADER)


def test_assessments_import_for_students_on_the_caseload_and_move_the_plan_revision(db, school):
    revision = queries.plan_revision(db, school.ana_plan)
    data = assessment_csv([{"student_id": "1001", "assessment": "CogAT Form 7", "date": "2026-10-07",
                            "score": "SAS 131", "percentile": "97", "note": "Quantitative, strength"},
                           {"student_id": "1001", "assessment": "MAP Growth Math", "date": "9/12/2026",
                            "score": "RIT 224", "percentile": "95"}])

    preview = imports.preview_assessments(db, school.sam, data)
    result = imports.commit_assessments(db, school.sam, preview)

    assert (result.created, result.updated) == (2, 0)
    doc = queries.student_plan(db, school.sam, school.ana_plan)
    assert [(a["name"], str(a["taken_on"]), a["score"], a["percentile"], a["note"]) for a in doc["assessments"]] == [
        ("MAP Growth Math", "2026-09-12", "RIT 224", 95, ""),
        ("CogAT Form 7", "2026-10-07", "SAS 131", 97, "Quantitative, strength")]
    assert queries.plan_revision(db, school.ana_plan) > revision


def test_importing_the_same_assessments_again_changes_nothing_and_a_new_score_is_an_update(lite):
    db, school = lite.db, lite
    first = [{"student_id": "1001", "assessment": "CogAT", "date": "2026-10-07", "score": "SAS 131"}]
    imports.commit_assessments(db, school.sam, imports.preview_assessments(db, school.sam, assessment_csv(first)))
    before = everything(db)

    again = imports.preview_assessments(db, school.sam, assessment_csv(first))
    assert imports.commit_assessments(db, school.sam, again).unchanged == 1
    assert everything(db) == before

    rescored = imports.preview_assessments(db, school.sam, assessment_csv([first[0] | {"score": "SAS 133"}]))
    assert rescored.update == [{"line": 2, "student_id": "1001", "detail": "score: 'SAS 131' → 'SAS 133'"}]
    imports.commit_assessments(db, school.sam, rescored)
    with db.read() as s:
        assert s.scalars(select(Assessment.score)).all() == ["SAS 133"]


def test_bad_assessment_rows_are_rejected_by_line_and_nothing_is_written(lite):
    rows = [
        {"student_id": "1001", "assessment": "CogAT", "date": "2026-10-07"},
        {"student_id": "1002", "assessment": "CogAT", "date": "2026-10-07"},  # Pat's student, not Sam's
        {"student_id": "9999", "assessment": "CogAT", "date": "2026-10-07"},
        {"student_id": "1001", "assessment": "MAP", "date": "2026-13-01"},
        {"student_id": "1001", "assessment": "MAP", "date": "2026-10-01", "percentile": "100"},
        {"student_id": "1001", "assessment": "CogAT", "date": "2026-10-07"},
        {"student_id": "1001", "assessment": "", "date": "2026-10-07"},
    ]
    before = everything(lite.db)

    preview = imports.preview_assessments(lite.db, lite.sam, assessment_csv(rows))

    assert preview.rejected == [
        (3, "student_id: no student '1002' on your caseload."),
        (4, "student_id: no student '9999' on your caseload."),
        (5, "date: '2026-13-01' is not a day of the calendar; write it as M/D/YYYY, M/D/YY, YYYY-MM-DD, "
            "YYYY/MM/DD or YYYY-MM-DD HH:MM:SS (an Excel date number such as 45915 is read too)."),
        (6, "percentile: must be between 1 and 99."),
        (7, "assessment: CogAT on 2026-10-07 for '1001' is already on line 2."),
        (8, "assessment: is required."),
    ]
    with pytest.raises(InvalidInput):
        imports.commit_assessments(lite.db, lite.sam, preview)
    assert everything(lite.db) == before


def test_the_sample_assessments_file_imports_after_the_sample_roster(lite):
    import_roster(lite.db, lite.sam, SAMPLES / "roster.csv")

    preview = imports.preview_assessments(lite.db, lite.sam, SAMPLES / "assessments.csv")
    result = imports.commit_assessments(lite.db, lite.sam, preview)

    assert (result.created, len(preview.rejected)) == (10, 0)
    with lite.db.read() as s:
        assert s.scalar(select(func.count(Plan.id))) == 2  # importing never creates plans


def test_a_recognised_column_mapped_to_none_is_left_out(lite):
    data = csv_bytes([roster_row(course="Math 5")], header=[*HEADER[:4], "course"])
    preview = imports.preview_roster(lite.db, lite.sam, data, mapping={"course": None})
    assert "course" not in preview.columns.values()
    assert "course" in preview.ignored


@pytest.mark.parametrize("kind", ["roster", "assessments"])
def test_previewing_a_file_again_costs_the_same_statements_for_5_and_40_known_students(lite, kind):
    from bench.sql import count_statements

    def statements(n: int) -> int:
        rows = [roster_row(student_id=f"{kind[0]}{n}-{i}", first_name=f"S{i}") for i in range(n)]
        import_roster(lite.db, lite.sam, csv_bytes(rows))
        data = csv_bytes(rows) if kind == "roster" else csv_bytes(
            [{"student_id": r["student_id"], "assessment": "MAP", "date": "2026-09-10", "score": "220"} for r in rows],
            header=ASSESSMENT_HEADER)
        preview = imports.preview_roster if kind == "roster" else imports.preview_assessments
        with count_statements(lite.db) as counted:
            preview(lite.db, lite.sam, data)
        return len(counted)

    assert statements(5) == statements(40)
