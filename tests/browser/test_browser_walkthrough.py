"""The first hour, walked in Chromium at a laptop's size and at a phone's (issue 16): set up a
school, then load the demo school into another empty database, sign in as each role, and do a
parent's check-in on the second goal. Each step leaves a screenshot in test-artifacts/walk-*.

Signing in waits for the home's title rather than for "Sign out": on a phone that button is in
the collapsed sidebar.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bench.driving import click_until, fresh, settle, sign_in_form
from bench.servers import Server, start_server
from plpcore.db import Database, init_schema
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

SIZES = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Each demo role, and the title of the home it lands on.
HOMES = {"specialist": "My caseload", "admin": "Whole school", "teacher": "Home",
         "guardian": re.compile(r"at a glance$"), "student": "My goals"}


@pytest.fixture
def empty_server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("walk")
    url = f"sqlite:///{folder / 'empty.db'}"
    init_schema(Database(url))
    server = start_server(url, folder / "streamlit.log")
    yield server
    server.stop()


@pytest.fixture(params=list(SIZES))
def tab(request, browser):
    size = request.param
    context = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone", has_touch=size == "phone")
    context.set_default_timeout(60_000)
    page = context.new_page()
    yield page, size
    context.close()


def shot(page, size: str, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    settle(page)
    page.screenshot(path=str(ARTIFACTS / f"walk-{size}-{step}.png"))


def sign_in(page, username: str, password: str, home) -> None:
    sign_in_form(page).fill(username)
    fresh(page).get_by_role("textbox", name="Password").fill(password)
    click_until(page, fresh(page).get_by_role("button", name="Sign in"), fresh(page).get_by_role("heading", name=home))
    close = page.get_by_test_id("stSidebarCollapseButton")
    if page.viewport_size["width"] < 500 and close.is_visible():  # the last person on this phone left it open
        close.click()


def sign_out(page, size: str) -> None:
    """Sign out from the sidebar (which a phone keeps closed until asked)."""
    if size == "phone" and page.get_by_test_id("stExpandSidebarButton").is_visible():
        page.get_by_test_id("stExpandSidebarButton").click()
    click_until(page, fresh(page).get_by_role("button", name="Sign out"), sign_in_form(page))


def test_a_newcomer_sets_up_their_school_and_signs_in(empty_server, tab):
    page, size = tab
    page.goto(empty_server.base)
    page.get_by_role("heading", name="Set up PlanTable").wait_for()
    shot(page, size, "1-set-up")
    page.get_by_role("textbox", name="School name").fill("Maple Middle")
    page.get_by_role("textbox", name="Your name").fill("Rosa Reyes")
    page.get_by_role("textbox", name="Username").fill("rosa")
    page.get_by_role("textbox", name="Password (at least 8 characters)").fill("a long password")
    page.get_by_role("textbox", name="Password again").fill("a long password")
    page.get_by_role("button", name="Set up the school").click()
    page.get_by_text("Maple Middle is set up.").wait_for()
    shot(page, size, "2-set-up-done")

    sign_in(page, "rosa", "a long password", "My caseload")
    shot(page, size, "3-empty-caseload")
    assert page.get_by_text("Import").first.is_visible()


def test_a_newcomer_loads_the_demo_school_signs_in_as_each_role_and_checks_in_as_a_parent(empty_server, tab):
    page, size = tab
    page.goto(empty_server.base)
    page.get_by_role("heading", name="Set up PlanTable").wait_for()
    page.get_by_role("tab", name="Load the demo school").click()
    page.get_by_role("button", name="Load the demo school").click()
    page.get_by_test_id("stAlertContentSuccess").get_by_text("The demo school is loaded.").wait_for()
    shot(page, size, "4-demo-sign-ins")
    sign_ins = {}
    for role in HOMES:
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=role, exact=True))
        row.get_by_role("cell").first.wait_for()
        sign_ins[role] = row.get_by_role("cell").all_inner_texts()[:2]  # username, password

    for role, home in HOMES.items():
        sign_in(page, *sign_ins[role], home)
        shot(page, size, f"5-{role}-home")
        if role == "guardian":
            check_ins = page.locator('[class*="st-key-home_check_in_open_"]')
            if check_ins.count() < 2:  # this child's plan has one goal: the demo parent has two children
                page.get_by_test_id("stRadio").filter(has_text="Your children").get_by_test_id("stRadioOption").nth(1).click()
                settle(page)
            second = check_ins.nth(1)  # the second goal's check-in
            second.get_by_text("Check in at home").click()
            second.get_by_role("textbox", name="What they said, or a note for the team").fill(
                "He read the chapter aloud to his sister.")
            second.get_by_role("button", name="Send to the team").click()
            page.get_by_text("Your check-in is on the plan for the team to see.").wait_for()
            shot(page, size, "6-guardian-checked-in")
        sign_out(page, size)
