"""With the keyboard alone, in Chromium (issue 17, WCAG 2.1.1 and 2.4.7): Tab and Shift+Tab to move,
Enter and Space to press, the arrow keys inside a group of options, and typing. No mouse, no click.

Five flows: a parent signs in and checks in at home; a parent signs a finalized record; a student
rates a goal and answers About me; a teacher acknowledges a support and logs it; a parent checks in
to a meeting and signs at its end. Every control on the way is reached by Tab (nothing out of
reach, no trap) and shows a focus indicator when it has the focus (tests/browser/accessibility.py).
Opening a screen by its address (a link in an e-mail, a bookmark) is page.goto.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from bench.driving import open_app, settle, sign_in_form, sign_out_button, wait_for_session_cookie
from plpcore import accounts, meetings, queries
from tests.browser.accessibility import choose, press, tab_to
from tests.browser.conftest import ARTIFACTS, LAPTOP
from tests.browser.test_browser_app import account
from tests.browser.test_browser_axe import student_speaks
from tests.browser.test_browser_meeting import demo_team, sees
from tests.browser.test_browser_records import unsigned_parent

pytestmark = pytest.mark.browser


def keyboard_tab(browser):
    context = browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(30_000)
    return context.new_page()


def close(page, name: str) -> None:
    """A picture of where the flow ended (test-artifacts/keyboard-<name>.png), then the tab is closed."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"keyboard-{name}.png"))
    page.context.close()


def sign_in_by_keyboard(page, base: str, username: str, password: str) -> None:
    """Tab to Username, type, Tab to Password, type, Enter. An Enter that lands while the sign-in cookie
    reader reruns the page can be lost, as a click can (bench.driving.click_until): press it again."""
    open_app(page, base)
    tab_to(page, sign_in_form(page))
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    for attempt in range(3):
        page.keyboard.press("Enter")
        try:
            sign_out_button(page).wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            tab_to(page, page.get_by_role("textbox", name="Password"))
    settle(page)
    wait_for_session_cookie(page)


def live_goal(db, user_id: int, plan_id: int) -> dict:
    return next(g for g in queries.student_plan(db, user_id, plan_id)["goals"]
                if g["status"] not in ("revised", "discontinued"))


def test_a_parent_signs_in_and_checks_in_at_home_with_the_keyboard_alone(demo, private_demo, browser):
    server, db = private_demo
    username, password = account(demo, "guardian")
    parent = accounts.user_by_name(db, username).id
    mine = queries.my_students(db, parent)
    child = mine[(mine.relationship == "guardian") & mine.plan_id.notna()].iloc[0]
    goal = live_goal(db, parent, int(child.plan_id))
    page = keyboard_tab(browser)
    try:
        sign_in_by_keyboard(page, server.base, username, password)
        page.goto(f"{server.base}/?student={int(child.student_id)}")
        sign_out_button(page).wait_for()
        settle(page)
        check_in = page.get_by_test_id("stExpander").filter(
            has=page.locator(f".st-key-home_check_in_send_{goal['id']}"))
        press(page, check_in.locator("summary"))
        choose(page, check_in.get_by_role("radiogroup").first, "What is getting in the way?")
        tab_to(page, check_in.get_by_role("textbox", name="What they said, or a note for the team"))
        page.keyboard.type("Too many clubs on Tuesdays; we moved reading to Sunday.")
        choose(page, check_in.get_by_role("radiogroup").last, "2 · beginning")
        press(page, check_in.get_by_role("button", name="Send to the team"))
        sees(page, "Your check-in is on the plan")
    finally:
        close(page, "parent-check-in")
    note = queries.student_plan(db, parent, int(child.plan_id))["notes"][-1]
    assert (note["prompt"], note["text"]) == ("What is getting in the way?",
                                              "Too many clubs on Tuesdays; we moved reading to Sunday.")


def test_a_parent_signs_a_finalized_record_with_the_keyboard_alone(demo, private_demo, browser):
    server, db = private_demo
    meeting, username, name = unsigned_parent(db)
    page = keyboard_tab(browser)
    try:
        sign_in_by_keyboard(page, server.base, username, demo.school.passwords["guardian"])
        page.goto(f"{server.base}/meeting?meeting={meeting}")
        sign_out_button(page).wait_for()
        settle(page)
        press(page, page.get_by_role("button", name="I was here and I have read this"))
        sees(page, "after the record was finalized")
        assert "signed" in page.get_by_text(f"{name} (guardian): present").first.inner_text()
    finally:
        close(page, "parent-signs-record")


def test_a_student_rates_a_goal_and_answers_about_me_with_the_keyboard_alone(demo, private_demo, browser):
    server, db = private_demo
    username, password = account(demo, "student")
    student = accounts.user_by_name(db, username).id
    own = queries.my_students(db, student)
    plan_id = int(own[own.relationship == "student"].iloc[0].plan_id)
    goal = live_goal(db, student, plan_id)
    page = keyboard_tab(browser)
    try:
        sign_in_by_keyboard(page, server.base, username, password)
        rating = page.get_by_test_id("stForm").filter(has=page.locator(f".st-key-home_rate_save_{goal['id']}"))
        choose(page, rating.get_by_role("radiogroup"), "3 · progressing")
        tab_to(page, rating.get_by_role("textbox", name="What I did, or what's hard (optional)"))
        page.keyboard.type("Finished the practice set")
        press(page, rating.get_by_role("button", name="Save my rating"))
        sees(page, "Your rating is saved.")

        about_me = page.get_by_test_id("stExpander").filter(has_text="About me: answer in your own words")
        press(page, about_me.locator("summary"))
        press(page, page.locator(".st-key-plan_section_likes_dislikes_student_edit button"))
        tab_to(page, page.locator(".st-key-plan_section_likes_dislikes_student_text textarea"))
        page.keyboard.press("ControlOrMeta+A")
        page.keyboard.type("I like building robots; I dislike timed tests.")
        press(page, page.locator(".st-key-plan_section_likes_dislikes_student_save button"))
        sees(page, "I like building robots; I dislike timed tests.")
    finally:
        close(page, "student")
    doc = queries.student_plan(db, student, plan_id)
    assert live_goal(db, student, plan_id)["progress"][-1]["rating"] == 3
    assert any(s["key"] == "likes_dislikes" and s["voice"] == "student"
               and s["text"] == "I like building robots; I dislike timed tests." for s in doc["sections"])


def test_a_teacher_acknowledges_and_logs_a_support_with_the_keyboard_alone(demo, private_demo, browser):
    server, db = private_demo
    username, password = account(demo, "teacher")
    teacher = accounts.user_by_name(db, username).id
    owed = queries.supports_owed(db, teacher)
    support = int(owed[~owed.acknowledged].iloc[0].support_id)
    page = keyboard_tab(browser)
    try:
        sign_in_by_keyboard(page, server.base, username, password)
        press(page, page.locator(f".st-key-home_ack_{support}").get_by_role("button", name="Acknowledge"))
        sees(page, "Support acknowledged.")
        # The button is gone; the focus went on to the same support's note, not to the top of the page.
        note = page.locator(f".st-key-home_note_{support} input")
        expect(note).to_be_focused()
        page.keyboard.type("Extension packet in class")
        press(page, page.locator(f".st-key-home_log_{support}").get_by_role("button", name="Log: given today"))
        sees(page, "Logged for today.")
    finally:
        close(page, "teacher")
    after = queries.supports_owed(db, teacher)
    assert bool(after[after.support_id == support].acknowledged.iloc[0])


def test_a_parent_checks_in_to_a_meeting_and_signs_with_the_keyboard_alone(demo, private_demo, browser):
    server, db = private_demo
    team = demo_team(demo, db)
    specialist, parent = team.members["specialist"], team.members["guardian"]
    meeting = meetings.schedule_meeting(db, specialist.user_id, team.plan_id, kind="annual ALP review",
                                        scheduled_at="2026-12-03T15:00")
    meetings.open_meeting(db, specialist.user_id, meeting)
    page = keyboard_tab(browser)
    try:
        sign_in_by_keyboard(page, server.base, parent.username, parent.password)
        page.goto(f"{server.base}/meeting?meeting={meeting}")
        sign_out_button(page).wait_for()
        settle(page)
        choose(page, page.get_by_role("radiogroup", name="I am here"), "phone")
        press(page, page.get_by_role("button", name="Check in"))
        sees(page, f"{parent.name} · guardian · present, phone")

        step = "attendance"
        while step != "review and sign":  # the specialist runs the agenda, from their own screen
            if step == "student voice":
                student_speaks(db, team.members["student"].user_id, meeting, team.plan_id)
            step = meetings.advance(db, specialist.user_id, meeting, step)
        sees(page, "Step 7 of 7: Review and sign")
        press(page, page.get_by_role("button", name="I was here and I have read this"))
        sees(page, f"{parent.name} (guardian): signed")
    finally:
        close(page, "meeting")


def test_every_tab_stop_on_the_sign_in_page_is_something_a_person_can_see(demo_server, page):
    """Tab once round the whole page: each stop is a visible control (Streamlit's skip link shows
    itself when it has the focus), never the cookie component's empty iframe."""
    open_app(page, demo_server.base)
    stops = []
    for _ in range(40):
        page.keyboard.press("Tab")
        stop = page.evaluate("""() => {
          const el = document.activeElement, box = el.getBoundingClientRect();
          return {tag: el.tagName, name: (el.getAttribute('aria-label') || el.innerText || '').trim().slice(0, 30),
                  seen: box.width > 1 && box.height > 1};
        }""")
        if stop["tag"] == "BODY" or (stops and stop == stops[0]):
            break  # round the page once
        stops.append(stop)
    assert {"Username", "Password"} <= {s["name"] for s in stops}  # the form is on the way round
    assert [s for s in stops if not s["seen"] or s["tag"] == "IFRAME"] == []
