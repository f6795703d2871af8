"""Choosing what PlanTable sends by e-mail: on My account, and from the link in every reminder."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from plpcore import reminders
from plpcore.models import User
from tests.app_support import app, database_copy, page_text
from ui.routes import BY_URL


@pytest.fixture
def app_school(tmp_path, monkeypatch):
    db, _ = database_copy(tmp_path, monkeypatch)
    guardian = "gus"
    with db.write() as s:
        user = s.scalar(select(User).where(User.username == guardian))
        user.email = "parent@families.example"
        user.email_stop_token = "a-stop-token-for-this-test-only"
    return db, guardian


def _stop_link(token: str):
    """The stop link opened in a browser: the app's first run, then its page (AppTest finds a page
    whose URL differs from its file name only once st.navigation has registered it)."""
    at = app(query={"token": token}).run()
    return at.switch_page(BY_URL["stop-emails"].path).run()


def _user(db, username):
    with db.read() as s:
        return s.scalar(select(User).where(User.username == username))


def test_a_parent_turns_reminders_off_on_my_account_and_the_choice_is_kept_with_its_date(app_school):
    db, guardian = app_school
    at = app("account", as_user=guardian).run()
    assert "We write to parent@families.example." in page_text(at)
    at.checkbox(key="account_email_reminders").uncheck()
    at.button(key="account_email_submit").click().run()
    user = _user(db, guardian)
    assert user.email_reminders is False and user.email_notices is True
    assert user.email_choice_at is not None and user.email_choice_at.date() == dt.datetime.now(dt.UTC).date()
    assert "Your e-mail choices are saved." in page_text(at)


def test_someone_without_an_address_is_told_nothing_is_sent_and_offered_no_choices(app_school):
    db, guardian = app_school
    with db.write() as s:
        s.scalar(select(User).where(User.username == guardian)).email = None
    at = app("account", as_user=guardian).run()
    assert "PlanTable has no e-mail address for you" in page_text(at)
    assert not at.checkbox


def test_the_stop_link_signed_out_stops_reminders_with_one_button_and_can_be_undone(app_school):
    db, guardian = app_school
    at = _stop_link("a-stop-token-for-this-test-only")
    assert _user(db, guardian).email_reminders is True  # opening the link alone changes nothing
    at.button(key="stop_emails_button").click().run()
    assert "PlanTable will send you no more reminders" in page_text(at)
    assert _user(db, guardian).email_reminders is False
    at.button(key="stop_emails_undo").click().run()
    assert _user(db, guardian).email_reminders is True


def test_a_stop_link_that_is_nobodys_reads_the_same_and_shows_no_one(app_school):
    db, guardian = app_school
    at = _stop_link("nobody-has-this")
    at.button(key="stop_emails_button").click().run()
    text = page_text(at)
    assert "PlanTable will send you no more reminders" in text
    assert "parent@families.example" not in text and guardian not in text
    with db.read() as s:
        assert all(u.email_reminders for u in s.scalars(select(User)))
    assert reminders.stop_emails(db, "nobody-has-this") is False
