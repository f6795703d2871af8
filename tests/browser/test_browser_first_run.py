"""In a real browser, on a server over an empty database: the first visit shows Set up, and
loading the demo school leads to a signed-in specialist with the 86-student caseload."""

from __future__ import annotations

import pytest

from bench.driving import body, settle, sign_in
from bench.servers import start_server
from plpcore.db import Database, init_schema
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.fixture
def empty_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    init_schema(Database(url))
    server = start_server(url, tmp_path / "streamlit.log")
    yield server
    server.stop()


def test_the_first_visit_sets_up_and_the_demo_path_reaches_the_specialists_caseload(empty_server, page):
    page.goto(empty_server.base)  # Set up has no sign-in cookie component to wait for
    page.get_by_role("heading", name="Set up PlanTable").wait_for()
    settle(page)
    page.get_by_role("button", name="Set up the school").wait_for()
    assert page.get_by_role("textbox", name="Username").count() == 1  # the first specialist's, in Set up
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "setup.png"))

    page.get_by_role("tab", name="Load the demo school").click()
    page.get_by_role("button", name="Load the demo school").click()
    page.get_by_role("heading", name="Demo sign-ins").wait_for(timeout=60_000)
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "demo-sign-ins.png"))
    specialist = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="specialist", exact=True))
    specialist.get_by_role("cell").first.wait_for()  # the table can be drawn just after the run has ended
    username, password = specialist.get_by_role("cell").all_inner_texts()

    sign_in(page, username, password)
    assert page.get_by_role("heading", name="My caseload").is_visible()
    assert page.get_by_test_id("stMetricValue").first.inner_text() == "86"
    assert "Demo school" in body(page)


def test_a_refused_set_up_takes_a_phone_user_to_the_first_field_to_fix(empty_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(empty_server.base)
        page.get_by_role("heading", name="Set up PlanTable").wait_for()
        settle(page)
        page.get_by_role("textbox", name="Your name").fill("Rosa Reyes")
        page.get_by_role("textbox", name="Username").fill("rosa")
        page.get_by_role("textbox", name="Password (at least 8 characters)").fill("a long password")
        page.get_by_role("textbox", name="Password again").fill("a long password")
        page.get_by_role("button", name="Set up the school").click()  # the school's name left empty
        page.get_by_text("Enter your school's name.").wait_for()
        school_name = page.get_by_role("textbox", name="School name")
        page.wait_for_function("el => document.activeElement === el", arg=school_name.element_handle())
        settle(page)
        page.screenshot(path=str(ARTIFACTS / "setup-refused-phone.png"))

        assert school_name.evaluate("el => { const r = el.getBoundingClientRect(); "
                                    "return r.top >= 0 && r.bottom <= window.innerHeight; }")
        assert page.get_by_text("Please fix one thing marked above.").is_visible()
    finally:
        context.close()
