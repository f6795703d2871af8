"""In a real browser: a URL no one made (an id of 5,000 digits, more than Python's int() reads)
shows "not found" and nothing of the server: no traceback, no file, no path."""

from __future__ import annotations

import pytest

from bench.driving import body, settle, sign_out_button
from tests.browser.test_browser_plan import signed_in_tab
from tests.conftest import ROOT
from ui.feedback import NOT_FOUND

pytestmark = pytest.mark.browser

HUGE = "9" * 5000


def test_a_plan_url_with_a_five_thousand_digit_student_id_shows_not_found_and_nothing_of_the_server(
        demo, demo_server, browser):
    page = signed_in_tab(browser, demo, demo_server, "specialist")
    try:
        page.goto(f"{demo_server.base}/plan?student={HUGE}")
        sign_out_button(page).wait_for()
        settle(page)
        page.get_by_text(NOT_FOUND).first.wait_for()
        shown, html = body(page), page.content()
        for server_detail in ("Traceback", 'File "', "ValueError", str(ROOT), "site-packages"):
            assert server_detail not in shown, server_detail
            assert server_detail not in html, server_detail
    finally:
        page.context.close()
