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
