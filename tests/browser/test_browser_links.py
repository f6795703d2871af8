"""In a real browser: a new guardian from a roster import gets the welcome e-mail through real SMTP,
opens its link, chooses a password and signs in; the same link opened again is refused in plain
words, with the way to ask for a new one."""

from __future__ import annotations

import pytest

from bench.driving import click_until, fresh, open_app, settle, sign_in, sign_out_button
from plpcore import accounts, imports, outbox
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_browser_app import account

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
ADDRESS = "noor.haddad@families.example"
PASSWORD = "our kitchen has a blue door"
ROSTER = ("student_id,first_name,last_name,grade,guardian_username,guardian_name,guardian_email\n"
          f"9901,Yusuf,Haddad,6,noor.haddad,Noor Haddad,{ADDRESS}\n").encode()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _welcome_link(demo, db, inbox) -> str:
    """Import a roster with one new guardian, as the demo specialist, and deliver the invitation."""
    specialist = imports_actor(demo, db)
    preview = imports.preview_roster(db, specialist, ROSTER)
    imports.commit_roster(db, specialist, preview)
    outbox.send(db, outbox.Smtp.from_url(inbox.url))
    (mail,) = inbox.to(ADDRESS)
    assert mail["Subject"] == "PlanTable: choose your password"
    return next(w for w in mail.get_body(("plain",)).get_content().split() if "/welcome?token=" in w)


def imports_actor(demo, db) -> int:
    user = accounts.user_by_name(db, account(demo, "specialist")[0])
    assert user is not None
    return user.id


def test_a_new_guardian_chooses_a_password_by_the_welcome_link_signs_in_and_the_link_is_then_refused(
        demo, private_demo, browser, inbox, monkeypatch):
    server, db = private_demo
    monkeypatch.setenv("PLP_BASE_URL", server.base)  # the link in the e-mail leads to this server
    link = _welcome_link(demo, db, inbox)

    context = browser.new_context()
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        open_app(page, link)
        first = fresh(page).get_by_label("New password", exact=True)
        first.wait_for()
        _shot(page, "welcome-laptop.png")
        first.fill(PASSWORD)
        fresh(page).get_by_label("New password again").fill(PASSWORD)
        click_until(page, fresh(page).get_by_role("button", name="Set my password"),
                    fresh(page).get_by_text("Your password is set"))
        _shot(page, "welcome-done-laptop.png")
        assert "noor.haddad" in fresh(page).get_by_text("Your password is set").inner_text()
        click_until(page, fresh(page).get_by_role("link", name="Sign in"),
                    fresh(page).get_by_role("textbox", name="Username"))
        sign_in(page, "noor.haddad", PASSWORD)
        assert sign_out_button(page).is_visible()
    finally:
        context.close()

    for size, viewport in (("laptop", None), ("phone", PHONE)):
        context = browser.new_context(**({"viewport": viewport} if viewport else {}))
        context.set_default_timeout(30_000)
        page = context.new_page()
        try:
            open_app(page, link)
            refused = fresh(page).get_by_text("This link has expired or was already used. Ask for a new one below.")
            refused.wait_for()
            assert fresh(page).get_by_role("button", name="E-mail me a link").is_visible()
            assert fresh(page).get_by_label("New password", exact=True).count() == 0
            settle(page)
            _shot(page, f"link-expired-{size}.png")
        finally:
            context.close()
