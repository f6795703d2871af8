"""In a real browser, the specialist schedules a meeting for a demo student's four-person team, and
each invitee's notice arrives through the loopback SMTP server with what IDEA §300.322(b) asks and
a calendar invite; the parent's link opens the sign-in page and then that meeting; moving the
meeting sends an update with the same UID and a higher SEQUENCE, and cancelling it METHOD:CANCEL.
The meeting's notice log, and a notice as a mail viewer shows it, are screenshots to look at."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bench.driving import fresh, open_app, settle, sign_in
from plpcore import outbox, queries
from plpcore.models import Meeting, User
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_browser_meeting import PHONE, TALL, click, demo_team, person, sees, snap

pytestmark = pytest.mark.browser
SIX = ("Why we are meeting:", "When:", "Mountain Standard Time", "Where: Room 12", "Who will be there:",
       "You may bring others:", "Another time, or by phone:")


def _text(mail) -> str:
    return mail.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _event(mail):
    (part,) = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_content())
    return calendar, next(iter(calendar.walk("VEVENT")))


def _deliver(db, inbox) -> None:
    outbox.send(db, outbox.Smtp.from_url(inbox.url))


def _shot_html(browser, html: str, name: str) -> None:
    """A notice's HTML body as a mail viewer shows it: the file opened in Chromium, laptop and phone."""
    path = ARTIFACTS / f"{name}.html"
    path.write_text(html)
    for size, viewport in (("laptop", {"width": 1366, "height": 900}), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(path.as_uri())
        page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
        context.close()


def test_a_scheduled_meeting_notifies_the_team_by_e_mail_and_moving_or_cancelling_it_updates_them(
        demo, mailing_demo, browser, inbox):
    server, db = mailing_demo
    ARTIFACTS.mkdir(exist_ok=True)
    team = demo_team(demo, db)
    invitees = {role: m for role, m in team.members.items() if role != "specialist"}
    with db.write() as s:  # every member has an address (the demo gives students none)
        for member in team.members.values():
            user = s.get_one(User, member.user_id)
            user.email = user.email or f"{user.username}@families.example"
        addresses = {role: s.get_one(User, m.user_id).email for role, m in invitees.items()}

    sp = person(browser, server.base, team.members["specialist"], "specialist")
    try:
        student_id = int(queries.student_plan(db, team.members["specialist"].user_id, team.plan_id)["student"]["id"])
        sp.goto(f"{server.base}/meeting?schedule={student_id}")
        settle(sp)
        sp.get_by_role("textbox", name="Place or video link").fill("Room 12")
        click(sp, sp.get_by_role("button", name="Schedule meeting"))
        sees(sp, "Open the meeting")
        with db.read() as s:
            meeting = s.scalar(select(Meeting.id).where(Meeting.plan_id == team.plan_id).order_by(Meeting.id.desc()))

        # Each invitee's notice, with the six things and a calendar invite in the school's zone.
        _deliver(db, inbox)
        for role, address in addresses.items():
            (mail,) = inbox.to(address)
            text = _text(mail)
            assert all(item in text for item in SIX), (role, text)
            calendar, event = _event(mail)
            assert str(calendar["METHOD"]) == "REQUEST"
            assert event["DTSTART"].params["TZID"] == "America/Denver"
        (first,) = inbox.to(addresses["guardian"])
        _shot_html(browser, first.get_body(("html",)).get_content(), "notice-invitation")

        # The room's notice log: each invitation, sent.
        sp.reload()
        settle(sp)
        sees(sp, "Meeting notices")
        log = fresh(sp).get_by_text("Meeting notices", exact=True)
        log.scroll_into_view_if_needed()
        assert fresh(sp).get_by_text(f"{invitees['guardian'].name} (parent or guardian): invitation e-mailed").count()
        snap(sp, "meeting-notice-log-laptop.png")
        snap(sp, "meeting-notice-log-phone.png", PHONE)

        # The parent's link: the sign-in page, then that meeting.
        link = next(w for w in _text(first).split() if "/meeting?meeting=" in w)
        parent = browser.new_context(viewport=TALL)
        parent.set_default_timeout(30_000)
        pa = parent.new_page()
        try:
            open_app(pa, link)
            fresh(pa).get_by_role("textbox", name="Username").wait_for()
            sign_in(pa, invitees["guardian"].username, invitees["guardian"].password)
            sees(pa, f"Meeting room · {team.student}")
            sees(pa, "The meeting has not started yet")
            assert f"meeting={meeting}" in pa.url
        finally:
            parent.close()

        # Moving it: an update with the same UID and a higher SEQUENCE.
        sp.get_by_text("Change the time or place").click()
        place = sp.get_by_role("textbox", name="Place or video link")
        place.fill("Room 14, the library")
        click(sp, sp.get_by_role("button", name="Move the meeting and tell everyone"))
        sees(sp, "Meeting moved")
        _deliver(db, inbox)
        invitation, update = inbox.to(addresses["guardian"])
        assert str(_event(update)[1]["UID"]) == str(_event(invitation)[1]["UID"])
        assert _event(update)[1].decoded("SEQUENCE") > _event(invitation)[1].decoded("SEQUENCE")
        assert "Where: Room 14, the library" in _text(update)

        # Cancelling it: METHOD:CANCEL, the same UID.
        click(sp, sp.get_by_role("button", name="Cancel the meeting"))
        sees(sp, "Meeting cancelled")
        _deliver(db, inbox)
        *_, cancel = inbox.to(addresses["guardian"])
        calendar, event = _event(cancel)
        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(event["UID"]) == str(_event(invitation)[1]["UID"])
        assert event.decoded("SEQUENCE") > _event(update)[1].decoded("SEQUENCE")
        _shot_html(browser, cancel.get_body(("html",)).get_content(), "notice-cancellation")
    finally:
        sp.context.close()
