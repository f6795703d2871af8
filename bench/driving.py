"""Driving the app in a browser the way a person does, for the browser tier and the benchmarks:
open it, wait until Streamlit has finished a run, sign in and out."""

from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout

# What Streamlit's own browser tests wait for: the app says its script is not running.
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def settle(page) -> None:
    """Wait until Streamlit has finished running the script (and removed what that run did not draw)."""
    page.locator(IDLE).wait_for(state="attached")
    page.wait_for_timeout(400)  # the cookie component reports back once and triggers one more run
    page.locator(IDLE).wait_for(state="attached")


def open_app(page, url: str) -> None:
    page.goto(url)
    page.locator('[data-testid="stApp"]').wait_for()
    # The sign-in cookie is read by a component in an iframe; once it loads it reports
    # back and Streamlit runs the script again. A click before that run can be lost.
    page.locator("iframe").first.wait_for(state="attached")
    page.wait_for_timeout(1000)
    settle(page)


def fresh(page):
    """Elements the last script run drew. While a run is under way Streamlit keeps the previous
    run's elements on screen, marked stale, so a page can briefly show two sign-in forms."""
    return page.locator('[data-testid="stElementContainer"][data-stale="false"]')


def sign_in_form(page):
    return fresh(page).get_by_role("textbox", name="Username")


def click_until(page, target, shows, tries: int = 3) -> None:
    """Click `target` until `shows` appears. A click that lands while Streamlit is rerunning
    for a component (the cookie reader) can be dropped, as a person's would; they click again."""
    for attempt in range(tries):
        if attempt and not target.is_visible():  # the first click did land, only slowly
            shows.wait_for()
            break
        target.click()
        try:
            shows.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
            settle(page)
    settle(page)


SESSION_COOKIE = "plantable_session"  # ui.auth.COOKIE_NAME (bench imports nothing of the app's ui)


def sign_in(page, username: str, password: str) -> None:
    """Sign in, and wait until the sign-in cookie is stored (wait_for_session_cookie)."""
    sign_in_form(page).fill(username)
    fresh(page).get_by_role("textbox", name="Password").fill(password)
    click_until(page, fresh(page).get_by_role("button", name="Sign in"), sign_out_button(page))
    wait_for_session_cookie(page)


def wait_for_session_cookie(page) -> None:
    """The sign-in cookie is written by a component on the run after sign-in: a page opened before
    that (page.goto) starts signed out and shows the sign-in form."""
    for _ in range(100):
        if any(c["name"] == SESSION_COOKIE for c in page.context.cookies()):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"signed in, but no {SESSION_COOKIE} cookie was stored within 10 s")


def sign_out(page) -> None:
    click_until(page, sign_out_button(page), sign_in_form(page))


def sign_out_button(page):
    return fresh(page).get_by_role("button", name="Sign out")


def body(page) -> str:
    return page.locator("body").inner_text()
