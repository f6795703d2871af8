"""AppTest: a home follows today's meetings. Today's meeting (or else the next one) sits right under
the title; while a meeting is today a small fragment polls its status and reruns the page when the
specialist opens it, so Join appears; a home with no meeting today has no fragment and polls nothing.

A run_every fragment runs once per AppTest run (its timer is not simulated), inline in the page.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button, HeadingBase, Markdown, Text

from plpcore import meetings, queries
from tests.app_support import app, database_copy, page_text, titles
from ui.session import database


@pytest.fixture
def school(tmp_path, monkeypatch) -> SimpleNamespace:
    db, school = database_copy(tmp_path, monkeypatch)
    yield SimpleNamespace(**vars(school), db=db)
    database().dispose()


@pytest.fixture(autouse=True)
def same_day():
    """"Today" is the server's date: a test started a minute before midnight waits for the new day
    rather than schedule a meeting on one day and look for it on the next."""
    now = dt.datetime.now()
    left = (dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time()) - now).total_seconds()
    if left < 60:
        time.sleep(left + 1)


@pytest.fixture
def polls(monkeypatch) -> list[list[int]]:
    """Every poll the homes send, as the meeting ids it asked about (plpcore's one statement)."""
    sent: list[list[int]] = []
    real = queries.meeting_statuses

    def meeting_statuses(db, meeting_ids):
        sent.append(sorted(meeting_ids))
        return real(db, meeting_ids)

    monkeypatch.setattr(queries, "meeting_statuses", meeting_statuses)
    return sent


def on(day: dt.date, hour: int = 15) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0))


TODAY = dt.date.today  # (called at each use: see same_day)


def meeting(school, when: dt.datetime, kind: str = "annual ALP review") -> int:
    return meetings.schedule_meeting(school.db, school.sam, school.ana_plan, kind=kind, scheduled_at=when,
                                     location="Room 12")


def home(who: str) -> AppTest:
    at = app(as_user=who).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def lines(at: AppTest) -> list[str]:
    """What the page's main column says, in order: its headings, words, captions and buttons (bold
    marks and markdown escapes taken out)."""
    said = [node.label if isinstance(node, Button) else node.value for node in at.main
            if isinstance(node, Markdown | HeadingBase | Text | Button)]
    return [re.sub(r"\\(.)", r"\1", str(value)).replace("**", "") for value in said]


def line_of(at: AppTest, text: str) -> int:
    return next(i for i, line in enumerate(lines(at)) if text in line)


def fragments(at: AppTest) -> list[str]:
    """The fragments an AppTest's runs registered (its private fragment storage). Every AppTest run
    ends in ui.session's routing st.stop(), which skips Streamlit's end-of-run clean-up, so ask a
    fresh AppTest whether a page draws one."""
    return list(at._fragment_storage._fragments)


def card(when: str = "today at 15:00") -> str:
    return f"Ana Lopez · annual ALP review · {when} · Room 12"


# --- where today's meeting sits -------------------------------------------------------------------


def test_a_parents_home_lists_todays_meeting_above_everything_else(school):
    later = meeting(school, on(TODAY() + dt.timedelta(days=9)), kind="check-in")
    today = meeting(school, on(TODAY()))
    at = home("gus")
    said = lines(at)
    assert said[:2] == ["Ana Lopez at a glance", "Grade 5 · ALP 2026-27 · draft"]
    assert said[2] == card()
    assert said[3].startswith("Not started yet. Keep this page open")
    assert line_of(at, card()) < line_of(at, "Have you read the plan?") < line_of(at, "Ana: finish the 6th")
    # The later one closes the page, after everything the parent does at home.
    assert line_of(at, "Open the full plan") < line_of(at, "Later meetings") < line_of(at, "Ana Lopez · check-in")
    assert [b.key for b in at.button if b.key.startswith("home_meeting_")] == [f"home_meeting_{today}",
                                                                                f"home_meeting_{later}"]


def test_on_a_day_without_a_meeting_the_parents_home_shows_the_next_one_at_the_top(school):
    meeting(school, on(TODAY() + dt.timedelta(days=9)), kind="check-in")
    meeting(school, on(TODAY() + dt.timedelta(days=2)))
    at = home("gus")
    next_one = card(f"{on(TODAY() + dt.timedelta(days=2)):%a %b %d, %H:%M}")
    assert lines(at)[2] == next_one
    assert "Not started yet" not in page_text(at)
    assert line_of(at, "Later meetings") < line_of(at, "Ana Lopez · check-in")


@pytest.mark.parametrize("who, title", [("ana", "My goals"), ("tia", "Home"), ("sam", "My caseload")])
def test_every_home_shows_todays_meeting_right_under_its_title(school, who, title):
    meeting(school, on(TODAY()))
    at = home(who)
    assert titles(at) == [title]
    assert lines(at)[1] == card()


# --- following it -----------------------------------------------------------------------------------


def test_a_home_with_no_meeting_today_polls_nothing(school, polls):
    meeting(school, on(TODAY() + dt.timedelta(days=1)))
    meeting(school, on(TODAY() - dt.timedelta(days=1)))  # yesterday's, never held: not followed either
    for who in ("gus", "ana", "tia", "sam"):
        at = home(who)
        at.run()
        assert fragments(at) == [], who
    assert polls == []


def test_a_home_polls_only_todays_meetings(school, polls):
    meeting(school, on(TODAY() + dt.timedelta(days=1)))
    today = meeting(school, on(TODAY()))
    at = home("gus")
    assert len(fragments(at)) == 1
    assert polls == [[today]]


def test_the_homes_poll_reruns_it_when_the_specialist_opens_todays_meeting(school, polls, monkeypatch):
    """Gus's home shows today's meeting as not started. Sam opens it while the page is on screen:
    here, right after the run read Gus's meetings and before its poll, so only the poll can see it."""
    today = meeting(school, on(TODAY()))
    at = home("gus")
    assert at.button(key=f"home_meeting_{today}").label == "Details"
    reads = []
    read = queries.upcoming_meetings

    def read_then_open(db, actor_id):
        shown = read(db, actor_id)
        if not reads:
            meetings.open_meeting(school.db, school.sam, today)
        reads.append(actor_id)
        return shown

    monkeypatch.setattr(queries, "upcoming_meetings", read_then_open)
    at.run()
    assert not at.exception
    assert len(reads) == 2  # the poll saw "in progress" and reran the page, which read it again
    assert lines(at)[2] == card() + " · :green[in progress now]"
    join = at.button(key=f"home_meeting_{today}")
    assert (join.label, join.proto.type) == ("Join the meeting", "primary")
    assert "Not started yet" not in page_text(at)

    join.click().run()
    assert not at.exception
    assert "Meeting room · Ana Lopez" in titles(at)
    assert "Step 1 of 7: Attendance" in page_text(at)


def test_a_home_stops_polling_once_todays_meeting_is_over(school, polls):
    today = meeting(school, on(TODAY()))
    meetings.open_meeting(school.db, school.sam, today)
    at = home("gus")
    assert polls == [[today]]  # a running meeting is followed too: its end shows without a reload
    meetings.cancel(school.db, school.sam, today)
    at.run()
    at.run()
    assert f"home_meeting_{today}" not in [b.key for b in at.button]
    assert polls == [[today]]
    assert fragments(home("gus")) == []


def test_a_details_click_that_reaches_the_run_after_the_meeting_started_joins_it(school):
    """Gus clicks Details just as Sam opens the meeting: the click's run draws the card as Join, under
    the same key, and takes him into the running meeting rather than dropping his click."""
    today = meeting(school, on(TODAY()))
    at = home("gus")
    at.button(key=f"home_meeting_{today}").click()
    meetings.open_meeting(school.db, school.sam, today)
    at.run()
    assert not at.exception
    assert "Step 1 of 7: Attendance" in page_text(at)


def test_todays_meeting_of_another_childs_team_is_not_polled_for_a_parent_who_is_not_linked(school, polls):
    meetings.schedule_meeting(school.db, school.pat, school.ben_plan, kind="check-in", scheduled_at=on(TODAY()))
    at = home("gus")
    assert "Ben" not in page_text(at)
    assert fragments(at) == [] and polls == []


def test_a_parent_with_a_meeting_today_can_still_check_in_at_home(school, polls):
    """The poll leaves the rest of the home alone: a check-in sent while it runs is stored once."""
    meeting(school, on(TODAY()))
    at = home("gus")
    goal = school.ana_goal
    at.text_area(key=f"home_check_in_note_{goal}").input("She explained fractions at dinner")
    at.button(key=f"home_check_in_send_{goal}").click().run()
    at.run()
    notes = queries.student_plan(school.db, school.sam, school.ana_plan)["notes"]
    assert [n["text"] for n in notes] == ["She explained fractions at dinner"]
    assert len(polls) == 3
