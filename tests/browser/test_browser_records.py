"""In a real browser: a parent who was at a meeting signs its record after it was finalized, and the
record's screen, its PDF and its JSON (downloaded as a person would) all show the signature with
its time, while the record's stored text and SHA-256 stay as they were."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bench.driving import open_app, settle, sign_in
from plpcore import clock
from plpcore.db import Database
from plpcore.models import Attendance, AttendanceStatus, Meeting, MeetingRecord, MeetingStatus, RecordSignature, User
from tests.browser.conftest import ARTIFACTS
from tests.conftest import pdf_text

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def school(private_demo):
    return private_demo


def unsigned_parent(db: Database) -> tuple[int, str, str]:
    """A finalized demo meeting a parent attended without signing its record: (meeting, username, name)."""
    with db.read() as s:
        row = s.execute(
            select(Meeting.id, User.username, User.display_name)
            .join(Attendance, Attendance.meeting_id == Meeting.id)
            .join(User, User.id == Attendance.user_id)
            .where(Meeting.status == MeetingStatus.FINALIZED, Attendance.role == "guardian",
                   Attendance.status == AttendanceStatus.PRESENT, Attendance.signed_at.is_(None))
            .order_by(Meeting.id)
        ).first()
    assert row is not None, "the demo school has no record a parent has yet to sign"
    return row.id, row.username, row.display_name


def stored(db: Database, meeting: int) -> tuple[str, str]:
    with db.read() as s:
        row = s.execute(select(MeetingRecord.snapshot, MeetingRecord.sha256)
                        .where(MeetingRecord.meeting_id == meeting)).one()
    return row.snapshot, row.sha256


def screenshot(page, name: str, size: dict[str, int]) -> None:
    """The whole record screen at `size`'s width (Streamlit scrolls inside the page: make the window tall)."""
    page.set_viewport_size(size)
    settle(page)
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height + 100)})
    settle(page)
    page.wait_for_timeout(1000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))
    page.set_viewport_size(size)


def download(page, key: str) -> bytes:
    with page.expect_download() as done:
        page.locator(f".st-key-{key} button").click()
    return done.value.path().read_bytes()


def test_a_parent_signs_a_finalized_record_and_its_screen_pdf_and_json_show_the_signature(demo, school, browser):
    server, db = school
    meeting, username, name = unsigned_parent(db)
    before = stored(db, meeting)
    context = browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        open_app(page, server.base)
        sign_in(page, username, demo.school.passwords["guardian"])
        page.goto(f"{server.base}/meeting?meeting={meeting}")
        page.get_by_text("Who attended, and who signed").wait_for()
        settle(page)
        page.get_by_text(f"{name} (guardian): present").first.wait_for()
        assert "not signed yet" in page.get_by_text(f"{name} (guardian): present").first.inner_text()
        screenshot(page, "record-to-sign-laptop.png", LAPTOP)
        screenshot(page, "record-to-sign-phone.png", PHONE)
        page.set_viewport_size(LAPTOP)

        page.get_by_role("button", name="I was here and I have read this").click()
        page.get_by_text("after the record was finalized").first.wait_for()
        settle(page)

        with db.read() as s:
            signature = s.scalars(select(RecordSignature)).one()
        when = clock.stamp(signature.signed_at, ZoneInfo("America/Denver"))  # at the demo school
        on_screen = page.get_by_text(f"{name} (guardian): present").first.inner_text()
        assert on_screen.endswith(f"signed {when:%A, %B} {when.day}, {when.year} at {when:%H:%M} {when.tzname()}, "
                                  "after the record was finalized")
        assert page.get_by_role("button", name="I was here and I have read this").count() == 0
        screenshot(page, "record-signed-laptop.png", LAPTOP)
        screenshot(page, "record-signed-phone.png", PHONE)
        page.set_viewport_size(LAPTOP)
        settle(page)

        pdf = " ".join(pdf_text(download(page, "meeting_record_pdf")).split())
        assert (f"{name} (guardian): present, " in pdf
                and f"signed {when:%Y-%m-%d %H:%M} {when.tzname()}, after the record was finalized, having read "
                    "this record" in pdf)
        record = json.loads(download(page, "meeting_record_json"))
        assert [(x["name"], x["signed_at"], x["after_finalizing"], x["sha256"])
                for x in record["signatures"] if x["after_finalizing"]] == [
            (name, signature.signed_at.isoformat(), True, before[1])]
        assert stored(db, meeting) == before
        assert (signature.sha256, record["sha256"]) == (before[1], before[1])
    finally:
        context.close()
