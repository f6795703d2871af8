"""Roster and assessment imports (CSV, tab-separated text or .xlsx): read, map columns, preview, then
commit all or nothing.

Roster file, one row per student (line 1 is the header):

    student_id         required  the school's local student id; matches the student on re-import
    first_name         required
    last_name          required
    preferred_name     optional
    grade              required  K or 1–12: "5", "05", "5th", "Grade 5", "Gr. 5", "1st Grade" are read; K, KG,
                                 KF, KH (full- and half-day kindergarten) and TK (transitional
                                 kindergarten) are kindergarten, 0; PK (pre-K) and UG (ungraded) are refused
    gifted_areas       optional  identification areas separated by semicolons, e.g. "math; reading"
                                 (general intellectual, reading, writing, math, science, social
                                 studies, world language, creative thinking, leadership, visual
                                 arts, performing arts, music, dance, psychomotor)
    guardian_username  optional  sign-in name of a parent/guardian; linked to the student
    guardian_name      optional  needed when the guardian account is new
    guardian_email     optional
    teacher_username   optional  sign-in name of a teacher; linked to the student
    teacher_name       optional  needed when the teacher account is new
    course             optional  the teacher's course or subject, e.g. "Math 7"

Assessments file, one row per result:

    student_id   required  local student id of a student on your caseload
    assessment   required  e.g. CogAT, MAP Growth Math, CMAS Math
    date         required  YYYY-MM-DD, YYYY/MM/DD, M/D/YYYY, M/D/YY, "YYYY-MM-DD HH:MM:SS", or an Excel
                           date (a date cell, or its serial number such as 45915)
    score        optional  as reported, e.g. "RIT 231" or "SAS 131"
    percentile   optional  1–99
    note         optional

or one row per student with one column per score (a "wide" file, as CogAT and Iowa reports
are: "Verbal SAS", "Quantitative SAS", …): map each score column to SCORE_COLUMN and every
filled one becomes a result named after its column (after the assessment cell, if a column
is mapped to `assessment`; no column is then `score` or `percentile`). An NWEA MAP export imports as it is: StudentID, MeasurementScale
(read as "MAP Growth Mathematics"…), TestStartDate, TestRITScore ("RIT 231"), TestPercentile.

Column names from a student-information-system export are recognized case-insensitively
("Student ID", "StudentNumber", "First Name", "Grade Level", "Parent Email"…), and a
`mapping` {file column: PlanTable column} names the others. Extra columns are ignored.

What real exports contain is tolerated: a byte-order mark (UTF-8, UTF-16, UTF-32), Excel's
"Unicode Text" (UTF-16, tab-separated), Windows-1252 and Mac Roman files (chosen by
charset-normalizer when the file is not UTF-8), CRLF line ends, commas or semicolons or tabs
between cells, quoted cells with commas, spaces around cells (spaces and tabs around a cell
are dropped; everything else is kept exactly), accented and apostrophe names. An .xlsx file
is read from its first sheet, or the one named. Rows with nothing in them are skipped.

Matching on re-import: students by local id within the importer's school, accounts by
username whatever its case, assessments by (student, assessment, date). A row that
matches and changes nothing is "unchanged", so importing the same file twice changes
nothing. Existing accounts are linked, never edited. A new guardian with a guardian_email
is e-mailed a welcome link and chooses their own password (the commit returns the links, to
share by hand while e-mail is not set up); other new guardian and teacher accounts get a
random initial password that must be changed at first sign-in, which the commit returns so
the specialist can hand them out. Links are only ever added by an import.

A preview writes nothing. The commit re-checks every row in its one transaction and
refuses (writing nothing) if any line is rejected.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import re
import secrets
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO, Literal, overload

import bcrypt
import charset_normalizer
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plpcore import checks, links
from plpcore.access import ALLOWED, Action, active_user, audit, audit_all, bump_revision, deny, roles_toward_each
from plpcore.accounts import BCRYPT_ROUNDS, NO_PASSWORD_YET
from plpcore.db import Database
from plpcore.errors import InvalidInput
from plpcore.models import (
    AccountKind,
    Assessment,
    Base,
    Link,
    Plan,
    Relationship,
    Student,
    User,
)
from plpcore.services import GIFTED_AREAS, assessment_values, changed, student_values

ROSTER_COLUMNS = (
    "student_id", "first_name", "last_name", "preferred_name", "grade", "gifted_areas", "guardian_username",
    "guardian_name", "guardian_email", "teacher_username", "teacher_name", "course",
)
ROSTER_REQUIRED = ("student_id", "first_name", "last_name", "grade")
ASSESSMENT_COLUMNS = ("student_id", "assessment", "date", "score", "percentile", "note")
ASSESSMENT_REQUIRED = ("student_id", "assessment", "date")

# Names student-information systems use for our columns, compared with case, spaces and
# punctuation removed ("Student ID" → "studentid").
ALIASES = {
    "student_id": ("studentid", "studentnumber", "studentno", "stuid", "localid", "localstudentid", "sisid",
                   "studentlocalid", "idnumber", "schoolid"),
    "first_name": ("firstname", "first", "givenname", "legalfirstname", "studentfirstname", "fname"),
    "last_name": ("lastname", "last", "surname", "familyname", "legallastname", "studentlastname", "lname"),
    "preferred_name": ("preferredname", "preferredfirstname", "nickname", "goesby", "knownas"),
    "grade": ("grade", "gradelevel", "currentgrade", "grd", "gr"),
    "gifted_areas": ("giftedareas", "giftedarea", "areasofidentification", "identificationareas", "gtareas",
                     "giftedidentification", "areas"),
    "guardian_username": ("guardianusername", "parentusername", "guardianlogin", "parentlogin"),
    "guardian_name": ("guardianname", "parentname", "guardian", "parent", "parentguardianname",
                      "parentguardian", "guardian1name", "contactname"),
    "guardian_email": ("guardianemail", "parentemail", "guardian1email", "parentguardianemail", "contactemail"),
    "teacher_username": ("teacherusername", "teacherlogin"),
    "teacher_name": ("teachername", "teacher", "homeroomteacher"),
    "course": ("course", "coursename", "subject", "class", "classname", "section"),
    # NWEA MAP names the subject in MeasurementScale and the test form in TestName (which
    # changes between years and states): the subject comes first, so results match on re-import.
    "assessment": ("assessment", "assessmentname", "measurementscale", "test", "testname", "exam"),
    "date": ("date", "testdate", "teststartdate", "datetaken", "assessmentdate", "administered",
             "administrationdate", "datetested"),
    "score": ("score", "scalescore", "testritscore", "rit", "ritscore", "result", "sas"),
    "percentile": ("percentile", "testpercentile", "nationalpercentile", "percentilerank", "npr", "pr",
                   "nationalpercentilerank"),
    "note": ("note", "notes", "comment", "comments"),
}
# How a column of a known export writes its values, by the column's normalised name: NWEA's
# MeasurementScale says only "Mathematics", and TestRITScore only "231".
WRITTEN_AS = {"measurementscale": "MAP Growth {}", "testritscore": "RIT {}"}
# The mapping value for a score column of a wide file (one row per student, one column per score).
SCORE_COLUMN = "score column"
MAX_FILE_BYTES = 20 * 1024 * 1024
# Initial passwords are one-time (changed at first sign-in, then hashed at the full
# cost): a lower cost keeps a 500-family roster import to seconds, not minutes.
INITIAL_PASSWORD_ROUNDS = 10
_OUTER_SPACE = " \t"
_GRADE = re.compile(r"^(?:(?:grade|grd|gr)\s*[.:#-]?\s*)?0*([0-9]{1,2})(?:\.0+)?(?:\s*(?:st|nd|rd|th))?"
                    r"(?:\s*grade)?$", re.IGNORECASE)
# Kindergarten, however a student-information system writes it: full- and half-day (KF, KH)
# and transitional kindergarten (TK). Student.grade is 0–12 and has no year before K; a TK
# child is in a kindergarten-year program (their first year of school, with a kindergarten
# teacher), so TK is read as 0 too rather than refused.
_KINDERGARTEN = {"k", "kg", "kf", "kh", "kindergarten", "kinder", "tk", "transitionalkindergarten",
                 "fulldaykindergarten", "halfdaykindergarten"}
_NOT_A_GRADE = {
    "pk": "PK (pre-kindergarten)", "prek": "PK (pre-kindergarten)", "prekindergarten": "PK (pre-kindergarten)",
    "p": "P (preschool)", "ps": "PS (preschool)", "preschool": "PS (preschool)",
    "ug": "UG (ungraded)", "ungraded": "UG (ungraded)",
}
_ORDINALS = {w: i for i, w in enumerate(("first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
                                         "twelfth").split(), start=1)}
_DATE_FORMS = ("M/D/YYYY, M/D/YY, YYYY-MM-DD, YYYY/MM/DD or YYYY-MM-DD HH:MM:SS (an Excel date number such "
               "as 45915 is read too)")
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)?"
_YMD = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})" + _TIME + "$")
_MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})" + _TIME + "$")
_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")
# Excel counts days from 1899-12-30 (its 1900 leap-year bug makes that the right origin for
# every date after February 1900). Only serials of 1950–2099 are read as dates: a smaller
# number in a date column is more likely a year or a mistake than a date.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIALS = range((dt.date(1950, 1, 1) - _EXCEL_EPOCH).days, (dt.date(2100, 1, 1) - _EXCEL_EPOCH).days)
# Sheets hold far more than their zipped size; this caps what one workbook may expand to.
MAX_SHEET_CELLS = 2_000_000


# --- results -------------------------------------------------------------------------------


@dataclasses.dataclass
class ImportPreview:
    """What a commit would do, line by line. Writes nothing.

    `create`, `update` and `unchanged` hold one dict per line (line, student_id, what);
    `rejected` holds (line, reason); `columns` maps the file's columns to ours.
    """

    kind: str
    actor_id: int
    columns: dict[str, str]
    ignored: list[str]
    missing: list[str]
    create: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    update: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    unchanged: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    rejected: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    new_accounts: list[dict[str, str]] = dataclasses.field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = dataclasses.field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        return (f"{len(self.create)} to create, {len(self.update)} to update, {len(self.unchanged)} unchanged, "
                f"{len(self.rejected)} rejected")

    def frame(self) -> pd.DataFrame:
        """Every line with what will happen to it, for a preview table."""
        rows = [{"line": r["line"], "action": action, "student_id": r["student_id"], "detail": r["detail"]}
                for action, group in (("create", self.create), ("update", self.update),
                                      ("unchanged", self.unchanged))
                for r in group]
        rows += [{"line": line, "action": "reject", "student_id": "", "detail": reason} for line, reason in self.rejected]
        frame = pd.DataFrame(rows, columns=["line", "action", "student_id", "detail"])
        return frame.sort_values("line", kind="stable").reset_index(drop=True)


class RosterPreview(ImportPreview):
    pass


class AssessmentPreview(ImportPreview):
    pass


@dataclasses.dataclass
class ImportResult:
    """What a commit did; `new_accounts` as (role, username, name, initial password), for the new
    accounts without an address; `invitations` for those e-mailed a welcome link instead."""

    created: int
    updated: int
    unchanged: int
    new_accounts: list[tuple[str, str, str, str]]
    invitations: list[links.Invitation] = dataclasses.field(default_factory=list)
    mail_waiting: bool = False  # SMTP is not set up: the invitations wait, and the screen shows their links


# --- reading the file ----------------------------------------------------------------------


def read_table(file_or_bytes: bytes | str | Path | BinaryIO, sheet: str | None = None
               ) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data rows with their line numbers (line 1 is the header), from a CSV or
    tab-separated text file in any of the encodings above, or from an .xlsx workbook's first
    sheet (or the one named `sheet`).

    A line is a row as a spreadsheet shows it: a quoted cell spanning two text lines
    is still one row. Cells are text; a workbook's numbers and dates are written as a CSV
    would hold them ("5001", "2025-09-15").
    """
    data = _read_bytes(file_or_bytes)
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput("file", f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    if data.startswith(b"PK\x03\x04"):
        records = _read_xlsx(data, sheet)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput("file", "is an old Excel workbook (.xls): save it as .xlsx or CSV and choose it again.")
    else:
        records = _read_text(data)
    if not records or not any(c.strip() for c in records[0]):
        raise InvalidInput("file", "is empty: expected a header line and one row per student.")
    header = [h.strip(_OUTER_SPACE + "\ufeff") for h in records[0]]
    return header, [(i, row) for i, row in enumerate(records[1:], start=2)]


def sheet_names(file_or_bytes: bytes | str | Path | BinaryIO) -> list[str]:
    """The sheets of an .xlsx workbook, in order; [] for a text file."""
    data = _read_bytes(file_or_bytes)
    if not data.startswith(b"PK\x03\x04"):
        return []
    book = _open_workbook(data)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _read_text(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if not text.strip():
        return []
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    while records and not any(c.strip() for c in records[0]):  # blank lines above the header
        records.pop(0)
    return records


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one the header line has most of (Excel's "Unicode Text" is
    tab-separated; a European Excel writes semicolons), counted outside quotes."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    outside_quotes = re.sub(r'"[^"]*"', "", first_line)
    return max((",", ";", "\t"), key=outside_quotes.count)


def _open_workbook(data: bytes):
    # Imported here, when a workbook arrives: a text file never needs it, and it is slow to load.
    try:
        import openpyxl
    except ImportError:  # an installation without it still imports CSV
        raise InvalidInput("file", "is an .xlsx workbook, which this server cannot read (openpyxl is not "
                                   "installed): save it as CSV and choose it again.") from None
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a zip that is not a workbook, or a damaged one: openpyxl raises many kinds
        raise InvalidInput("file", "is not a readable .xlsx workbook: open it in Excel and save it again, "
                                   "or save it as CSV.") from None


def _read_xlsx(data: bytes, sheet: str | None) -> list[list[str]]:
    book = _open_workbook(data)
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InvalidInput("sheet", f"the workbook has no sheet {sheet!r}; it has: {', '.join(book.sheetnames)}.")
        if not book.sheetnames:
            return []
        worksheet = book[sheet] if sheet is not None else book.worksheets[0]
        records: list[list[str]] = []
        cells = 0
        for values in worksheet.iter_rows(values_only=True):
            cells += len(values)
            if cells > MAX_SHEET_CELLS:
                raise InvalidInput("file", f"has more than {MAX_SHEET_CELLS:,} cells in its sheet.")
            records.append([_cell_text(v) for v in values])
    finally:
        book.close()
    while records and not any(c.strip() for c in records[0]):
        records.pop(0)
    return records


def _cell_text(value: object) -> str:
    """A workbook cell as a CSV would hold it: a date as YYYY-MM-DD, a whole number without ".0"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_bytes(source: bytes | str | Path | BinaryIO) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    if hasattr(source, "getvalue"):  # Streamlit's UploadedFile, BytesIO
        return bytes(source.getvalue())  # pyright: ignore[reportAttributeAccessIssue]  (it has one: hasattr)
    if hasattr(source, "read"):
        data = source.read()
        return data.encode() if isinstance(data, str) else bytes(data)
    raise InvalidInput("file", "must be a CSV or .xlsx file.")


# What spreadsheets on school computers write when they do not write UTF-8: Windows' Western
# code page, and Mac Excel's "Comma Separated Values". charset-normalizer chooses between these
# first: left to choose among all code pages it reads a short roster's "Siobhán" as Japanese.
_WESTERN = ["cp1252", "mac_roman"]


def _decode(data: bytes) -> str:
    """The file's text: by its byte-order mark (UTF-32, UTF-16, UTF-8), else as UTF-16 if every
    other byte is NUL, else as UTF-8, else in the encoding charset-normalizer finds (Windows-1252
    when in doubt), else Latin-1 (which reads any bytes)."""
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
                          (codecs.BOM_UTF8, "utf-8-sig")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                data = data[len(bom):]  # a mark and then something else: find out what
                break
    if len(data) >= 4 and len(data) % 2 == 0 and b"\x00" in data[:200]:
        even, odd = data[0:200:2].count(0), data[1:200:2].count(0)
        if max(even, odd) > 0.3 * len(data[:200]) / 2 and min(even, odd) == 0:
            try:
                return data.decode("utf-16-le" if odd else "utf-16-be")
            except UnicodeDecodeError:
                pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    western = list(charset_normalizer.from_bytes(data, cp_isolation=_WESTERN))
    if western:
        least = min(match.chaos for match in western)
        if least == 0 or (guess := charset_normalizer.from_bytes(data).best()) is None or guess.chaos >= least:
            return str(next(m for m in sorted(western, key=lambda m: _WESTERN.index(m.encoding))
                            if m.chaos == least))
        return str(guess)
    guess = charset_normalizer.from_bytes(data).best()
    return str(guess) if guess is not None else data.decode("latin-1")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def map_columns(header: list[str], known: tuple[str, ...], mapping: dict[str, str | None] | None = None
                ) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """(our column -> cell index, file column -> our column, ignored file columns).

    `mapping` names the file's own columns: file column -> our column, or None to leave
    that column out even when its name is one PlanTable recognises. (SCORE_COLUMN is for
    `score_columns`, and leaves the column out here.) Among several columns that could be
    ours, the one with the name nearest ours (earliest in ALIASES) is read; the rest are ignored.
    """
    position: dict[str, int] = {}
    detected: dict[str, str] = {}
    left_out: set[int] = set()
    for file_col, ours in (mapping or {}).items():
        if ours is None or ours == SCORE_COLUMN:
            left_out.update(i for i, h in enumerate(header) if h.strip().lower() == file_col.strip().lower())
            continue
        if ours not in known:
            raise InvalidInput("mapping", f"{ours!r} is not a PlanTable column; use one of: {', '.join(known)}.")
        matches = [i for i, h in enumerate(header) if h == file_col.strip()] or [
            i for i, h in enumerate(header) if h.lower() == file_col.strip().lower()]
        if not matches:
            raise InvalidInput("mapping", f"the file has no column {file_col!r}.")
        if ours in position:
            raise InvalidInput("mapping", f"two columns are mapped to {ours!r}.")
        position[ours] = matches[0]
        detected[header[matches[0]]] = ours
    rank: dict[str, tuple[str, int]] = {}
    for ours in known:
        for n, alias in enumerate((_norm(ours), *ALIASES.get(ours, ()))):
            rank.setdefault(alias, (ours, n))
    candidates = sorted((rank[_norm(h)][1], i, rank[_norm(h)][0]) for i, h in enumerate(header)
                        if i not in left_out and i not in position.values() and _norm(h) in rank)
    for _, i, ours in candidates:
        if ours not in position and i not in position.values():
            position[ours] = i
            detected[header[i]] = ours
    ignored = [h for i, h in enumerate(header) if h and i not in position.values()]
    return position, detected, ignored


def score_columns(header: list[str], mapping: dict[str, str | None] | None) -> list[tuple[int, str]]:
    """The (cell index, column name) of each column `mapping` calls a SCORE_COLUMN, in the file's order."""
    named = {c.strip().lower() for c, ours in (mapping or {}).items() if ours == SCORE_COLUMN}
    missing = named - {h.lower() for h in header}
    if missing:
        raise InvalidInput("mapping", f"the file has no column {sorted(missing)[0]!r}.")
    return [(i, h) for i, h in enumerate(header) if h.lower() in named]


def _cells(header_len: int, row: list[str], position: dict[str, int]) -> dict[str, str] | str | None:
    """A row's cells by our column names; None for an empty row; a reason if it is malformed."""
    if not any(c.strip() for c in row):
        return None
    if len(row) > header_len and any(c.strip() for c in row[header_len:]):
        return (f"has {len(row)} cells but the header has {header_len} "
                "(is there a comma in a cell that is not in quotes?)")
    row = row + [""] * (header_len - len(row))
    return {ours: row[i].strip(_OUTER_SPACE) for ours, i in position.items()}


@overload
def _prepare(kind: Literal["roster"], actor_id: int, source, mapping, known, required, sheet=None
             ) -> RosterPreview: ...


@overload
def _prepare(kind: Literal["assessments"], actor_id: int, source, mapping, known, required, sheet=None
             ) -> AssessmentPreview: ...


def _prepare(kind: str, actor_id: int, source, mapping, known, required, sheet=None) -> ImportPreview:
    header, records = read_table(source, sheet)
    position, detected, ignored = map_columns(header, known, mapping)
    scores = score_columns(header, mapping)
    if scores and kind != "assessments":
        raise InvalidInput("mapping", f"{scores[0][1]!r}: only an assessments file has score columns.")
    if scores:  # a wide file: each score column names its own assessment and holds its score
        # One score or percentile for the whole row would be copied to every score column's result.
        for ours in ("score", "percentile"):
            if ours in position:
                raise InvalidInput("mapping", f"the file has score columns, so no column can also be `{ours}` "
                                              f"({header[position[ours]]!r} is): leave it out, or make it a score "
                                              "column too.")
        required = tuple(c for c in required if c != "assessment")
        detected |= {name: SCORE_COLUMN for _, name in scores}
        ignored = [h for h in ignored if h not in detected]
    missing = [c for c in required if c not in position]
    preview_cls = RosterPreview if kind == "roster" else AssessmentPreview
    preview = preview_cls(kind=kind, actor_id=actor_id, columns=detected, ignored=ignored, missing=missing)
    if missing:
        preview.rejected.append((1, f"missing required column(s): {', '.join(missing)}"))
        return preview
    written_as = {ours: WRITTEN_AS[_norm(header[i])] for ours, i in position.items() if _norm(header[i]) in WRITTEN_AS}
    for line, record in records:
        cells = _cells(len(header), record, position | {f"{SCORE_COLUMN} {i}": i for i, _ in scores})
        if isinstance(cells, str):
            preview.rejected.append((line, cells))
            continue
        if cells is None:
            continue
        for ours, form in written_as.items():
            if cells[ours] and not cells[ours].lower().startswith(form.split("{}")[0].lower()):
                cells[ours] = form.format(cells[ours])
        row = {c: cells.get(c, "") for c in known}
        if not scores:
            preview.rows.append((line, row))
        for i, name in scores:  # a student absent for a test has an empty cell: no result
            if cells[f"{SCORE_COLUMN} {i}"]:
                preview.rows.append((line, row | {"assessment": f"{row['assessment']} {name}".strip(),
                                                  "score": cells[f"{SCORE_COLUMN} {i}"]}))
    return preview


def _importer(session: Session, actor_id: int) -> User:
    """Only a specialist or an admin of a school imports."""
    actor = active_user(session, actor_id)
    if actor is None or actor.school_id is None or not (actor.is_admin or actor.kind is AccountKind.SPECIALIST):
        raise deny(actor_id, Action.MANAGE_LINKS, "import", None, None)
    return actor


def _allowed(session: Session, actor: User, students: Iterable[Student], action: Action) -> set[int]:
    """The ids of the students the actor may do this for (one query for them all)."""
    return {sid for sid, roles in roles_toward_each(session, actor, students).items() if roles & ALLOWED[action]}


def _reason(exc: InvalidInput) -> str:
    return f"{exc.field}: {exc.message}"


# --- roster ----------------------------------------------------------------------------------


@dataclasses.dataclass
class _Person:
    role: Relationship
    username: str
    name: str | None
    email: str | None
    course: str | None = None


@dataclasses.dataclass
class _RosterRow:
    line: int
    values: dict[str, Any]
    student: Student | None
    changes: dict[str, tuple[Any, Any]]
    people: list[tuple[_Person, User | None, Link | None]]
    link_changes: list[str]
    new_users: list[_Person]
    # The importer's own specialist link: False when none is wanted (an admin importing),
    # None when it is to be created, else the existing Link (reactivated if need be).
    specialist_link: Link | None | Literal[False] = False

    @property
    def status(self) -> str:
        if self.student is None:
            return "create"
        return "update" if self.changes or self.link_changes else "unchanged"


def _grade(value: str) -> str:
    """The grade as the digits Student.grade holds, however the school's system writes it; a
    value not read here is passed on for the grade check to refuse."""
    key = _norm(value)
    if key in _KINDERGARTEN:
        return "0"
    if key in _NOT_A_GRADE:
        raise InvalidInput("grade", f"{_NOT_A_GRADE[key]} is not a grade PlanTable holds: plans are for "
                                    "kindergarten (K, KG, KF, KH or TK) to grade 12.")
    words = value.strip().lower().split()
    if len(words) == 2 and words[1] == "grade" and words[0] in _ORDINALS:  # "Fifth Grade"
        return str(_ORDINALS[words[0]])
    match = _GRADE.match(value.strip())
    return match.group(1) if match else value


def _areas(value: str) -> list[str]:
    parts = [p.strip(_OUTER_SPACE) for p in re.split(r"[;,]", value)] if value.strip() else []
    known = {a.lower(): a for a in GIFTED_AREAS}
    return [known.get(p.lower(), p) for p in parts if p]


def _person(cells: dict[str, str], role: Relationship) -> _Person | None:
    prefix = "guardian" if role is Relationship.GUARDIAN else "teacher"
    username = cells.get(f"{prefix}_username", "")
    name = cells.get(f"{prefix}_name", "")
    extra = cells.get("guardian_email", "") if role is Relationship.GUARDIAN else cells.get("course", "")
    if not (username or name or extra):
        return None
    if not username:
        raise InvalidInput(f"{prefix}_username", f"is required when {prefix}_name"
                                                 f"{', guardian_email' if prefix == 'guardian' else ', course'} is given.")
    try:
        checks.username(username)
    except InvalidInput as exc:
        raise InvalidInput(f"{prefix}_username", exc.message) from None
    return _Person(
        role=role,
        username=username,
        name=checks.optional_line(f"{prefix}_name", name, max_len=200),
        email=checks.email("guardian_email", extra) if role is Relationship.GUARDIAN else None,
        course=checks.optional_line("course", extra, max_len=100) if role is Relationship.TEACHER else None,
    )


def _plan_roster(session: Session, actor: User, preview: ImportPreview) -> tuple[list[_RosterRow], list[tuple[int, str]]]:
    """Decide, for every row, what a commit would write; reasons for the rows it refuses."""
    lines = preview.rows
    local_ids = [cells["student_id"] for _, cells in lines]
    existing = {
        st.local_id: st
        for st in session.scalars(select(Student).where(Student.school_id == actor.school_id,
                                                        Student.local_id.in_(set(local_ids))))
    } if local_ids else {}
    usernames = {c[f"{p}_username"].lower() for _, c in lines for p in ("guardian", "teacher") if c[f"{p}_username"]}
    users = {
        u.username.lower(): u
        for u in session.scalars(select(User).where(func.lower(User.username).in_(usernames)))
    } if usernames else {}
    links: dict[tuple[int, int, Relationship], Link] = {}
    student_ids = [st.id for st in existing.values()]
    if student_ids:
        for link in session.scalars(select(Link).where(Link.student_id.in_(student_ids))):
            links[(link.student_id, link.user_id, link.relationship)] = link

    managed = _allowed(session, actor, existing.values(), Action.MANAGE_LINKS)
    planned: list[_RosterRow] = []
    rejected: list[tuple[int, str]] = []
    seen_ids: dict[str, int] = {}
    new_people: dict[str, tuple[int, _Person]] = {}
    for line, cells in lines:
        try:
            row = _plan_row(managed, actor, line, cells, existing, users, links, seen_ids, new_people)
        except InvalidInput as exc:
            rejected.append((line, _reason(exc)))
            continue
        seen_ids[row.values["local_id"]] = line
        for person in row.new_users:
            new_people.setdefault(person.username.lower(), (line, person))
        planned.append(row)
    return planned, rejected


def _plan_row(managed, actor, line, cells, existing, users, links, seen_ids, new_people) -> _RosterRow:
    try:
        values = student_values(cells["student_id"], cells["first_name"], cells["last_name"], _grade(cells["grade"]),
                                cells["preferred_name"] or None, _areas(cells["gifted_areas"]))
    except InvalidInput as exc:
        column = {"local student id": "student_id", "first name": "first_name", "last name": "last_name",
                  "preferred name": "preferred_name", "gifted areas": "gifted_areas", "gifted area": "gifted_areas"}
        raise InvalidInput(column.get(exc.field, exc.field), exc.message) from None
    if values["local_id"] in seen_ids:
        raise InvalidInput("student_id", f"{values['local_id']!r} is already on line {seen_ids[values['local_id']]}.")
    student = existing.get(values["local_id"])
    changes: dict[str, tuple[Any, Any]] = {}
    if student is not None:
        if student.id not in managed:
            raise InvalidInput("student_id", f"{values['local_id']!r} is a student on another specialist's caseload.")
        changes = {k: (getattr(student, k), v) for k, v in values.items() if getattr(student, k) != v}
        if not student.active:
            changes["active"] = (False, True)

    people, link_changes, new_users = [], [], []
    for role in (Relationship.GUARDIAN, Relationship.TEACHER):
        person = _person(cells, role)
        if person is None:
            continue
        column = f"{'guardian' if role is Relationship.GUARDIAN else 'teacher'}_username"
        user = users.get(person.username.lower())
        if user is not None:
            if user.school_id != actor.school_id:
                raise InvalidInput(column, f"{person.username!r} is an account of another school.")
            if user.kind is AccountKind.STUDENT:
                raise InvalidInput(column, f"{person.username!r} is a student's sign-in.")
            if not user.active:
                raise InvalidInput(column, f"{person.username!r} is a disabled account.")
        else:
            first = new_people.get(person.username.lower()) or next(
                ((line, p) for p in new_users if p.username.lower() == person.username.lower()), None)
            if first is not None:
                if person.name and first[1].name and person.name != first[1].name:
                    raise InvalidInput(column.replace("username", "name"),
                                       f"{person.username!r} is named {first[1].name!r} on line {first[0]}.")
            elif not person.name:
                raise InvalidInput(column.replace("username", "name"),
                                   f"is required for the new account {person.username!r}.")
            else:
                new_users.append(person)
        link = links.get((student.id, user.id, role)) if student is not None and user is not None else None
        if link is None:
            link_changes.append(f"link {role} {person.username}")
        elif not link.active or (role is Relationship.TEACHER and link.course != person.course):
            link_changes.append(f"{role} {person.username}: course {link.course or '—'} → {person.course or '—'}"
                                if link.active else f"relink {role} {person.username}")
        people.append((person, user, link))
    mine: Link | None | bool = False
    if actor.kind is AccountKind.SPECIALIST:
        mine = links.get((student.id, actor.id, Relationship.SPECIALIST)) if student is not None else None
        if student is not None and (mine is None or not mine.active):
            link_changes.append(f"link specialist {actor.username}")
    return _RosterRow(line, values, student, changes, people, link_changes, new_users, mine)


def _describe(row: _RosterRow) -> dict[str, Any]:
    v = row.values
    if row.status == "create":
        name = f"{v['preferred_name'] or v['first_name']} {v['last_name']}"
        extra = [f"{p.role} {p.username}" for p, _, _ in row.people]
        detail = f"{name}, grade {v['grade']}" + (f" ({'; '.join(extra)})" if extra else "")
    elif row.status == "update":
        detail = "; ".join([f"{k}: {old!r} → {new!r}" for k, (old, new) in row.changes.items()] + row.link_changes)
    else:
        detail = "no change"
    return {"line": row.line, "student_id": v["local_id"], "detail": detail}


def preview_roster(db: Database, actor_id: int, file_or_bytes, mapping: dict[str, str | None] | None = None,
                   sheet: str | None = None) -> RosterPreview:
    """Read a roster file and say, line by line, what importing it would do. Writes nothing."""
    preview = _prepare("roster", actor_id, file_or_bytes, mapping, ROSTER_COLUMNS, ROSTER_REQUIRED, sheet)
    with db.read() as s:
        actor = _importer(s, actor_id)
        if preview.missing:
            return preview
        planned, rejected = _plan_roster(s, actor, preview)
    preview.rejected = sorted(preview.rejected + rejected)
    for row in planned:
        getattr(preview, row.status).append(_describe(row))
        preview.new_accounts += [{"role": str(p.role), "username": p.username, "name": p.name, "email": p.email or ""}
                                for p in row.new_users]
    return preview


def _initial_passwords(usernames: list[str]) -> dict[str, tuple[str, str]]:
    """username (lower case) -> (password, bcrypt hash), hashed on all cores."""
    passwords = {u: secrets.token_urlsafe(9) for u in usernames}

    def hashed(pw: str) -> str:
        return bcrypt.hashpw(pw.encode(), bcrypt.gensalt(min(INITIAL_PASSWORD_ROUNDS, BCRYPT_ROUNDS))).decode()

    if min(INITIAL_PASSWORD_ROUNDS, BCRYPT_ROUNDS) >= 8 and len(passwords) > 1:
        with ThreadPoolExecutor(max_workers=4) as pool:  # bcrypt releases the GIL
            hashes = dict(zip(passwords, pool.map(hashed, passwords.values()), strict=True))
    else:
        hashes = {u: hashed(pw) for u, pw in passwords.items()}
    return {u: (passwords[u], hashes[u]) for u in usernames}


def _refuse_rejected(preview: ImportPreview) -> None:
    if preview.rejected:
        line, reason = preview.rejected[0]
        raise InvalidInput("file", f"{len(preview.rejected)} line(s) rejected, the first: {reason} — nothing was "
                                   "imported; fix the file and preview it again.", line=line)


def _progress_every(total: int, progress: Callable[[float], Any] | None):
    step = max(1, total // 100)

    def tick(done: int) -> None:
        if progress is not None and (done % step == 0 or done == total):
            progress(done / total if total else 1.0)

    return tick


def commit_roster(db: Database, actor_id: int, preview: RosterPreview,
                  progress: Callable[[float], Any] | None = None) -> ImportResult:
    """Import a previewed roster in one transaction: every row, or (on any refusal) none.

    Rows are written in batches (students, then accounts, then links, then their audit
    events), so a roster of thousands takes a handful of statements per table.
    """
    if not isinstance(preview, RosterPreview):
        raise InvalidInput("preview", "is not a roster preview.")
    if preview.actor_id != actor_id:
        raise InvalidInput("preview", "was made by someone else; preview the file again.")
    _refuse_rejected(preview)
    prepared = _initial_passwords([a["username"].lower() for a in preview.new_accounts if not a.get("email")])
    report = progress or (lambda _fraction: None)
    with db.write() as s:
        actor = _importer(s, actor_id)
        planned, rejected = _plan_roster(s, actor, preview)
        if rejected:  # the database changed since the preview
            _refuse_rejected(dataclasses.replace(preview, rejected=rejected))
        counts = {"create": 0, "update": 0, "unchanged": 0}
        for row in planned:
            counts[row.status] += 1
        writing = [row for row in planned if row.status != "unchanged"]
        events: list[tuple[str, Base, str, Any, Any, Student]] = []

        students = _write_students(s, actor, writing, events)
        report(0.4)
        accounts_made, invitations = _write_accounts(s, actor, writing, prepared, events, students)
        report(0.7)
        _write_links(s, actor, writing, students, accounts_made, events)
        report(0.9)
        audit_all(s, actor.id, ((action, row, field, old, new, student.id)
                                for action, row, field, old, new, student in events))
        report(1.0)
    if counts["create"]:
        db.analyze()
    # A new account always has a name (_plan_roster refuses one without):
    created = [(str(p.role), p.username, p.name or "", password) for p, _, password in accounts_made.values()
               if password is not None]
    return ImportResult(counts["create"], counts["update"], counts["unchanged"], created, invitations,
                        bool(invitations) and links.mail_waiting())


def _write_students(s: Session, actor: User, rows: list[_RosterRow], events: list) -> dict[int, Student]:
    """New students added and changed ones updated; line -> Student."""
    students: dict[int, Student] = {}
    for row in rows:
        if row.student is None:
            students[row.line] = Student(school_id=actor.school_id, **row.values)
            s.add(students[row.line])
        else:
            students[row.line] = row.student
            for key, (_, new) in row.changes.items():
                setattr(row.student, key, new)
    s.flush()
    for row in rows:
        student = students[row.line]
        if row.student is None:
            events.append(("create", student, "name", None, f"{row.values['first_name']} {row.values['last_name']}",
                           student))
        elif row.changes:
            field, old, new = changed({k: v[0] for k, v in row.changes.items()},
                                      {k: v[1] for k, v in row.changes.items()})
            events.append(("update", student, field, old, new, student))
    return students


def _write_accounts(s: Session, actor: User, rows: list[_RosterRow], prepared, events: list,
                    students: dict[int, Student]) -> tuple[dict[str, tuple[_Person, User, str | None]],
                                                           list[links.Invitation]]:
    """The new guardian and teacher accounts: each with an address invited by e-mail to choose a
    password, each without one given a random initial password to change."""
    made: dict[str, tuple[_Person, User, str | None]] = {}
    first_student: dict[str, Student] = {}
    for row in rows:
        for person in row.new_users:
            key = person.username.lower()
            if key in made:
                continue
            if person.email:
                password, password_hash = None, NO_PASSWORD_YET
            else:
                password, password_hash = prepared.get(key) or _initial_passwords([key])[key]
            kind = AccountKind.GUARDIAN if person.role is Relationship.GUARDIAN else AccountKind.TEACHER
            user = User(school_id=actor.school_id, username=person.username, display_name=person.name,
                        email=person.email, password_hash=password_hash, kind=kind, is_admin=False,
                        must_change_password=True)
            s.add(user)
            made[key] = (person, user, password)
            first_student[key] = students[row.line]
    s.flush()
    for key, (_, user, _) in made.items():
        events.append(("create", user, "username", None, user.username, first_student[key]))
    invitations = [links.invite(s, user, actor_id=actor.id) for _, user, password in made.values() if password is None]
    return made, invitations


def _write_links(s: Session, actor: User, rows: list[_RosterRow], students: dict[int, Student],
                 made: dict[str, tuple[_Person, User, str | None]], events: list) -> None:
    """services.link_user's rules, inside the import's transaction: add, reactivate, or set the course."""
    changed_links: list[tuple[Link, User, Student]] = []
    for row in rows:
        student = students[row.line]
        wanted: list[tuple[User, Relationship, str | None, Link | None]] = (
            [(actor, Relationship.SPECIALIST, None, row.specialist_link)] if row.specialist_link is not False else [])
        for person, user, link in row.people:
            wanted.append((user or made[person.username.lower()][1], person.role, person.course, link))
        for user, rel, course, link in wanted:
            if link is None:
                link = Link(student_id=student.id, user_id=user.id, relationship=rel, course=course, active=True)
                s.add(link)
            elif link.active and (rel is not Relationship.TEACHER or link.course == course):
                continue
            else:
                link.active = True
                if rel is Relationship.TEACHER:
                    link.course = course
            changed_links.append((link, user, student))
    s.flush()
    for link, user, student in changed_links:
        events.append(("link", link, "relationship", None, f"{user.username} {link.relationship}", student))


# --- assessments -------------------------------------------------------------------------------


@dataclasses.dataclass
class _AssessmentRow:
    line: int
    student: Student
    values: dict[str, Any]
    existing: Assessment | None
    changes: dict[str, tuple[Any, Any]]

    @property
    def status(self) -> str:
        if self.existing is None:
            return "create"
        return "update" if self.changes else "unchanged"


def _date(value: str) -> str:
    """A test date, however a spreadsheet or an assessment vendor writes it, as YYYY-MM-DD; an
    empty cell stays empty (for the date check to say it is required)."""
    value = value.strip()
    if not value:
        return value
    if match := _YMD.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _MDY.match(value):
        month, day, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            # These are the test dates of children now at school: a two-digit year is 2000–2079
            # (not Python's %y rule, which makes 69–99 the 1900s); 80–99 stay the 1900s.
            year += 2000 if year < 80 else 1900
    elif (match := _SERIAL.match(value)) and int(match.group(1)) in _SERIALS:
        return (_EXCEL_EPOCH + dt.timedelta(days=int(match.group(1)))).isoformat()
    else:
        raise InvalidInput("date", f"{value!r} is not a date; write it as {_DATE_FORMS}.")
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise InvalidInput("date", f"{value!r} is not a day of the calendar; write it as {_DATE_FORMS}.") from None


def _plan_assessments(session: Session, actor: User, preview: ImportPreview):
    lines = preview.rows
    local_ids = {cells["student_id"] for _, cells in lines}
    students = {
        st.local_id: st
        for st in session.scalars(select(Student).where(Student.school_id == actor.school_id,
                                                        Student.local_id.in_(local_ids)))
    } if local_ids else {}
    may = _allowed(session, actor, students.values(), Action.ASSESSMENT)
    allowed = {local_id: st.id in may for local_id, st in students.items()}
    ids = [st.id for st in students.values()]
    stored = {
        (a.student_id, a.name, a.taken_on): a
        for a in session.scalars(select(Assessment).where(Assessment.student_id.in_(ids)))
    } if ids else {}
    planned, rejected, seen = [], [], {}
    for line, cells in lines:
        try:
            local_id = checks.line("student_id", cells["student_id"], max_len=64)
            student = students.get(local_id)
            if student is None or not allowed[local_id]:
                raise InvalidInput("student_id", f"no student {local_id!r} on your caseload.")
            try:
                values = assessment_values(cells["assessment"], _date(cells["date"]), cells["score"],
                                           cells["percentile"], cells["note"])
            except InvalidInput as exc:
                raise InvalidInput({"assessment": "assessment", "date": "date"}.get(exc.field, exc.field),
                                   exc.message) from None
            key = (student.id, values["name"], values["taken_on"])
            if key in seen:
                raise InvalidInput("assessment", f"{values['name']} on {values['taken_on']} for {local_id!r} is "
                                                 f"already on line {seen[key]}.")
            seen[key] = line
        except InvalidInput as exc:
            rejected.append((line, _reason(exc)))
            continue
        existing = stored.get(key)
        changes = {k: (getattr(existing, k), values[k]) for k in ("score", "percentile", "note")
                   if existing is not None and getattr(existing, k) != values[k]}
        planned.append(_AssessmentRow(line, student, values, existing, changes))
    return planned, rejected


def preview_assessments(db: Database, actor_id: int, file_or_bytes, mapping: dict[str, str | None] | None = None,
                        sheet: str | None = None) -> AssessmentPreview:
    """Read an assessments file and say, line by line, what importing it would do. Writes nothing."""
    preview = _prepare("assessments", actor_id, file_or_bytes, mapping, ASSESSMENT_COLUMNS, ASSESSMENT_REQUIRED,
                       sheet)
    with db.read() as s:
        actor = _importer(s, actor_id)
        if preview.missing:
            return preview
        planned, rejected = _plan_assessments(s, actor, preview)
    preview.rejected = sorted(preview.rejected + rejected)
    for row in planned:
        v = row.values
        pct = f" (percentile {v['percentile']})" if v["percentile"] else ""
        detail = {"create": f"{v['name']} {v['taken_on']}: {v['score'] or '—'}{pct}",
                  "update": "; ".join(f"{k}: {old!r} → {new!r}" for k, (old, new) in row.changes.items()),
                  "unchanged": "no change"}[row.status]
        getattr(preview, row.status).append({"line": row.line, "student_id": row.student.local_id, "detail": detail})
    return preview


def commit_assessments(db: Database, actor_id: int, preview: AssessmentPreview,
                       progress: Callable[[float], Any] | None = None) -> ImportResult:
    """Import previewed assessment results in one transaction: all, or (on any refusal) none."""
    if not isinstance(preview, AssessmentPreview):
        raise InvalidInput("preview", "is not an assessments preview.")
    if preview.actor_id != actor_id:
        raise InvalidInput("preview", "was made by someone else; preview the file again.")
    _refuse_rejected(preview)
    tick = _progress_every(len(preview.rows), progress)
    with db.write() as s:
        actor = _importer(s, actor_id)
        planned, rejected = _plan_assessments(s, actor, preview)
        if rejected:
            _refuse_rejected(dataclasses.replace(preview, rejected=rejected))
        counts = {"create": 0, "update": 0, "unchanged": 0}
        touched: set[int] = set()
        for done, row in enumerate(planned, 1):
            counts[row.status] += 1
            if row.status == "create":
                assessment = Assessment(student_id=row.student.id, created_by=actor.id, **row.values)
                s.add(assessment)
                s.flush()
                audit(s, actor.id, "create", assessment, field="score",
                      new=f"{row.values['name']} {row.values['score']}", student_id=row.student.id)
                touched.add(row.student.id)
            elif row.status == "update":
                for key, (_, new) in row.changes.items():
                    setattr(row.existing, key, new)
                s.flush()
                field, old, new = changed({k: v[0] for k, v in row.changes.items()},
                                          {k: v[1] for k, v in row.changes.items()})
                audit(s, actor.id, "update", row.existing, field=field, old=old, new=new, student_id=row.student.id)
                touched.add(row.student.id)
            tick(done)
        if touched:
            for plan_id in s.scalars(select(Plan.id).where(Plan.student_id.in_(touched))):
                bump_revision(s, plan_id)
        if not planned:
            tick(0)
    return ImportResult(counts["create"], counts["update"], counts["unchanged"], [])
