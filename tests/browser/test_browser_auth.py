"""In a real browser: the sign-in cookie. One signed with the server's key signs its person in; one
signed with another key, one whose payload was changed, and one kept from before its person
signed out show only the sign-in form."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from sqlalchemy import select

from bench.driving import (
    click_until,
    fresh,
    open_app,
    sign_in,
    sign_in_form,
    sign_out,
    sign_out_button,
    wait_for_session_cookie,
)
from bench.servers import COOKIE_KEY, start_server
from plpcore.db import Database
from plpcore.models import AuditEvent
from tests.browser.conftest import copy_of_demo
from tests.browser.test_browser_app import account
from ui.auth import COOKIE_DAYS, COOKIE_NAME

pytestmark = pytest.mark.browser


def token(username: str, key: str = COOKIE_KEY) -> str:
    expires = dt.datetime.now() + dt.timedelta(days=COOKIE_DAYS)
    return jwt.encode({"username": username, "exp_date": expires.timestamp()}, key, algorithm="HS256")


def open_with_cookie(browser, base: str, value: str):
    context = browser.new_context()
    context.set_default_timeout(30_000)
    context.add_cookies([{"name": COOKIE_NAME, "value": value, "url": base}])
    page = context.new_page()
    open_app(page, base)
    return page


def signed_out(page) -> bool:
    sign_in_form(page).wait_for()
    return sign_out_button(page).count() == 0


def test_a_cookie_signed_with_the_servers_key_signs_its_person_in(demo, demo_server, browser):
    page = open_with_cookie(browser, demo_server.base, token(account(demo, "teacher")[0]))
    try:
        sign_out_button(page).wait_for()  # the control: the way these tests set cookies works
    finally:
        page.context.close()


def test_a_cookie_signed_with_another_key_shows_only_the_sign_in_form(demo, demo_server, browser):
    forged = token(account(demo, "teacher")[0], key="a-key-somebody-guessed-0123456789-abcdefgh")
    page = open_with_cookie(browser, demo_server.base, forged)
    try:
        assert signed_out(page)
    finally:
        page.context.close()


def test_a_cookie_whose_payload_was_changed_shows_only_the_sign_in_form(demo, demo_server, browser):
    header, _, signature = token(account(demo, "teacher")[0]).split(".")
    admin = token(account(demo, "admin")[0]).split(".")[1]  # someone else's payload, the teacher's signature
    page = open_with_cookie(browser, demo_server.base, f"{header}.{admin}.{signature}")
    try:
        assert signed_out(page)
    finally:
        page.context.close()


def test_a_cookie_kept_from_before_signing_out_no_longer_signs_in(demo, demo_server, browser):
    context = browser.new_context()
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        open_app(page, demo_server.base)
        sign_in(page, *account(demo, "guardian"))
        page.wait_for_timeout(1_500)  # the cookie is written by a component, on the run after sign-in
        kept = next(c for c in context.cookies() if c["name"] == COOKIE_NAME)
        sign_out(page)

        replay = open_with_cookie(browser, demo_server.base, kept["value"])
        try:
            assert signed_out(replay)
        finally:
            replay.context.close()
    finally:
        context.close()


def signed_in_page(browser, base: str, username: str, password: str):
    context = browser.new_context()
    context.set_default_timeout(30_000)
    page = context.new_page()
    open_app(page, base)
    sign_in(page, username, password)
    wait_for_session_cookie(page)
    return page


def test_after_a_password_change_a_cookie_from_before_signs_nothing_in(demo, private_demo, browser):
    server, _ = private_demo
    username, password = account(demo, "teacher")
    page = signed_in_page(browser, server.base, username, password)
    try:
        kept = next(c for c in page.context.cookies() if c["name"] == COOKIE_NAME)
        page.goto(f"{server.base}/account")
        page.get_by_label("Current password").fill(password)
        page.get_by_label("New password (at least 8 characters)").fill("a brand new sentence")
        page.get_by_label("New password again").fill("a brand new sentence")
        page.get_by_role("button", name="Change password").click()
        page.get_by_text("Your password is changed.").wait_for()

        replay = open_with_cookie(browser, server.base, kept["value"])
        try:
            assert signed_out(replay)
        finally:
            replay.context.close()
    finally:
        page.context.close()


def test_after_a_sign_out_a_tab_already_open_elsewhere_is_signed_out_at_its_next_click(demo, private_demo, browser):
    server, _ = private_demo
    username, password = account(demo, "teacher")
    elsewhere = signed_in_page(browser, server.base, username, password)
    here = signed_in_page(browser, server.base, username, password)
    try:
        sign_out_button(elsewhere).wait_for()
        sign_out(here)
        elsewhere.get_by_role("link", name="Student plan").first.click()  # its next click, no reload
        assert signed_out(elsewhere)
    finally:
        elsewhere.context.close()
        here.context.close()


def refused_addresses(db) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(AuditEvent.new).where(AuditEvent.action == "sign-in refused")))


def one_wrong_password_with_a_forwarded_for_header(browser, demo, base: str) -> None:
    context = browser.new_context(extra_http_headers={"X-Forwarded-For": "203.0.113.9"})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        open_app(page, base)
        sign_in_form(page).fill(account(demo, "teacher")[0])
        fresh(page).get_by_role("textbox", name="Password").fill("not the password")
        click_until(page, fresh(page).get_by_role("button", name="Sign in"), page.get_by_text("did not work"))
    finally:
        context.close()


@pytest.mark.parametrize("proxies", ["127.0.0.1", "192.0.2.1"], ids=["from-the-trusted-proxy", "from-anyone-else"])
def test_a_refusal_is_audited_with_a_forwarded_address_only_when_a_trusted_proxy_forwarded_it(
        demo, browser, tmp_path, proxies):
    """Streamlit's server believes X-Forwarded-For from the addresses in FORWARDED_ALLOW_IPS only
    (127.0.0.1 by default: nginx on the same machine); from anyone else it is a forgery."""
    url = copy_of_demo(demo, tmp_path / "demo.db")
    server = start_server(url, tmp_path / "streamlit.log", env={"FORWARDED_ALLOW_IPS": proxies})
    db = Database(url)
    try:
        one_wrong_password_with_a_forwarded_for_header(browser, demo, server.base)
        assert refused_addresses(db) == (["203.0.113.9"] if proxies == "127.0.0.1" else ["127.0.0.1"])
    finally:
        server.stop()
        db.dispose()
