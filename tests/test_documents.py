"""The documents people take away: plan, meeting-record, whole-record and progress-report PDFs, calendar invites."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from plpcore import accounts, checks, documents, export, meetings, queries, services
from plpcore.errors import InvalidInput
from tests.conftest import BLNS, make_school, pdf_text


def test_plan_pdf_contains_the_student_and_every_goal(sqlite_db):
    from tests.conftest import make_school

    school = make_school(sqlite_db)
    services.add_goal(sqlite_db, school.sam, school.ana_plan, kind="affective", statement="Ask for help when stuck")
    doc = queries.student_plan(sqlite_db, school.sam, school.ana_plan)
    text = pdf_text(documents.plan_pdf(doc))
    assert "Ana Lopez" in text
    assert "Ana: finish the 6th-grade math unit" in text
    assert "Ask for help when stuck" in text


def test_names_in_other_scripts_and_markup_are_written_as_plain_text(sqlite_db):
    from tests.conftest import make_school

    school = make_school(sqlite_db)
    hostile = "<b>Zoë</b> O'Brien **Ελένη** Иван [x](javascript:alert(1))"
    services.add_goal(sqlite_db, school.sam, school.ana_plan, kind="affective", statement=hostile)
    text = pdf_text(documents.plan_pdf(queries.student_plan(sqlite_db, school.sam, school.ana_plan)))
    assert "<b>Zoë</b> O'Brien **Ελένη** Иван" in text


def test_a_meeting_invite_is_a_calendar_event_at_the_meeting_time():
    data = documents.invite(uid="meeting-7@plantable", title="ALP review", starts=dt.datetime(2026, 12, 1, 15, 0),
                            location="Room 4")
    event = Calendar.from_ical(data).walk("VEVENT")[0]
    assert event.decoded("dtstart") == dt.datetime(2026, 12, 1, 15, 0)
    assert str(event["location"]) == "Room 4"


def test_a_check_in_reminder_is_an_all_day_event_on_its_date():
    data = documents.invite(uid="checkin-7@plantable", title="Check-in", starts=dt.date(2027, 1, 12))
    event = Calendar.from_ical(data).walk("VEVENT")[0]
    assert event.decoded("dtstart") == dt.date(2027, 1, 12)


# --- the whole record of one student ------------------------------------------------------------


def words(pdf: bytes) -> str:
    """A PDF's text with its line breaks and runs of spaces as single spaces (lines wrap anywhere)."""
    return " ".join(pdf_text(pdf).split())


def finalized_check_in(db, school) -> int:
    """A check-in on Ana's ALP that Sam and Gus attended, finalized at the review-and-sign step."""
    services.add_goal(db, school.sam, school.ana_plan, kind="affective", statement="Ask for help when stuck")
    meeting = meetings.schedule_meeting(db, school.sam, school.ana_plan, kind="check-in",
                                        scheduled_at=dt.datetime(2026, 10, 1, 15, 0))
    meetings.open_meeting(db, school.sam, meeting)
    meetings.check_in(db, school.sam, meeting)
    meetings.check_in(db, school.gus, meeting, "phone")
    for key in ("feelings", "strengths", "needs", "learning_style"):
        services.update_section(db, school.ana, school.ana_plan, key, "student", "", 0, passed=True)
    step = "attendance"
    while step != "review and sign":
        step = meetings.advance(db, school.sam, meeting, step)
    meetings.sign(db, school.gus, meeting)
    meetings.finalize(db, school.sam, meeting, "Tia was teaching; Ana was at a competition")
    return meeting


def test_the_record_pdf_holds_every_plans_goals_progress_notes_assessments_and_a_meetings_attendees(sqlite_db):
    school = make_school(sqlite_db)
    last_year = accounts.add_school_year(sqlite_db, school.ada, "2025-26", "2025-08-20", "2026-06-04")
    old_plan = services.create_plan(sqlite_db, school.sam, school.ana_student, "ALP", school_year_id=last_year)
    services.add_goal(sqlite_db, school.sam, old_plan, kind="achievement", statement="Read a chapter book each week")
    services.record_progress(sqlite_db, school.tia, school.ana_goal, on="2026-09-15", rating=2,
                             note="Finished the fractions quiz", evidence_url="https://example.org/quiz")
    services.record_assessment(sqlite_db, school.sam, school.ana_student, name="CogAT", taken_on="2026-09-01",
                               score="132", percentile=98)
    finalized_check_in(sqlite_db, school)

    text = words(documents.student_record_pdf(export.student_record(sqlite_db, school.sam, school.ana_student)))

    assert "Read a chapter book each week" in text and "Ana: finish the 6th-grade math unit" in text
    assert "2026-09-15, Tia (teacher): beginning (2 of 4); Finished the fractions quiz" in text
    assert "https://example.org/quiz" in text
    assert "CogAT (2026-09-01): 132, percentile 98" in text
    assert "Gus (guardian): present, phone; signed" in text


def test_the_record_pdf_keeps_a_revised_goals_earlier_wording(sqlite_db):
    school = make_school(sqlite_db)
    services.revise_goal(sqlite_db, school.sam, school.ana_goal, 1, statement="Finish the 6th-grade geometry unit")

    text = words(documents.student_record_pdf(export.student_record(sqlite_db, school.sam, school.ana_student)))

    assert "Finish the 6th-grade geometry unit" in text
    assert "by Sam Specialist: Ana: finish the 6th-grade math unit" in text


def test_the_record_pdf_keeps_the_students_own_words_apart_from_the_teams(sqlite_db):
    school = make_school(sqlite_db)
    services.update_section(sqlite_db, school.ana, school.ana_plan, "strengths", "student", "Puzzles", 0)
    services.update_section(sqlite_db, school.tia, school.ana_plan, "strengths", "team", "Persistent", 0)

    text = words(documents.student_record_pdf(export.student_record(sqlite_db, school.sam, school.ana_student)))

    assert "In my words: Puzzles The team adds: Persistent" in text


def test_the_record_pdf_writes_names_and_notes_in_other_scripts_and_markup_as_plain_text(sqlite_db):
    school = make_school(sqlite_db)
    zoe = services.create_student(sqlite_db, school.sam, local_id="1003", first_name="<b>Zoë</b>",
                                  last_name="**Ελένη** Иван", grade=4)
    plan = services.create_plan(sqlite_db, school.sam, zoe, "ALP")
    goal = services.add_goal(sqlite_db, school.sam, plan, kind="affective", statement="[x](javascript:alert(1))")
    naughty = json.loads(BLNS.read_text(encoding="utf-8"))
    other_scripts = [x for x in naughty if any(ord(c) > 0x2FF for c in x)]  # Greek, Arabic, CJK, emoji, zalgo…
    for text in other_scripts + [x for x in naughty if "<script" in x or "<img" in x][:12]:
        try:
            services.add_note(sqlite_db, school.sam, plan, text, goal_id=goal)
        except InvalidInput:  # a few BLNS lines are blank, or broken (an unpaired surrogate)
            continue

    text = words(documents.student_record_pdf(export.student_record(sqlite_db, school.sam, zoe)))

    assert "Student record — <b>Zoë</b> **Ελένη** Иван" in text
    assert "[x](javascript:alert(1))" in text
    assert "<script>alert(123)</script>" in text
    assert "<img src=x onerror=alert(123) />" in text


# --- the progress report sent home -------------------------------------------------------------------

FALL = {"name": "Fall", "starts_on": dt.date(2026, 9, 1), "ends_on": dt.date(2026, 10, 31)}


def test_the_progress_report_holds_only_the_periods_entries(sqlite_db):
    school = make_school(sqlite_db)
    services.record_progress(sqlite_db, school.sam, school.ana_goal, on="2026-08-31", rating=1, note="Day before Fall")
    services.record_progress(sqlite_db, school.sam, school.ana_goal, on="2026-10-31", rating=3, note="Last day of Fall")

    text = words(documents.progress_report_pdf(queries.student_plan(sqlite_db, school.sam, school.ana_plan), FALL))

    assert "Reporting period: Fall: 2026-09-01 to 2026-10-31" in text
    assert "Last day of Fall" in text
    assert "Day before Fall" not in text
    assert "Staff rating: progressing (3 of 4) on 2026-10-31 (1 entry)" in text


def test_the_progress_report_sets_the_students_latest_rating_beside_the_staffs(sqlite_db):
    school = make_school(sqlite_db)
    services.record_progress(sqlite_db, school.ana, school.ana_goal, on="2026-09-10", rating=2)
    services.record_progress(sqlite_db, school.ana, school.ana_goal, on="2026-10-10", rating=4)
    services.record_progress(sqlite_db, school.tia, school.ana_goal, on="2026-10-01", rating=3)

    text = words(documents.progress_report_pdf(queries.student_plan(sqlite_db, school.sam, school.ana_plan), FALL))

    assert "The student's own rating: met (4 of 4) on 2026-10-10 (2 entries)" in text
    assert "Staff rating: progressing (3 of 4) on 2026-10-01 (1 entry)" in text


def test_the_progress_report_holds_the_notes_written_on_a_goal_in_the_period(sqlite_db):
    school = make_school(sqlite_db)
    services.add_note(sqlite_db, school.gus, school.ana_plan, "She practises fractions at dinner",
                      goal_id=school.ana_goal)
    today = dt.date.today()
    period = {"name": "This term", "starts_on": today - dt.timedelta(days=30), "ends_on": today}

    text = words(documents.progress_report_pdf(queries.student_plan(sqlite_db, school.sam, school.ana_plan), period))

    assert "Gus (guardian): She practises fractions at dinner" in text


def test_the_progress_report_leaves_out_discontinued_goals(sqlite_db):
    school = make_school(sqlite_db)
    dropped = services.add_goal(sqlite_db, school.sam, school.ana_plan, kind="affective",
                                statement="Join the chess club")
    services.set_goal_status(sqlite_db, school.sam, dropped, "discontinued", 1)

    text = words(documents.progress_report_pdf(queries.student_plan(sqlite_db, school.sam, school.ana_plan), FALL))

    assert "Ana: finish the 6th-grade math unit" in text
    assert "Join the chess club" not in text


def test_a_progress_report_without_a_period_covers_the_whole_year_so_far(sqlite_db):
    school = make_school(sqlite_db)
    services.record_progress(sqlite_db, school.sam, school.ana_goal, on="2026-08-31", rating=1)
    services.record_progress(sqlite_db, school.sam, school.ana_goal, on="2026-11-02", rating=2)

    text = words(documents.progress_report_pdf(queries.student_plan(sqlite_db, school.sam, school.ana_plan), None))

    assert "Reporting period: School year 2026-27 so far" in text
    assert "Staff rating: beginning (2 of 4) on 2026-11-02 (2 entries)" in text
    assert "Ratings so far, oldest first: staff: not yet, beginning" in text


def naughty_plan(db):
    """Ana's plan with every naughty string that plpcore accepts as a goal and as a note."""
    school = make_school(db)
    kept = []
    for value in json.loads(BLNS.read_text(encoding="utf-8")):
        try:
            services.add_goal(db, school.sam, school.ana_plan, kind="other", statement=value)
            services.add_note(db, school.gus, school.ana_plan, value)
            kept.append(checks.without_controls(value))  # as stored: less invisible control characters
        except InvalidInput:
            continue
    return school, kept


def test_every_naughty_string_goes_through_the_json_export_unchanged(sqlite_db):
    school, kept = naughty_plan(sqlite_db)
    record = json.loads(export.student_record_json(sqlite_db, school.sam, school.ana_student))
    plan = next(p for p in record["plans"] if p["plan"]["id"] == school.ana_plan)
    assert [g["statement"] for g in plan["goals"]][1:] == kept  # the first goal is make_school's
    assert [n["text"] for n in plan["notes"]] == kept


def test_a_plan_pdf_with_every_naughty_string_is_made(sqlite_db):
    school, kept = naughty_plan(sqlite_db)
    text = pdf_text(documents.plan_pdf(queries.student_plan(sqlite_db, school.sam, school.ana_plan)))
    assert "Ana Lopez" in text
    assert "<script>alert(123)</script>" in " ".join(text.split())


# --- fonts -----------------------------------------------------------------------------------------


DROID_SANS_FALLBACK = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")


def embedded_fonts(data: bytes) -> set[str]:
    """The names of the fonts a PDF's pages use, without their subset prefix ("ABCDEF+")."""
    return {str(font.get_object()["/BaseFont"]).split("+")[-1]
            for page in PdfReader(io.BytesIO(data)).pages for font in page["/Resources"]["/Font"].values()}


@pytest.mark.skipif(not DROID_SANS_FALLBACK.is_file(), reason="no Droid Sans Fallback installed")
def test_a_pdf_embeds_the_fallback_font_only_when_its_text_needs_it(sqlite_db):
    school = make_school(sqlite_db)
    latin = documents.plan_pdf(queries.student_plan(sqlite_db, school.sam, school.ana_plan))
    services.add_goal(sqlite_db, school.sam, school.ana_plan, kind="affective", statement="每周读一本书")
    chinese = documents.plan_pdf(queries.student_plan(sqlite_db, school.sam, school.ana_plan))

    assert not any("Droid" in name for name in embedded_fonts(latin))
    assert any("Droid" in name for name in embedded_fonts(chinese))
    assert "每周读一本书" in pdf_text(chinese)
