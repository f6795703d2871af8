"""The documents a family receives are tagged PDFs (PDF/UA): a screen reader finds their structure and reads them in order."""

import datetime as dt
import io
import itertools

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from sqlalchemy import select

from plpcore import demo, documents, queries
from plpcore.db import Database, init_schema
from plpcore.models import Meeting, MeetingStatus
from tests.conftest import pdf_text

TODAY = dt.date(2026, 11, 16)  # well into the demo's school year
FAMILY_DOCUMENTS = ("plan", "progress report", "meeting record")


@pytest.fixture(scope="module")
def demo_pdfs(tmp_path_factory) -> dict[str, tuple[bytes, str]]:
    """Each family document of a demo plan that has goals, supports and a finalized meeting: (PDF, student's name)."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('tags') / 'demo.db'}")
    init_schema(db)
    school = demo.build_school(db, students=12, today=TODAY)
    with db.read() as s:
        finalized = s.execute(select(Meeting.id, Meeting.plan_id).where(Meeting.status == MeetingStatus.FINALIZED)
                              .order_by(Meeting.id)).all()
    for meeting, plan in finalized:
        doc = queries.student_plan(db, school.specialist_id, plan)
        record = queries.meeting_record(db, school.specialist_id, meeting)
        if doc["goals"] and doc["supports"] and record and record["snapshot"]["supports"]:
            break
    else:
        pytest.fail("no finalized demo meeting is on a plan with goals and supports")
    pdfs = {"plan": documents.plan_pdf(doc),
            "progress report": documents.progress_report_pdf(doc, doc["periods"][0] if doc["periods"] else None),
            "meeting record": documents.record_pdf(record)}
    db.dispose()
    return {kind: (pdf, doc["student"]["name"]) for kind, pdf in pdfs.items()}


def catalog(pdf: bytes) -> DictionaryObject:
    return PdfReader(io.BytesIO(pdf)).trailer["/Root"]


def tags(pdf: bytes) -> list[str]:
    """Every structure element's type (H1, P, Table, TH…), depth first: the order a screen reader meets them."""
    found: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, DictionaryObject):
            if "/S" in node:
                found.append(str(node["/S"])[1:])
            kids = node.get("/K")
            for kid in (kids if isinstance(kids, list) else [kids] if kids is not None else []):
                walk(kid)

    walk(catalog(pdf)["/StructTreeRoot"])
    return found


def words(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


@pytest.mark.parametrize("kind", FAMILY_DOCUMENTS)
def test_a_family_document_has_a_structure_tree_and_says_it_is_tagged(demo_pdfs, kind):
    root = catalog(demo_pdfs[kind][0])
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"].value is True


@pytest.mark.parametrize("kind", FAMILY_DOCUMENTS)
def test_a_family_document_is_in_english(demo_pdfs, kind):
    assert catalog(demo_pdfs[kind][0])["/Lang"] == "en"


@pytest.mark.parametrize("kind", FAMILY_DOCUMENTS)
def test_a_family_document_is_titled_with_the_student_and_shows_its_title(demo_pdfs, kind):
    pdf, name = demo_pdfs[kind]
    assert name in PdfReader(io.BytesIO(pdf)).metadata.title
    assert catalog(pdf)["/ViewerPreferences"]["/DisplayDocTitle"].value is True


@pytest.mark.parametrize("kind", FAMILY_DOCUMENTS)
def test_a_family_document_opens_with_one_h1_and_its_parts_are_h2_then_h3(demo_pdfs, kind):
    headings = [t for t in tags(demo_pdfs[kind][0]) if t[0] == "H" and t[1:].isdigit()]
    assert headings[0] == "H1" and headings.count("H1") == 1
    assert "H2" in headings and "H3" in headings
    assert all(int(b[1:]) <= int(a[1:]) + 1 for a, b in itertools.pairwise(headings))  # no level skipped


@pytest.mark.parametrize("kind", ["plan", "meeting record"])
def test_the_supports_table_has_column_and_row_headers(demo_pdfs, kind):
    found = tags(demo_pdfs[kind][0])
    assert "Table" in found and found.count("TH") >= 6  # five column headers, and a row header per support


@pytest.mark.parametrize("kind", ["plan", "meeting record"])
def test_the_text_reads_in_order_the_student_then_the_goals_then_the_supports(demo_pdfs, kind):
    pdf, name = demo_pdfs[kind]
    text = words(pdf)
    assert text.index(name) < text.index("About the student") < text.index("Goals") < text.index("Supports")


def test_the_progress_report_reads_the_period_before_the_goals(demo_pdfs):
    pdf, name = demo_pdfs["progress report"]
    text = words(pdf)
    assert text.index(name) < text.index("Reporting period:") < text.index("Goals") < text.index("Goal 1")


def test_the_tags_language_and_reading_order_of_a_demo_plan_are_printed(demo_pdfs):
    """Not a check: what `pytest -s` shows of a demo plan, for a person to read."""
    pdf, _ = demo_pdfs["plan"]
    root = catalog(pdf)
    document = root["/StructTreeRoot"]["/K"][0].get_object()
    print("\nstructure tree root:", root["/StructTreeRoot"]["/Type"], "->", document["/S"],
          "->", " ".join(str(k.get_object()["/S"])[1:] for k in document["/K"][:24]), "…")
    print("/Lang:", root["/Lang"], " /Title:", PdfReader(io.BytesIO(pdf)).metadata.title,
          " /MarkInfo:", dict(root["/MarkInfo"]))
    print("tag counts:", {t: tags(pdf).count(t) for t in ("H1", "H2", "H3", "P", "L", "LI", "Table", "TH", "TD")})
    print("reading order:\n" + pdf_text(pdf)[:1500])
    assert document["/S"] == "/Document"
