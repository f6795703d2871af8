"""The documents people take away: plan PDF, meeting-record PDF, calendar invites."""

import datetime as dt

from icalendar import Calendar

from plpcore import documents, queries, services
from tests.conftest import pdf_text


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
