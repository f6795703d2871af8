"""In a real browser: a download of student data is served to the click that asked for it, and
its URL is dead afterwards. Streamlit serves download files at /media/<hash> to anyone, cookie or
not; ui/downloads.py removes the file once the clicking browser has fetched it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd
import pytest

from bench.driving import settle, sign_out_button
from tests.browser.test_browser_plan import shared_student, signed_in_tab

pytestmark = pytest.mark.browser


def is_a_download(url: str) -> bool:
    return urlsplit(url).path.startswith("/media/")  # not /static/media/, the app's fonts


def download_plan_pdf(browser, demo, demo_server):
    """The specialist downloads a student's plan as a PDF: (the file's URL, its bytes as saved)."""
    student_id, _ = shared_student(demo)
    page = signed_in_tab(browser, demo, demo_server, "specialist")
    try:
        page.goto(f"{demo_server.base}/plan?student={student_id}")
        sign_out_button(page).wait_for()
        settle(page)
        # Streamlit's button fetches the file twice: once to check its URL, once to save it.
        with page.expect_request_finished(lambda request: is_a_download(request.url)), \
                page.expect_download() as download:
            page.get_by_role("button", name="Plan (PDF)").click()
        return download.value.url, download.value.path().read_bytes()
    finally:
        page.context.close()


def test_the_person_who_clicked_gets_the_plan_as_a_pdf(demo, demo_server, browser):
    _, saved = download_plan_pdf(browser, demo, demo_server)
    assert saved.startswith(b"%PDF")


def test_the_plan_pdfs_url_gives_nothing_to_a_browser_without_the_session(demo, demo_server, browser):
    url, _ = download_plan_pdf(browser, demo, demo_server)
    assert "/media/" in url
    stranger = browser.new_context()  # no cookies: not signed in, no Streamlit session
    try:
        reply = stranger.request.get(url)
        assert reply.status in (403, 404), reply.status
        assert not reply.body().startswith(b"%PDF")
    finally:
        stranger.close()


def test_the_caseload_export_made_at_the_click_still_downloads_as_the_page_reruns(demo, demo_server, browser):
    # The caseload's export was handed to Streamlit as ready bytes; now it is made at the click,
    # and this button (unlike the plan's) also reruns the page when clicked.
    page = signed_in_tab(browser, demo, demo_server, "specialist")
    try:
        with page.expect_download() as download:
            page.locator(".st-key-home_download button").click()
        rows = pd.read_csv(download.value.path(), dtype=str)
        assert "local_id" in rows.columns and len(rows) > 0
    finally:
        page.context.close()
