"""In a real browser: each demo role signs in, sees only its students, stays signed in across a
reload (the cookie), signs out; and no page URL shows anything but the sign-in form to a
browser that never signed in."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from bench.driving import body, click_until, open_app, settle, sign_in, sign_in_form, sign_out, sign_out_button
from plpcore import accounts, queries
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

ROLES = ("specialist", "admin", "teacher", "guardian", "student")
# Every URL a person could try: the app's pages, other files under pages/, and nonsense.
URLS = ("/", "/home", "/plan", "/meeting", "/reports", "/admin", "/import", "/account", "/setup", "/sign-in",
        "/sign_in", "/common", "/conflict", "/plan?student=1&plan=1", "/home?student=2", "/meeting?meeting=1",
        "/no-such-page")
# Paths into the source tree: Streamlit answers with its page shell, whose scripts do not
# load from there, so the browser shows an empty page (and must show nothing else).
FILE_URLS = ("/pages/home.py", "/pages/plan.py", "/plpcore/queries.py")


# --- what the demo school says each account should see ----------------------------------------------


def account(demo, role: str) -> tuple[str, str]:
    return next((username, password) for kind, username, password in demo.school.accounts if kind == role)


def students_of(demo, role: str) -> pd.DataFrame:
    user = accounts.user_by_name(demo.db, account(demo, role)[0])
    if role in ("specialist", "admin"):
        return queries.caseload(demo.db, user.id, whole_school=role == "admin")
    return queries.my_students(demo.db, user.id)


def expected_students(demo, role: str) -> set[str]:
    return set(students_of(demo, role)["name"])  # names: two demo students may share one


def all_students(demo) -> set[str]:
    admin = accounts.user_by_name(demo.db, account(demo, "admin")[0])
    return set(queries.caseload(demo.db, admin.id, whole_school=True)["name"])


def names_in(text: str, names: set[str]) -> set[str]:
    return {n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text)}


# --- driving the page -------------------------------------------------------------------------------


# --- each role -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_demo_role_signs_in_sees_only_its_students_stays_signed_in_and_signs_out(demo, demo_server, page, role):
    everyone, mine = all_students(demo), expected_students(demo, role)
    others = everyone - mine
    assert mine and (others or role in ("specialist", "admin"))  # the demo's one specialist has everyone
    open_app(page, demo_server.base)
    sign_in(page, *account(demo, role))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-{role}.png"))

    if role in ("specialist", "admin"):
        assert page.get_by_test_id("stMetricValue").first.inner_text() == str(len(students_of(demo, role)))
        with page.expect_download() as download:
            page.get_by_test_id("stDownloadButton").get_by_role("button").click()
        assert set(pd.read_csv(download.value.path())["name"]) == mine
    elif role == "teacher":
        # The table is drawn on a canvas; the plan picker under it lists the same students as text.
        picker = page.get_by_test_id("stSelectbox").filter(has_text="Open a student's plan")
        click_until(page, picker.get_by_role("button", name="Open"), page.get_by_role("option").first)
        assert set(page.get_by_role("option").all_inner_texts()) == mine
        page.keyboard.press("Escape")
    elif role == "guardian":
        heading = page.get_by_role("heading", level=1).inner_text()
        assert names_in(heading, mine)
    assert names_in(body(page), others) == set()

    page.reload()
    settle(page)
    sign_out_button(page).wait_for()
    assert names_in(body(page), others) == set()

    sign_out(page)
    page.reload()
    settle(page)
    sign_in_form(page).wait_for()
    assert sign_out_button(page).count() == 0
    assert names_in(body(page), everyone) == set()


def test_the_specialist_home_reads_well_on_a_tablet(demo, demo_server, browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, device_scale_factor=1)
    page = context.new_page()
    try:
        open_app(page, demo_server.base)
        sign_in(page, *account(demo, "specialist"))
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "home-specialist-tablet.png"))
        page.get_by_test_id("stDownloadButton").wait_for()  # the whole page has drawn
        assert page.get_by_role("heading", name="My caseload").is_visible()
        assert page.get_by_test_id("stDownloadButton").is_visible()
    finally:
        context.close()


# --- deep links -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", URLS)
def test_a_deep_link_on_a_fresh_server_shows_only_the_sign_in_form(demo, fresh_server, page, url):
    open_app(page, fresh_server.base + url)
    sign_in_form(page).wait_for()
    text = body(page)
    assert names_in(text, all_students(demo)) == set()
    assert sign_out_button(page).count() == 0
    assert "Sign in" in text


def test_every_deep_link_on_a_running_server_shows_only_the_sign_in_form(demo, demo_server, page):
    everyone = all_students(demo)
    for url in URLS:
        open_app(page, demo_server.base + url)
        sign_in_form(page).wait_for()
        assert names_in(body(page), everyone) == set(), url
        assert sign_out_button(page).count() == 0, url


def test_a_deep_link_opens_its_page_once_signed_in(demo, demo_server, page):
    open_app(page, demo_server.base + "/account")
    sign_in(page, *account(demo, "teacher"))
    assert page.get_by_role("heading", name="My account").is_visible()


@pytest.mark.parametrize("url", FILE_URLS)
def test_a_path_into_the_source_tree_shows_an_empty_page(demo, fresh_server, page, url):
    page.goto(fresh_server.base + url)
    page.wait_for_load_state("networkidle")
    assert body(page).strip() == ""
