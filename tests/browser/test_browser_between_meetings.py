"""In a real browser: each role's loop between meetings, and the specialist's caseload showing it at once.

The specialist's page is open before the other person acts; after the act the specialist
searches the caseload again (a rerun, no reload) and downloads it as CSV, which is the table
on the screen (the grid itself is drawn on a canvas).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from bench.driving import body, click_until, settle
from plpcore import accounts, queries
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_browser_app import account
from tests.browser.test_browser_plan import signed_in_tab
from tests.conftest import pdf_text

pytestmark = pytest.mark.browser

def user_id(demo, role: str) -> int:
    return accounts.user_by_name(demo.db, account(demo, role)[0]).id


def caseload_row(page, local_id: str) -> dict:
    """The specialist finds one student by id in the caseload and reads their row as the CSV export has it."""
    search = page.get_by_role("textbox", name="Find a student")
    for text in ("", local_id):  # a new search is a new run of the page, which reads the database again
        search.fill(text)
        search.press("Enter")
        settle(page)
    with page.expect_download() as download:
        page.locator(".st-key-home_download button").click()
    rows = pd.read_csv(download.value.path(), dtype={"local_id": str})
    assert rows["local_id"].tolist() == [local_id]
    return rows.iloc[0].to_dict()


def live_goal(demo, actor: int, plan_id: int) -> dict:
    goals = queries.student_plan(demo.db, actor, plan_id)["goals"]
    return next(g for g in goals if g["status"] not in ("revised", "discontinued"))


def test_a_students_self_rating_shows_on_the_specialists_caseload_at_once(demo, demo_server, browser):
    student = user_id(demo, "student")
    own = queries.my_students(demo.db, student)
    own = own[own.relationship == "student"].iloc[0]
    goal = live_goal(demo, student, int(own.plan_id))
    today = dt.date.today().isoformat()
    specialist = signed_in_tab(browser, demo, demo_server, "specialist")
    me = signed_in_tab(browser, demo, demo_server, "student")
    try:
        local_id = str(own.local_id)
        before = caseload_row(specialist, local_id)

        form = me.get_by_test_id("stForm").filter(has=me.locator(f".st-key-home_rate_save_{goal['id']}"))
        form.get_by_text("3 · progressing").click()
        form.get_by_role("textbox", name="What I did, or what's hard (optional)").fill("Finished the practice set")
        form.get_by_role("textbox", name="Link to my work (optional)").fill("https://example.org/my-work")
        form.get_by_role("button", name="Save my rating").click()
        settle(me)
        assert "Your rating is saved." in body(me)
        ARTIFACTS.mkdir(exist_ok=True)
        me.screenshot(path=str(ARTIFACTS / "my-goals-student.png"), full_page=True)

        after = caseload_row(specialist, local_id)
        assert before["last_progress"] != today  # or the check below could not fail
        assert after["last_progress"] == today
        assert "No progress this period" not in str(after["flags"])
        entry = live_goal(demo, student, int(own.plan_id))["progress"][-1]
        assert (entry["rating"], entry["author_role"], entry["evidence_url"]) == (3, "student",
                                                                                   "https://example.org/my-work")
    finally:
        specialist.context.close()
        me.context.close()


def test_a_parents_home_check_in_shows_on_the_specialists_caseload_at_once(demo, demo_server, browser):
    parent = user_id(demo, "guardian")
    mine = queries.my_students(demo.db, parent)
    child = mine[(mine.relationship == "guardian") & mine.plan_id.notna()].iloc[0]
    goal = live_goal(demo, parent, int(child.plan_id))
    specialist = signed_in_tab(browser, demo, demo_server, "specialist")
    me = signed_in_tab(browser, demo, demo_server, "guardian")
    try:
        local_id = str(child.local_id)
        before = caseload_row(specialist, local_id)

        me.goto(f"{demo_server.base}/?student={int(child.student_id)}")
        settle(me)
        expander = me.get_by_test_id("stExpander").filter(has=me.locator(f".st-key-home_check_in_send_{goal['id']}"))
        expander.get_by_text("Check in at home").click()
        expander.get_by_text("What is getting in the way?").click()
        expander.get_by_role("textbox", name="What they said, or a note for the team").fill(
            "Too many clubs on Tuesdays; we moved reading to Sunday.")
        expander.get_by_text("2 · beginning").click()
        expander.get_by_role("button", name="Send to the team").click()
        settle(me)
        assert "Your check-in is on the plan" in body(me)
        ARTIFACTS.mkdir(exist_ok=True)
        me.screenshot(path=str(ARTIFACTS / "home-parent-check-in.png"), full_page=True)

        after = caseload_row(specialist, local_id)
        assert pd.isna(before["last_home_note"]) or before["last_home_note"] != after["last_home_note"]
        assert str(after["last_home_note"]).startswith(dt.datetime.now(dt.UTC).date().isoformat())
        note = queries.student_plan(demo.db, user_id(demo, "specialist"), int(child.plan_id))["notes"][-1]
        assert (note["prompt"], note["text"], note["kind"]) == (
            "What is getting in the way?", "Too many clubs on Tuesdays; we moved reading to Sunday.", "home note")
    finally:
        specialist.context.close()
        me.context.close()


def unacknowledged_support(demo, taken: set[int]):
    """A teacher of the demo school and a support they owe, not yet acknowledged, for a student whom
    the demo's student and guardian sign-ins do not see. The demo is built for today, so which
    teacher owes what changes from day to day; every teacher signs in with the role's password."""
    from sqlalchemy import select

    from plpcore.models import AccountKind, User

    with demo.db.read() as s:
        teachers = s.scalars(select(User).where(User.kind == AccountKind.TEACHER, User.active.is_(True))
                             .order_by(User.id)).all()
    for teacher in teachers:
        owed = queries.supports_owed(demo.db, teacher.id)
        open_ones = owed[~owed.acknowledged & ~owed.student_id.isin(taken)]
        if len(open_ones):
            return teacher, open_ones.iloc[0]
    raise AssertionError("no teacher of the demo school owes an unacknowledged support")


def test_a_teacher_acknowledges_logs_a_support_and_records_progress_seen_on_the_caseload_at_once(
        demo, demo_server, browser):
    taken = {int(x) for x in queries.my_students(demo.db, user_id(demo, "student")).student_id} | {
        int(x) for x in queries.my_students(demo.db, user_id(demo, "guardian")).student_id}
    teacher, support = unacknowledged_support(demo, taken)
    students = queries.my_students(demo.db, teacher.id)
    local_id = str(students[students.student_id == support.student_id].local_id.iloc[0])
    sid = int(support.support_id)
    today = dt.date.today().isoformat()
    specialist = signed_in_tab(browser, demo, demo_server, "specialist")
    me = signed_in_tab(browser, demo, demo_server, "teacher", username=teacher.username)
    try:
        before = caseload_row(specialist, local_id)
        assert before["last_progress"] != today  # or the check below could not fail

        me.locator(f".st-key-home_ack_{sid}").get_by_role("button", name="Acknowledge").click()
        settle(me)
        assert "Support acknowledged." in body(me)
        me.locator(f".st-key-home_note_{sid} input").fill("Extension packet in class")
        me.locator(f".st-key-home_log_{sid}").get_by_role("button", name="Log: given today").click()
        settle(me)
        assert "Logged for today." in body(me)

        me.goto(f"{demo_server.base}/plan?student={int(support.student_id)}")
        settle(me)
        me.get_by_role("tab", name="Progress").click()
        me.get_by_text("Record progress").first.click()
        me.locator(".st-key-plan_progress_submit").get_by_role("button").wait_for(state="visible")
        me.wait_for_timeout(500)  # the expander's opening animation
        rating = me.locator(".st-key-plan_progress_rating")
        click_until(me, rating.get_by_role("button", name="Open"), me.get_by_role("option", name="3 · progressing"))
        me.get_by_role("option", name="3 · progressing").click()
        me.get_by_role("textbox", name="Note").fill("Solved the challenge set on her own.")
        me.get_by_role("textbox", name="Evidence link (optional)").fill("https://example.org/challenge")
        me.locator(".st-key-plan_progress_submit button").click()
        settle(me)
        assert "Progress recorded." in body(me)

        after = caseload_row(specialist, local_id)
        assert after["last_progress"] == today
        plan = queries.student_plan(demo.db, user_id(demo, "specialist"), int(support.plan_id))
        logged = next(x for x in plan["supports"] if x["id"] == sid)
        assert logged["acknowledged_at"] is not None
        assert logged["log"][-1]["note"] == "Extension packet in class"
    finally:
        specialist.context.close()
        me.context.close()


def test_a_specialist_downloads_a_students_progress_report_and_whole_record(demo, demo_server, browser):
    specialist = user_id(demo, "specialist")
    row = queries.caseload(demo.db, specialist).dropna(subset=["plan_id"]).iloc[0]
    doc = queries.student_plan(demo.db, specialist, int(row.plan_id))
    goal = next(g for g in doc["goals"] if g["status"] not in ("revised", "discontinued"))
    page = signed_in_tab(browser, demo, demo_server, "specialist")
    try:
        page.goto(f"{demo_server.base}/plan?student={int(row.student_id)}")
        settle(page)
        with page.expect_download() as record:
            page.locator(".st-key-plan_record_pdf").get_by_role("button").click()
        text = " ".join(pdf_text(record.value.path().read_bytes()).split())
        assert doc["student"]["name"] in text
        assert " ".join(goal["statement"].split()) in text

        page.get_by_role("tab", name="Progress").click()
        settle(page)
        with page.expect_download() as report:
            page.locator(".st-key-plan_report_pdf").get_by_role("button").click()
        text = " ".join(pdf_text(report.value.path().read_bytes()).split())
        assert " ".join(goal["statement"].split()) in text
        current = [p["name"] for p in doc["periods"] if p["starts_on"] <= dt.date.today()][-1]
        assert current in text
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "plan-progress-report.png"))
    finally:
        page.context.close()
