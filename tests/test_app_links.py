"""The pages the one-time links open, signed out: choose a password by a welcome link, a spent link
refused in plain words with the way to ask for a new one, and "Forgot your password?" on sign-in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plpcore import accounts, links
from plpcore.models import LinkPurpose, Message, User
from tests.app_support import app, database_copy, messages, page_text
from ui.routes import BY_URL

PASSWORD = "a sentence I will remember"


@pytest.fixture
def welcome_token(tmp_path, monkeypatch):
    """A welcome link for Gus, and the database it is in."""
    db, _ = database_copy(tmp_path, monkeypatch)
    with db.write() as s:
        gus = s.scalar(select(User).where(User.username == "gus"))
        gus.email = "gus@families.example"
        link = links.issue(s, gus, LinkPurpose.INVITATION)
    return db, link.split("token=", 1)[1]


def _open(url: str, token: str):
    """A link opened in a browser: the app's first run, then its page (AppTest finds a page whose
    URL differs from its file name only once st.navigation has registered it)."""
    at = app(query={"token": token}).run()
    return at.switch_page(BY_URL[url].path).run()


def _set_password(at, first: str, again: str):
    at.text_input(key="links_password_new").input(first)
    at.text_input(key="links_password_again").input(again)
    return at.button(key="links_password_set").click().run()


def test_a_welcome_link_lets_a_new_parent_choose_a_password_and_then_sign_in(welcome_token):
    db, token = welcome_token
    at = _set_password(_open("welcome", token), PASSWORD, PASSWORD)
    assert "Your password is set. You can sign in now, with the username gus" in page_text(at)
    assert accounts.sign_in(db, "gus", PASSWORD)


def test_two_different_passwords_are_named_beside_the_field_and_the_link_still_works(welcome_token):
    db, token = welcome_token
    at = _set_password(_open("welcome", token), PASSWORD, "a sentence I forgot")
    assert any("New password again differs from the new password" in m for m in messages(at, "error"))
    assert links.works(db, token, LinkPurpose.INVITATION)


def test_a_used_link_opened_again_is_refused_in_plain_words_with_a_way_to_ask_for_a_new_one(welcome_token):
    db, token = welcome_token
    links.use(db, token, LinkPurpose.INVITATION, password=PASSWORD, password_again=PASSWORD)
    at = _open("welcome", token)
    assert messages(at, "error") == ["This link has expired or was already used. Ask for a new one below."]
    assert [b.label for b in at.button] == ["E-mail me a link"]
    assert "gus" not in page_text(at)


def test_forgot_your_password_answers_the_same_for_an_account_and_for_none(welcome_token):
    db, _ = welcome_token
    answers = []
    for who in ("gus", "nobody-at-all"):
        at = app().run()
        at.text_input(key="links_forgot_who").input(who)
        at = at.button(key="links_forgot_send").click().run()
        answers.append(messages(at, "info"))
    assert answers[0] == answers[1] == [links.RESET_ANSWER]
    with db.read() as s:
        assert s.scalars(select(Message.to_address).where(Message.kind == "password reset")).all() == [
            "gus@families.example"]


def test_a_sign_link_opened_signed_out_leads_to_signing_in_to_read_the_record(tmp_path, monkeypatch):
    db, _ = database_copy(tmp_path, monkeypatch)
    with db.write() as s:
        gus = s.scalar(select(User).where(User.username == "gus"))
        link = links.issue(s, gus, LinkPurpose.SIGN)
    token = link.split("token=", 1)[1]
    at = _open("sign-record", token)
    assert links.works(db, token, LinkPurpose.SIGN)  # opening it alone uses nothing
    at = at.button(key="links_sign_continue").click().run()
    assert "Sign in, and the record opens." in page_text(at)
    assert not links.works(db, token, LinkPurpose.SIGN)
