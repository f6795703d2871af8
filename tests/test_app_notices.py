"""The meeting room tells the specialist which notices have not reached their readers, and, on a
server without e-mail (a laptop pilot), gives the meeting's link to share by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plpcore import meetings
from plpcore.models import User
from tests.app_support import app, database_copy, page_text


@pytest.fixture
def scheduled(tmp_path, monkeypatch):
    """Ana's check-in, scheduled by Sam, her team with addresses; no SMTP set up on this server."""
    monkeypatch.delenv("PLP_SMTP_URL", raising=False)
    monkeypatch.setenv("PLP_BASE_URL", "https://plantable.lincoln.example")
    db, school = database_copy(tmp_path, monkeypatch)
    with db.write() as s:
        for user in s.scalars(select(User).where(User.username.in_(("sam", "tia", "gus", "ana")))):
            user.email = f"{user.username}@families.example"
    return meetings.schedule_meeting(db, school.sam, school.ana_plan, kind="check-in",
                                     scheduled_at="2026-12-08 15:30", location="Room 12")


def test_the_room_says_how_many_invitations_wait_and_gives_the_link_to_share_by_hand(scheduled):
    at = app("meeting", as_user="sam", query={"meeting": str(scheduled)}).run()
    (warning,) = [w.value for w in at.warning]
    assert warning.startswith("3 invitations not delivered yet. E-mail is not set up on this server")
    assert f"https://plantable.lincoln.example/meeting?meeting={scheduled}" in warning


def test_the_room_lists_each_notice_waiting(scheduled):
    at = app("meeting", as_user="sam", query={"meeting": str(scheduled)}).run()
    assert "Gus (parent or guardian): invitation waiting since" in page_text(at)


def test_a_parent_in_the_room_sees_no_notice_log(scheduled):
    at = app("meeting", as_user="gus", query={"meeting": str(scheduled)}).run()
    assert "Meeting notices" not in page_text(at)
    assert not at.warning
