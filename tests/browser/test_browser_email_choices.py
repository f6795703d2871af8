"""In a real browser: the "stop these e-mails" link of a real reminder, opened signed out, and the
same choice on My account afterwards. Mail goes through the loopback SMTP server."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bench.driving import click_until, fresh, open_app, settle, sign_in
from plpcore import outbox, reminders
from plpcore.models import ReportingPeriod, SchoolYear, User
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_browser_app import account

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _a_day_in_a_reporting_period(db) -> dt.datetime:
    with db.read() as s:
        starts = s.scalars(select(ReportingPeriod.starts_on).join(SchoolYear)
                           .where(SchoolYear.is_current.is_(True)).order_by(ReportingPeriod.starts_on)).first()
    return dt.datetime.combine(starts + dt.timedelta(days=3), dt.time(15, 0))


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_a_parent_stops_reminders_from_the_link_in_one_and_sees_it_on_my_account(demo, private_demo, browser, inbox,
                                                                                 monkeypatch):
    server, db = private_demo
    monkeypatch.setenv("PLP_BASE_URL", server.base)  # the links in the e-mail lead to this server
    username, password = account(demo, "guardian")
    with db.read() as s:
        address = s.scalar(select(User.email).where(User.username == username))
    reminders.send_due(db, _a_day_in_a_reporting_period(db))
    outbox.send(db, outbox.Smtp.from_url(inbox.url))
    (mail,) = inbox.to(address)
    link = next(w for w in mail.get_body(("plain",)).get_content().split() if "/stop-emails?token=" in w)

    for size, viewport in (("laptop", None), ("phone", PHONE)):
        context = browser.new_context(**({"viewport": viewport} if viewport else {}))
        context.set_default_timeout(30_000)
        page = context.new_page()
        try:
            open_app(page, link)
            stop = fresh(page).get_by_role("button", name="Stop reminder e-mails")
            stop.wait_for()
            _shot(page, f"stop-emails-{size}.png")
            click_until(page, stop, fresh(page).get_by_text("PlanTable will send you no more reminders"))
            _shot(page, f"stop-emails-done-{size}.png")
            with db.read() as s:
                assert s.scalar(select(User.email_reminders).where(User.username == username)) is False
            if size == "laptop":  # undo, so the phone run starts from reminders on
                click_until(page, fresh(page).get_by_role("button", name="Undo: send me reminders again"),
                            fresh(page).get_by_role("button", name="Stop reminder e-mails"))
        finally:
            context.close()

    context = browser.new_context()
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        open_app(page, server.base)
        sign_in(page, username, password)
        page.goto(f"{server.base}/account")
        settle(page)
        reminders_box = fresh(page).get_by_role("checkbox", name="Reminders")
        reminders_box.wait_for()
        assert not reminders_box.is_checked()
        assert fresh(page).get_by_role("checkbox", name="Meeting notices and meeting records").is_checked()
        reminders_box.scroll_into_view_if_needed()
        _shot(page, "account-email-choices-laptop.png")
    finally:
        context.close()
