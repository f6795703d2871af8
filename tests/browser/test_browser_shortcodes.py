"""In a real browser: Streamlit's markdown shortcodes typed as text (a Material icon in both its
spellings, an emoji, Streamlit's logo, colours, a badge, arrows) read back as typed wherever the
app shows typed text as markdown: a goal on the parent's and the student's homes, a progress note
in the meeting's progress step, an action item, the reason a finalized record gives for a missing
role, and a parent's note on a goal. Nothing becomes an icon, an emoji, a logo or a colour.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import select, update

from bench.driving import open_app, settle, sign_in
from bench.servers import Server
from plpcore import meetings, queries, services
from plpcore.db import Database
from plpcore.models import AgendaStep, Link, Meeting, Relationship, Student, User
from tests.browser.conftest import ARTIFACTS, LAPTOP
from tests.conftest import SHORTCODES

pytestmark = pytest.mark.browser

TYPED = "Typed " + " ".join(SHORTCODES)
# Where typed text is markdown: st.markdown and st.write (and widget labels), and st.caption.
MARKDOWN = ':is([data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"])'
# What Streamlit's markdown makes of a shortcode: a Material icon or an accessible emoji (a span
# with role img), its logo (an img), a colour or a badge.
MADE = '[role="img"], img, .stMarkdownColoredText, .stMarkdownColoredBackground, .stMarkdownBadge'
# ui.feedback.md puts this invisible character (U+2060 WORD JOINER) where Streamlit would make a
# shortcode of the text, so reading the page back drops it, and only it.
WORD_JOINER = "\u2060"


@dataclasses.dataclass(frozen=True)
class Family:
    """A demo student with a sign-in and a current plan, one of their parents, and their specialist."""

    server: Server
    db: Database
    student_id: int
    plan_id: int
    specialist: tuple[int, str, str]  # (user id, username, password)
    parent: tuple[int, str, str]
    student: tuple[int, str, str]


@pytest.fixture
def family(demo, private_demo) -> Family:
    server, db = private_demo
    passwords = demo.school.passwords
    with db.read() as s:
        for student in s.scalars(select(Student).where(Student.user_id.is_not(None)).order_by(Student.id)):
            parent_id = s.scalar(select(Link.user_id).where(Link.student_id == student.id, Link.active.is_(True),
                                                            Link.relationship == Relationship.GUARDIAN))
            plan_id = queries.my_students(db, student.user_id).iloc[0].plan_id
            if parent_id is None or pd.isna(plan_id):
                continue
            names = dict(s.execute(select(User.id, User.username).where(
                User.id.in_([demo.school.specialist_id, parent_id, student.user_id]))).all())
            return Family(server, db, student.id, int(plan_id),
                          (demo.school.specialist_id, names[demo.school.specialist_id], passwords["specialist"]),
                          (parent_id, names[parent_id], passwords["guardian"]),
                          (student.user_id, names[student.user_id], passwords["student"]))
    raise AssertionError("the demo school has no student with a sign-in, a parent and a current plan")


def typed_goal(family: Family) -> int:
    return services.add_goal(family.db, family.specialist[0], family.plan_id, kind="other", statement=TYPED)


def meeting_at(family: Family, step: AgendaStep) -> int:
    """A meeting on the plan, open, at `step`. The agenda is moved in the database: the steps before
    it (attendance, the student's voice) are not what these tests are about."""
    meeting = meetings.schedule_meeting(family.db, family.specialist[0], family.plan_id, kind="check-in",
                                        scheduled_at=dt.datetime.now().replace(second=0, microsecond=0))
    meetings.open_meeting(family.db, family.specialist[0], meeting)
    with family.db.write() as s:
        s.execute(update(Meeting).where(Meeting.id == meeting).values(agenda_step=step))
    return meeting


@contextlib.contextmanager
def opened(browser, family: Family, who: tuple[int, str, str], path: str, name: str) -> Iterator:
    """`who` signed in, at `path`, once the page has drawn; a screenshot of it as `name`."""
    context = browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        open_app(page, family.server.base)
        sign_in(page, who[1], who[2])
        page.goto(f"{family.server.base}{path}")
        main(page).locator(MARKDOWN).filter(has_text="Typed").first.wait_for(state="attached")
        settle(page)
        screenshot(page, name)
        yield page
    finally:
        context.close()


def screenshot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside it, so the window is made as tall as its content."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": LAPTOP["width"], "height": max(LAPTOP["height"], height + 100)})
    settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))
    page.set_viewport_size(LAPTOP)


def main(page):
    return page.get_by_test_id("stMain")


def markdown_holding_typed_text(where) -> list[dict]:
    """Every markdown element in `where` that holds typed text: what it reads, and what
    Streamlit's markdown made inside it."""
    return where.locator(MARKDOWN).filter(has_text="Typed").evaluate_all(
        f"els => els.map(e => ({{text: e.innerText, made: [...e.querySelectorAll('{MADE}')].map(m => m.outerHTML)}}))")


def assert_reads_as_typed(where, typed: str = TYPED) -> None:
    shown = markdown_holding_typed_text(where)
    assert shown, "the typed text is not on the page"
    assert [x["made"] for x in shown if x["made"]] == [], "a shortcode became an icon, an emoji or a colour"
    assert [x["text"] for x in shown if typed not in x["text"].replace(WORD_JOINER, "")] == []


def test_a_goal_typed_as_shortcodes_reads_as_typed_on_the_parents_home(family, browser):
    typed_goal(family)
    with opened(browser, family, family.parent, f"/?student={family.student_id}", "shortcodes-parent-home.png") as page:
        assert_reads_as_typed(main(page))


def test_a_goal_typed_as_shortcodes_reads_as_typed_on_the_students_home(family, browser):
    typed_goal(family)
    with opened(browser, family, family.student, "/", "shortcodes-student-home.png") as page:
        assert_reads_as_typed(main(page))


def test_a_progress_note_typed_as_shortcodes_reads_as_typed_in_the_meetings_progress_step(family, browser):
    services.record_progress(family.db, family.specialist[0], typed_goal(family), rating=3, note=TYPED)
    meeting = meeting_at(family, AgendaStep.PROGRESS_REVIEW)
    with opened(browser, family, family.specialist, f"/meeting?meeting={meeting}", "shortcodes-progress-step.png") as page:
        assert_reads_as_typed(main(page))
        assert len(markdown_holding_typed_text(main(page))) == 2  # the goal, and its progress note under it


def test_an_action_item_typed_as_shortcodes_reads_as_typed_in_the_meetings_next_steps(family, browser):
    meeting = meeting_at(family, AgendaStep.NEXT_STEPS)
    meetings.add_action_item(family.db, family.specialist[0], meeting, TYPED, owner=TYPED)
    with opened(browser, family, family.specialist, f"/meeting?meeting={meeting}", "shortcodes-action-item.png") as page:
        assert_reads_as_typed(main(page))
        assert markdown_holding_typed_text(main(page))[0]["text"].replace(WORD_JOINER, "").startswith(f"{TYPED} — {TYPED}")


def test_the_reason_for_a_missing_role_typed_as_shortcodes_reads_as_typed_in_the_finalized_record(family, browser):
    meeting = meeting_at(family, AgendaStep.REVIEW_AND_SIGN)
    meetings.finalize(family.db, family.specialist[0], meeting, TYPED)  # nobody checked in: every role is missing
    with opened(browser, family, family.parent, f"/meeting?meeting={meeting}", "shortcodes-record.png") as page:
        assert_reads_as_typed(main(page))
        assert "Reason recorded: " + TYPED in page.get_by_text("Reason recorded").inner_text().replace(WORD_JOINER, "")


def test_an_action_item_typed_as_shortcodes_reads_as_typed_in_the_finalized_record(family, browser):
    meeting = meeting_at(family, AgendaStep.REVIEW_AND_SIGN)
    meetings.add_action_item(family.db, family.specialist[0], meeting, TYPED, owner="Dana")
    meetings.finalize(family.db, family.specialist[0], meeting, "Nobody could come.")
    with opened(browser, family, family.specialist, f"/meeting?meeting={meeting}", "shortcodes-record-item.png") as page:
        assert_reads_as_typed(main(page))


def test_a_parents_note_typed_as_shortcodes_reads_as_typed_on_the_plans_notes(family, browser):
    goal = typed_goal(family)
    services.check_in_at_home(family.db, family.parent[0], goal, prompt=TYPED, note=TYPED)
    with opened(browser, family, family.specialist, f"/plan?student={family.student_id}", "shortcodes-plan.png") as page:
        page.get_by_role("tab", name="Notes").click()
        settle(page)
        notes = page.get_by_role("tabpanel", name="Notes")
        assert_reads_as_typed(notes, TYPED[:79])  # the caption names the goal it is about, cut at 80 characters
        assert TYPED in notes.get_by_test_id("stText").all_inner_texts()
        screenshot(page, "shortcodes-notes.png")
