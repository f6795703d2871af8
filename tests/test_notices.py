"""Meeting notices: scheduling, moving or cancelling a meeting e-mails each invitee, through a real
SMTP server, a notice with what IDEA §300.322(b) asks and a calendar invite; the meeting keeps a
log of each attempt, which the finalized record carries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from icalendar import Calendar

from plpcore import documents, meetings, outbox, queries, services
from plpcore.errors import NotAllowed
from plpcore.models import User
from tests.conftest import pdf_text

WHEN = "2026-12-08 15:30"  # the school's wall clock (America/Denver)


@pytest.fixture
def team(db, school):
    """Ana's four-person team with addresses: Sam (specialist), Tia, Gus and Ana herself."""
    with db.write() as s:
        for uid in (school.sam, school.tia, school.gus, school.ana):
            user = s.get(User, uid)
            user.email = f"{user.username}@families.example"
    return school


def _schedule(db, team, **kw) -> int:
    return meetings.schedule_meeting(db, team.sam, team.ana_plan, kind="annual ALP review", scheduled_at=WHEN,
                                     location=kw.pop("location", "Room 12, Lincoln Elementary"), **kw)


def _deliver(db, inbox) -> None:
    outbox.send(db, outbox.Smtp.from_url(inbox.url))


def _text(mail) -> str:
    return mail.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _calendar(mail) -> Calendar:
    (part,) = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_content())


def _event(mail):
    return next(c for c in _calendar(mail).walk("VEVENT"))


def test_each_invitee_but_the_organizer_gets_one_invitation(db, team, inbox):
    _schedule(db, team)
    _deliver(db, inbox)
    assert sorted(str(m["To"]) for m in inbox.messages) == ["ana@families.example", "gus@families.example", "tia@families.example"]


def test_the_invitation_says_the_six_things_a_meeting_notice_must(db, team, inbox):
    _schedule(db, team)
    _deliver(db, inbox)
    (mail,) = inbox.to("gus@families.example")
    text = _text(mail)
    assert "Why we are meeting: To review Ana's Advanced Learning Plan for the year" in text
    assert "When: Tuesday, December 8, 2026 at 3:30 PM Mountain Standard Time (45 minutes)." in text
    assert "Where: Room 12, Lincoln Elementary" in text
    assert "Who will be there: Sam Specialist (specialist); Tia (teacher); Gus (parent or guardian); Ana Lopez (student)." in text
    assert "You may bring others: You may bring anyone who knows Ana well" in text
    assert ("Another time, or by phone: If this time does not work for you, or you would like to join by phone, "
            "contact Sam Specialist at sam@families.example.") in text


def test_the_invitation_links_to_its_meeting(db, team, inbox):
    meeting = _schedule(db, team)
    _deliver(db, inbox)
    (mail,) = inbox.to("gus@families.example")
    assert f"{outbox.base_url()}/meeting?meeting={meeting}" in _text(mail)


def test_a_video_link_is_given_as_the_way_to_join(db, team, inbox):
    _schedule(db, team, location="https://meet.example.org/ana-review")
    _deliver(db, inbox)
    (mail,) = inbox.to("gus@families.example")
    assert "Where: By video: https://meet.example.org/ana-review" in _text(mail)


def test_the_html_notice_shows_a_hostile_place_as_text(db, team, inbox):
    _schedule(db, team, location='<img src=x onerror="alert(1)"> Room 12')
    _deliver(db, inbox)
    (mail,) = inbox.to("gus@families.example")
    rich = mail.get_body(("html",)).get_content()
    assert "<img" not in rich
    assert "&lt;img src=x" in rich


def test_the_calendar_invite_is_a_request_in_the_schools_zone(db, team, inbox):
    meeting = _schedule(db, team)
    _deliver(db, inbox)
    (mail,) = inbox.to("gus@families.example")
    cal = _calendar(mail)
    event = _event(mail)
    assert str(cal["METHOD"]) == "REQUEST"
    assert event["DTSTART"].params["TZID"] == "America/Denver"
    assert event.decoded("DTSTART") == dt.datetime(2026, 12, 8, 15, 30, tzinfo=event.decoded("DTSTART").tzinfo)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/Denver"]
    assert str(event["UID"]) == f"meeting-{meeting}@localhost"
    assert event.decoded("SEQUENCE") == 0


def test_a_reschedule_sends_an_update_with_the_same_uid_and_a_higher_sequence(db, team, inbox):
    meeting = _schedule(db, team)
    _deliver(db, inbox)
    version = meetings.meeting_state(db, team.sam, meeting)["version"]
    assert meetings.reschedule(db, team.sam, meeting, version, scheduled_at="2026-12-10 16:00",
                               location="Room 12, Lincoln Elementary")
    _deliver(db, inbox)
    first, update = inbox.to("gus@families.example")
    assert str(_event(update)["UID"]) == str(_event(first)["UID"])
    assert _event(update).decoded("SEQUENCE") == 1
    assert "Thursday, December 10, 2026 at 4:00 PM" in _text(update)
    assert "has changed" in _text(update)


def test_a_reschedule_to_the_same_time_and_place_sends_nothing(db, team, inbox):
    meeting = _schedule(db, team)
    version = meetings.meeting_state(db, team.sam, meeting)["version"]
    assert not meetings.reschedule(db, team.sam, meeting, version, scheduled_at=WHEN,
                                   location="Room 12, Lincoln Elementary")
    _deliver(db, inbox)
    assert len(inbox.to("gus@families.example")) == 1


def test_a_cancellation_sends_method_cancel_with_the_same_uid(db, team, inbox):
    meeting = _schedule(db, team)
    meetings.cancel(db, team.sam, meeting)
    _deliver(db, inbox)
    first, cancel = inbox.to("gus@families.example")
    assert str(_calendar(cancel)["METHOD"]) == "CANCEL"
    assert str(_event(cancel)["UID"]) == str(_event(first)["UID"])
    assert _event(cancel).decoded("SEQUENCE") == 1
    assert "is cancelled" in _text(cancel)


def test_a_parent_who_chose_paper_notices_gets_no_e_mail_and_the_log_says_why(db, team, inbox):
    with db.write() as s:
        s.get(User, team.gus).email_notices = False
    meeting = _schedule(db, team)
    _deliver(db, inbox)
    assert inbox.to("gus@families.example") == []
    entry = next(e for e in meetings.notice_log(db, team.sam, meeting)["entries"] if e["name"] == "Gus")
    assert entry["status"] == "not e-mailed: chose notices on paper"


def test_the_notice_log_says_to_whom_each_went_and_that_it_was_sent(db, team, inbox):
    meeting = _schedule(db, team)
    _deliver(db, inbox)
    entries = meetings.notice_log(db, team.sam, meeting)["entries"]
    assert [(e["name"], e["notice"], e["status"]) for e in entries] == [
        ("Tia", "invitation", "sent"), ("Gus", "invitation", "sent"), ("Ana Lopez", "invitation", "sent")]
    assert all(e["sent_at"] for e in entries)


def test_with_smtp_refusing_the_meeting_counts_its_notices_not_delivered_with_the_error(db, team, inbox):
    meeting = _schedule(db, team)
    inbox.refuse = True
    _deliver(db, inbox)
    log = meetings.notice_log(db, team.sam, meeting)
    assert log["not_delivered"] == 3
    assert [e["status"] for e in log["entries"]] == ["waiting"] * 3
    assert "451 4.3.0 try again later" in log["entries"][0]["error"]  # the rest wait for the next pass


def test_an_invitee_without_an_address_is_in_the_log_as_not_e_mailed(db, team):
    with db.write() as s:
        s.get(User, team.tia).email = None
    meeting = _schedule(db, team)
    entry = next(e for e in meetings.notice_log(db, team.sam, meeting)["entries"] if e["name"] == "Tia")
    assert entry["status"] == "not e-mailed: no address on file"


def _finalized(db, team, inbox) -> int:
    """Ana's annual review, its invitations delivered, then held and finalized with everyone present."""
    services.add_goal(db, team.sam, team.ana_plan, kind="affective", statement="Ask for help when stuck")
    meeting = _schedule(db, team)
    _deliver(db, inbox)
    meetings.open_meeting(db, team.sam, meeting)
    for person in (team.sam, team.tia, team.gus, team.ana):
        meetings.check_in(db, person, meeting)
    for key in services.VOICE_FIRST:
        services.update_section(db, team.ana, team.ana_plan, key, "student", "In my words", 0)
    step = "attendance"
    while step != "review and sign":
        step = meetings.advance(db, team.sam, meeting, step)
    meetings.finalize(db, team.sam, meeting)
    return meeting


def test_the_finalized_record_carries_the_notice_log(db, team, inbox):
    record = queries.meeting_record(db, team.sam, _finalized(db, team, inbox))
    assert record is not None
    assert [(n["name"], n["notice"], n["status"]) for n in record["snapshot"]["notices"]] == [
        ("Tia", "invitation", "sent"), ("Gus", "invitation", "sent"), ("Ana Lopez", "invitation", "sent")]


def test_the_record_pdf_says_when_each_notice_was_e_mailed_in_the_schools_time(db, team, inbox):
    record = queries.meeting_record(db, team.sam, _finalized(db, team, inbox))
    assert record is not None
    text = " ".join(pdf_text(documents.record_pdf(record)).split())
    assert "Meeting notices" in text
    assert re.search(r"Gus \(parent or guardian\): invitation e-mailed \w{3} \d+, 2026, \d+:\d\d [AP]M M[SD]T", text)


def test_only_whoever_runs_the_meeting_sees_its_notice_log(db, team):
    meeting = _schedule(db, team)
    with pytest.raises(NotAllowed):
        meetings.notice_log(db, team.gus, meeting)


def test_finalizing_e_mails_a_read_and_sign_link_to_each_person_present_who_has_not_signed(db, team, inbox):
    meeting = _finalized(db, team, inbox)  # nobody signed at the meeting
    _deliver(db, inbox)
    (mail,) = [m for m in inbox.to("gus@families.example") if "read and sign" in str(m["Subject"])]
    assert "/sign-record?token=" in _text(mail)
    assert len([m for m in inbox.messages if "read and sign" in str(m["Subject"])]) == 4  # all four, Sam too
    assert f"meeting={meeting}" not in _text(mail)  # the link names no meeting: its token does


def test_the_rooms_calendar_file_is_the_same_event_as_the_e_mailed_invite(db, team, inbox):
    meeting = _schedule(db, team)
    _deliver(db, inbox)
    (mail,) = inbox.to("gus@families.example")
    downloaded = next(iter(Calendar.from_ical(meetings.calendar_file(db, team.gus, meeting)).walk("VEVENT")))
    assert str(downloaded["UID"]) == str(_event(mail)["UID"])
