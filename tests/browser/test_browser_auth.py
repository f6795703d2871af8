"""In a real browser: the sign-in cookie. One signed with the server's key signs its person in; one
signed with another key, one whose payload was changed, and one kept from before its person
signed out show only the sign-in form."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest

from bench.driving import open_app, sign_in, sign_in_form, sign_out, sign_out_button
from bench.servers import COOKIE_KEY
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
