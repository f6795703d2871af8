"""The files districts really have: UTF-16 and Windows-1252 text, .xlsx workbooks, the dates and
grades their systems write, NWEA MAP and wide CogAT exports; and CSV exports that Excel opens safely."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select

from plpcore import imports
from plpcore.errors import InvalidInput
from plpcore.export import csv_bytes
from plpcore.models import Assessment, Student

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ["student_id", "first_name", "last_name", "grade"]
ASSESSMENTS = ["student_id", "assessment", "date", "score", "percentile"]


def text_file(rows: Sequence[Sequence[object]], *, delimiter: str = ",", newline: str = "\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue()


def workbook(sheets: Mapping[str, Sequence[Sequence[object]]]) -> bytes:
    """An .xlsx file as Excel saves it, one sheet per entry."""
    book = openpyxl.Workbook()
    book.remove(book.active)  # pyright: ignore[reportArgumentType]  (a new workbook has its one sheet)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_roster(db, actor_id: int, data: bytes, **options) -> imports.ImportPreview:
    preview = imports.preview_roster(db, actor_id, data, **options)
    assert preview.rejected == []
    imports.commit_roster(db, actor_id, preview)
    return preview


def import_assessments(db, actor_id: int, data: bytes, **options) -> imports.ImportPreview:
    preview = imports.preview_assessments(db, actor_id, data, **options)
    assert preview.rejected == []
    imports.commit_assessments(db, actor_id, preview)
    return preview


def students(db) -> dict[str, tuple[str, str, int]]:
    with db.read() as s:
        return {st.local_id: (st.first_name, st.last_name, st.grade) for st in s.scalars(select(Student))}


def results(db) -> list[tuple[str, dt.date, str | None, int | None]]:
    with db.read() as s:
        return [(a.name, a.taken_on, a.score, a.percentile)
                for a in s.scalars(select(Assessment).order_by(Assessment.name))]


def one_result_dated(db, school, date: str) -> dt.date:
    data = text_file([ASSESSMENTS, ["1001", "CogAT", date, "SAS 131", "97"]]).encode()
    import_assessments(db, school.sam, data)
    return results(db)[0][1]


SEPTEMBER_15 = dt.date(2025, 9, 15)


# --- encodings and separators ---------------------------------------------------------------------


def test_a_utf16_roster_from_excel_imports_every_line(db, school):
    rows = [ROSTER, ["3001", "Zoë", "Nguyễn", "5"], ["3002", "Siobhán", "O’Brien", "6"], ["3003", "Liam", "Ng", "7"]]
    unicode_text = codecs.BOM_UTF16_LE + text_file(rows, delimiter="\t").encode("utf-16-le")  # "Unicode Text"

    preview = import_roster(db, school.sam, unicode_text)

    assert len(preview.create) == 3
    assert {k: v for k, v in students(db).items() if k.startswith("3")} == {
        "3001": ("Zoë", "Nguyễn", 5), "3002": ("Siobhán", "O’Brien", 6), "3003": ("Liam", "Ng", 7)}


def test_a_big_endian_utf16_roster_imports(db, school):
    data = codecs.BOM_UTF16_BE + text_file([ROSTER, ["3001", "Zoë", "Ng", "5"]], delimiter="\t").encode("utf-16-be")

    import_roster(db, school.sam, data)

    assert students(db)["3001"] == ("Zoë", "Ng", 5)


def test_a_utf16_roster_without_its_byte_order_mark_is_read():
    data = text_file([ROSTER, ["3001", "Zoë", "Ng", "5"]], delimiter="\t").encode("utf-16-le")

    assert imports.read_table(data) == (ROSTER, [(2, ["3001", "Zoë", "Ng", "5"])])


def test_a_windows_1252_roster_keeps_siobhan(db, school):
    data = text_file([ROSTER, ["3001", "Siobhán", "Ó Súilleabháin", "5"]]).encode("cp1252")

    import_roster(db, school.sam, data)

    assert students(db)["3001"] == ("Siobhán", "Ó Súilleabháin", 5)


def test_a_mac_excel_roster_keeps_pena():
    data = text_file([ROSTER, ["3001", "José", "Peña", "5"], ["3002", "François", "Lefèvre", "4"]]).encode("mac_roman")

    _, rows = imports.read_table(data)

    assert [row[1:3] for _, row in rows] == [["José", "Peña"], ["François", "Lefèvre"]]


# --- workbooks -------------------------------------------------------------------------------------


def test_an_xlsx_roster_imports_from_its_first_sheet(db, school):
    data = workbook({"Students": [ROSTER, [3001, "Zoë", "Ng", 5], [3002.0, "Ivo", "Ng", "KG"]],
                     "Notes": [["not", "a", "roster"]]})

    import_roster(db, school.sam, data)

    assert {k: v for k, v in students(db).items() if k.startswith("3")} == {
        "3001": ("Zoë", "Ng", 5), "3002": ("Ivo", "Ng", 0)}


def test_an_xlsx_roster_imports_from_the_sheet_chosen(db, school):
    data = workbook({"Read me": [["Exported from the SIS"]], "Roster": [ROSTER, [3001, "Zoë", "Ng", 5]]})

    assert imports.sheet_names(data) == ["Read me", "Roster"]
    import_roster(db, school.sam, data, sheet="Roster")

    assert students(db)["3001"] == ("Zoë", "Ng", 5)


def test_a_sheet_the_workbook_does_not_have_is_refused_naming_its_sheets():
    with pytest.raises(InvalidInput, match="no sheet 'Roster'; it has: Sheet A"):
        imports.read_table(workbook({"Sheet A": [ROSTER]}), sheet="Roster")


def test_a_date_cell_of_an_xlsx_is_read_as_its_day(db, school):
    data = workbook({"Scores": [ASSESSMENTS, [1001, "CogAT", dt.datetime(2025, 9, 15), "SAS 131", 97]]})

    import_assessments(db, school.sam, data)

    assert results(db) == [("CogAT", SEPTEMBER_15, "SAS 131", 97)]


# --- dates -----------------------------------------------------------------------------------------


def test_a_date_written_09_15_25_is_read_as_15_september_2025(db, school):
    assert one_result_dated(db, school, "09/15/25") == SEPTEMBER_15


@pytest.mark.parametrize("written", ["9/15/2025", "2025-09-15", "2025-09-15 00:00:00", "2025/09/15", "9/15/2025 0:00"])
def test_each_accepted_date_form_is_read_as_its_day(db, school, written):
    assert one_result_dated(db, school, written) == SEPTEMBER_15


def test_an_excel_serial_date_is_read_as_its_day(db, school):
    assert one_result_dated(db, school, "45915") == SEPTEMBER_15


def test_a_date_in_no_accepted_form_is_refused_naming_the_field_the_line_and_the_forms(db, school):
    data = text_file([ASSESSMENTS, ["1001", "CogAT", "9/15/2025", "", ""], ["1001", "MAP", "Sept 15", "", ""]]).encode()

    preview = imports.preview_assessments(db, school.sam, data)

    assert preview.rejected == [(3, "date: 'Sept 15' is not a date; write it as M/D/YYYY, M/D/YY, YYYY-MM-DD, "
                                    "YYYY/MM/DD or YYYY-MM-DD HH:MM:SS (an Excel date number such as 45915 is read "
                                    "too).")]


# --- grades ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "grade"), [("1st Grade", 1), ("2nd grade", 2), ("Gr. 5", 5), ("Grade 05", 5),
                                                ("5th", 5), ("Fifth Grade", 5), ("12th Grade", 12)])
def test_grade_1st_grade_is_grade_1_and_every_such_form_its_number(db, school, written, grade):
    import_roster(db, school.sam, text_file([ROSTER, ["3001", "Cleo", "Ng", written]]).encode())

    assert students(db)["3001"][2] == grade


@pytest.mark.parametrize("written", ["K", "KG", "KF", "KH", "TK", "Kindergarten"])
def test_every_kind_of_kindergarten_is_grade_0(db, school, written):
    import_roster(db, school.sam, text_file([ROSTER, ["3001", "Cleo", "Ng", written]]).encode())

    assert students(db)["3001"][2] == 0


@pytest.mark.parametrize(("written", "named"), [("PK", "PK (pre-kindergarten)"), ("UG", "UG (ungraded)")])
def test_pk_is_refused_with_a_reason(db, school, written, named):
    data = text_file([ROSTER, ["3001", "Cleo", "Ng", "5"], ["3002", "Ivo", "Ng", written]]).encode()

    preview = imports.preview_roster(db, school.sam, data)

    assert preview.rejected == [(3, f"grade: {named} is not a grade PlanTable holds: plans are for kindergarten "
                                    "(K, KG, KF, KH or TK) to grade 12.")]


# --- assessment vendors' files ----------------------------------------------------------------------


NWEA_HEADER = ["TermName", "DistrictName", "SchoolName", "StudentLastName", "StudentFirstName", "StudentMI",
               "StudentID", "StudentDateOfBirth", "StudentGender", "Grade", "MeasurementScale", "Discipline",
               "NormsReferenceData", "TestType", "TestName", "TestID", "TestStartDate", "TestDurationMinutes",
               "TestRITScore", "TestStandardError", "TestPercentile", "AchievementQuintile", "TestStartTime"]


def test_an_nwea_map_export_imports_its_date_score_and_percentile(db, school):
    row = ["Fall 2025-2026", "Adams 12", "Lincoln Elementary", "Lopez", "Ana", "", "1001", "3/2/2016", "F", "5",
           "Mathematics", "Mathematics", "2020", "Survey With Goals", "Growth: Math 2-5 CO 2020", "4711",
           "9/15/2025", "47", "231", "3.1", "95", "High", "9:14:03"]
    data = text_file([NWEA_HEADER, row]).encode()

    import_assessments(db, school.sam, data)

    assert results(db) == [("MAP Growth Mathematics", SEPTEMBER_15, "RIT 231", 95)]


def test_a_wide_cogat_file_becomes_one_result_per_score(db, school):
    header = ["Student ID", "Last Name", "First Name", "Test", "Date Tested", "Verbal SAS", "Quantitative SAS",
              "Nonverbal SAS", "Composite SAS"]
    data = text_file([header, ["1001", "Lopez", "Ana", "CogAT", "10/7/2025", "118", "131", "124", "127"]]).encode()
    scores = {c: imports.SCORE_COLUMN for c in header[5:]}

    import_assessments(db, school.sam, data, mapping=scores)

    october_7 = dt.date(2025, 10, 7)
    assert results(db) == [("CogAT Composite SAS", october_7, "127", None), ("CogAT Nonverbal SAS", october_7, "124", None),
                           ("CogAT Quantitative SAS", october_7, "131", None), ("CogAT Verbal SAS", october_7, "118", None)]



def test_a_wide_file_with_a_percentile_column_for_the_whole_row_is_refused_naming_it(db, school):
    header = ["Student ID", "Test", "Date Tested", "Verbal SAS", "Quantitative SAS", "Percentile"]
    data = text_file([header, ["1001", "CogAT", "10/7/2025", "118", "131", "97"]]).encode()

    with pytest.raises(InvalidInput, match="no column can also be `percentile` \\('Percentile' is\\)"):
        imports.preview_assessments(db, school.sam, data, mapping={c: imports.SCORE_COLUMN for c in header[3:5]})

@pytest.mark.parametrize(("sample", "results"), [("assessments-wide.csv", 12), ("assessments-nwea-map.csv", 4)])
def test_the_sample_wide_and_nwea_files_import_after_the_sample_roster(db, school, sample, results):
    import_roster(db, school.sam, (ROOT / "samples" / "roster.csv").read_bytes())
    data = (ROOT / "samples" / sample).read_bytes()
    scores = {c: imports.SCORE_COLUMN for c in ("Verbal SAS", "Quantitative SAS", "Nonverbal SAS", "Composite SAS")}

    preview = import_assessments(db, school.sam, data, mapping=scores if "wide" in sample else None)

    assert len(preview.create) == results


# --- CSV exports ------------------------------------------------------------------------------------


def test_a_csv_export_opens_in_a_reader_with_its_bom_and_zoe_intact():
    data = csv_bytes(pd.DataFrame({"student": ["Zoë Nguyễn"], "grade": [4]}))

    assert data.startswith(codecs.BOM_UTF8)
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [["student", "grade"], ["Zoë Nguyễn", "4"]]


def test_a_cell_hyperlink_comes_out_neutralised():
    frame = pd.DataFrame({"note": ['=HYPERLINK("http://evil.example","Click")', "@SUM(A1)", "+1", "-1", "\tx", "fine"]})

    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"))))

    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil.example\",\"Click\")", "'@SUM(A1)", "'+1", "'-1",
                                        "'\tx", "fine"]


def test_a_negative_number_in_a_numeric_column_is_data_and_left_as_it_is():
    frame = pd.DataFrame({"days_late": [-3, 2], "change": [-1.5, 0.5]})

    assert csv_bytes(frame).decode("utf-8-sig").splitlines() == ["days_late,change", "-3,-1.5", "2,0.5"]


def test_every_csv_export_goes_through_the_one_helper():
    writers = [f"{path.relative_to(ROOT)}:{n}" for folder in ("plpcore", "ui", "pages")
               for path in sorted((ROOT / folder).rglob("*.py")) if path != ROOT / "plpcore" / "export.py"
               for n, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"\.to_csv\(|csv\.writer", line)]
    assert writers == []


# --- the Import page ---------------------------------------------------------------------------------


@pytest.fixture
def app_school(tmp_path, monkeypatch):
    from tests.app_support import database_copy

    return database_copy(tmp_path, monkeypatch)


def import_page_with(data: bytes, name: str, kind: str):
    from tests.app_support import app

    at = app("import", as_user="sam").run()
    if kind != "roster":
        at.segmented_control(key="import_kind").set_value(kind).run()
    at.file_uploader(key="import_file").set_value((name, data, "application/octet-stream"))
    return at.run()


def column_choice(at, file_column: str):
    return next(s for s in at.selectbox if re.sub(r"\\(.)", r"\1", s.label) == file_column)


def test_on_the_import_page_the_columns_of_a_wide_file_are_chosen_as_scores_and_imported(app_school):
    from tests.app_support import page_text

    db, school = app_school
    imports.commit_roster(db, school.sam, imports.preview_roster(db, school.sam, ROOT / "samples" / "roster.csv"))
    at = import_page_with((ROOT / "samples" / "assessments-wide.csv").read_bytes(), "cogat.csv", "assessments")
    for column in ("Verbal SAS", "Quantitative SAS", "Nonverbal SAS", "Composite SAS"):
        at = column_choice(at, column).set_value(imports.SCORE_COLUMN).run()

    assert "12 to create, 0 to update, 0 unchanged, 0 rejected" in page_text(at)  # Zoë was absent: no scores
    next(b for b in at.button if b.key == "import_commit").click().run()
    with db.read() as s:
        names = set(s.scalars(select(Assessment.name).where(Assessment.name.like("CogAT Form 7 %"))))
    assert names == {"CogAT Form 7 Verbal SAS", "CogAT Form 7 Quantitative SAS", "CogAT Form 7 Nonverbal SAS",
                     "CogAT Form 7 Composite SAS"}


def test_on_the_import_page_a_workbook_with_two_sheets_is_read_from_the_sheet_chosen(app_school):
    from tests.app_support import page_text

    data = workbook({"Read me": [["Exported from the SIS"]], "Roster": [ROSTER, [3001, "Zoë", "Ng", 5]]})
    at = import_page_with(data, "roster.xlsx", "roster")
    at = next(s for s in at.selectbox if s.label == "Sheet").set_value("Roster").run()

    assert "1 to create, 0 to update, 0 unchanged, 0 rejected" in page_text(at)

