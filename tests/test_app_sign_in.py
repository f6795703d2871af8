"""AppTest: first-run setup, signing in and out, lockout, forced password change, deep links."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from plpcore import accounts
from plpcore.models import AuditEvent
from tests.app_support import (
    app,
    database_copy,
    field,
    messages,
    page_text,
    shows_sign_in_form,
    sign_in,
    titles,
    unescaped,
)
from ui import auth
from ui.routes import BY_URL, SIGNED_OUT_URLS

# Every screen's URL (a URL that names no screen is the browser tier's: AppTest opens screens by file),
# less the pages an e-mailed link opens for someone signed out.
PAGES = tuple(url for url in BY_URL if url not in SIGNED_OUT_URLS)


@pytest.fixture
def app_school(tmp_path, monkeypatch):
    return database_copy(tmp_path, monkeypatch)


@pytest.fixture
def empty_db(tmp_path, monkeypatch):
    return database_copy(tmp_path, monkeypatch, empty=True)[0]


# --- first run -----------------------------------------------------------------------------------


def test_an_empty_database_shows_only_the_set_up_page(empty_db):
    at = app().run()
    assert titles(at) == ["Set up PlanTable"]
    assert not shows_sign_in_form(at)


def test_setting_up_creates_the_school_and_a_specialist_who_can_sign_in(empty_db):
    at = app().run()
    at.text_input(key="setup_school_name").input("Maple Middle")
    at.text_input(key="setup_display_name").input("Rosa Reyes")
    at.text_input(key="setup_username").input("rosa")
    at.text_input(key="setup_password").input("a long password")
    at.text_input(key="setup_password_again").input("a long password")
    at.button(key="setup_submit").click().run()

    assert shows_sign_in_form(at)
    sign_in(at, "rosa", "a long password")
    assert titles(at) == ["My caseload"]


def fill_in_set_up(at, **typed):
    values = {"setup_school_name": "Maple Middle", "setup_display_name": "Rosa Reyes", "setup_username": "rosa",
              "setup_password": "a long password", "setup_password_again": "a long password"} | typed
    for key, value in values.items():
        at.text_input(key=key).input(value)
    return at.button(key="setup_submit").click().run()


def test_the_set_up_confirmation_stays_on_the_sign_in_page_until_the_person_signs_in(empty_db):
    at = fill_in_set_up(app().run())
    at.run()  # the sign-in form reruns on its own as it settles
    at.run()

    assert messages(at, "success") == ["Maple Middle is set up. Sign in as rosa, with the password you just chose."]
    sign_in(at, "rosa", "a long password")
    assert messages(at, "success") == []


def test_set_up_names_every_problem_at_once_each_in_a_sentence_in_the_forms_order(empty_db):
    at = fill_in_set_up(app().run(), setup_school_name=" ", setup_display_name="", setup_username="x",
                        setup_password="short", setup_password_again="other")

    assert messages(at, "error") == [
        "Enter your school's name.",
        "Enter your name, as your team will see it.",
        "Username must be 2–64 characters: letters, digits, dot, dash, underscore or @, starting with a letter or digit.",
        "Password must be at least 8 characters.",
        "Password again differs from the password. Type the same one twice.",
        "Please fix 5 things marked above.",
    ]
    assert accounts.is_empty(empty_db)


def test_each_set_up_problem_sits_right_under_its_field(empty_db):
    at = fill_in_set_up(app().run(), setup_school_name="", setup_username="")
    # The form's text inputs (by key) and messages (by text, unescaped), in the order drawn.
    order = [e.key if e.type == "text_input" else unescaped(e.value)
             for e in at.get("form")[0] if e.type in ("text_input", "error")]

    assert order[order.index("setup_school_name") + 1] == "Enter your school's name."
    assert order[order.index("setup_username") + 1] == "Choose a username to sign in with."


def test_fixing_the_set_up_problems_clears_their_messages(empty_db):
    at = fill_in_set_up(app().run(), setup_school_name="")
    at = fill_in_set_up(at)

    assert messages(at, "error") == []
    assert not accounts.is_empty(empty_db)


def test_set_up_refuses_two_different_passwords_and_creates_nothing(empty_db):
    at = app().run()
    at.text_input(key="setup_school_name").input("Maple Middle")
    at.text_input(key="setup_display_name").input("Rosa Reyes")
    at.text_input(key="setup_username").input("rosa")
    at.text_input(key="setup_password").input("a long password")
    at.text_input(key="setup_password_again").input("another password")
    at.button(key="setup_submit").click().run()

    assert "Password again differs from the password. Type the same one twice." in messages(at, "error")
    assert accounts.is_empty(empty_db)


def test_loading_the_demo_school_lists_its_sign_ins_and_marks_every_page_as_demo(empty_db):
    at = app().run()
    at.button(key="setup_demo").click().run()

    assert shows_sign_in_form(at)
    assert any("Demo school" in w for w in messages(at, "warning"))
    specialist = at.table[0].value.loc["specialist"]
    sign_in(at, specialist.username, specialist.password)
    assert titles(at) == ["My caseload"]
    assert any("Demo school" in w for w in messages(at, "warning"))
    assert at.metric[0].value == "86"
    assert "Demo sign-ins" not in page_text(at)


def test_the_demo_confirmation_stays_on_the_sign_in_page_until_the_person_signs_in(empty_db):
    at = app().run()
    at.button(key="setup_demo").click().run()
    at.run()
    at.run()

    assert messages(at, "success") == [
        "The demo school is loaded. Sign in as any of the made-up people under Demo sign-ins."]
    specialist = at.table[0].value.loc["specialist"]
    sign_in(at, specialist.username, specialist.password)
    assert messages(at, "success") == []


def test_the_demo_sign_ins_stay_on_the_sign_in_page_after_a_reload(empty_db):
    at = app().run()
    at.button(key="setup_demo").click().run()
    later = app().run()  # a new browser session: a reload, another tab, the next morning

    specialist = later.table[0].value.loc["specialist"]
    sign_in(later, specialist.username, specialist.password)
    assert titles(later) == ["My caseload"]


def test_a_real_school_shows_no_sign_in_table(app_school):
    at = app().run()
    assert not at.table and "Demo sign-ins" not in page_text(at)


# --- signing in ----------------------------------------------------------------------------------


def test_a_signed_out_visitor_sees_the_sign_in_form_and_no_student(app_school):
    at = app().run()
    assert shows_sign_in_form(at)
    text = page_text(at)
    assert "Ana" not in text and "Ben" not in text


@pytest.mark.parametrize("page", PAGES)
def test_a_deep_link_while_signed_out_shows_only_the_sign_in_form(app_school, page):
    at = app(page, query={"student": "1", "plan": "1"}).run()
    assert shows_sign_in_form(at)
    assert not at.exception
    text = page_text(at)
    assert "Ana" not in text and "Lopez" not in text and "Ben" not in text


def test_signing_in_through_the_form_opens_the_specialists_caseload(app_school):
    at = sign_in(app().run(), "sam", "correct horse")
    assert titles(at) == ["My caseload"]
    assert "Ana Lopez" in at.dataframe[0].value["name"].tolist()
    assert "Sam Specialist (specialist)" in [t.value for t in at.sidebar.text]


def test_no_password_hash_is_in_the_session_after_signing_in(app_school):
    at = sign_in(app().run(), "sam", "correct horse")
    assert titles(at) == ["My caseload"]
    held = repr(at.session_state.to_dict())
    assert "$2b$" not in held and "$2a$" not in held  # bcrypt hashes start so


def test_the_authenticator_is_handed_only_the_account_it_asks_for_and_no_password_hash(app_school):
    db, _ = app_school
    held = auth.AccountsByName(db)
    assert "SAM".lower() in held and "nobody" not in held
    assert dict(held) == {"sam": {"name": "Sam Specialist", "email": ""}}
    assert held.get("tia")["name"] == "Tia"
    assert "$2" not in repr(dict(held))


def test_the_authenticator_internals_the_adapter_replaces_are_where_it_expects_them():
    """streamlit-authenticator has no public hook for either: if an upgrade moves them, this fails
    before a sign-in quietly goes back to checking passwords the library's way."""
    import inspect

    from streamlit_authenticator.models.authentication_model import AuthenticationModel

    assert "self.credentials['usernames']" in inspect.getsource(AuthenticationModel.login)
    assert "self.check_credentials(username, password)" in inspect.getsource(AuthenticationModel.login)
    assert hasattr(AuthenticationModel, "check_credentials")


def test_usernames_are_not_case_sensitive_at_sign_in(app_school):
    at = sign_in(app().run(), "SAM", "correct horse")
    assert titles(at) == ["My caseload"]


def test_a_wrong_password_is_refused_with_a_message_and_no_data(app_school):
    at = sign_in(app().run(), "sam", "wrong horse!")
    assert messages(at, "error") == [accounts.REFUSED]
    assert shows_sign_in_form(at)
    assert "Ana" not in page_text(at)


def test_twenty_tries_each_as_an_unknown_user_a_wrong_password_and_a_waiting_address_read_the_same(app_school):
    answers = set()
    for username, password in [("nobody", "correct horse"), ("tia", "wrong horse!"), ("sam", "correct horse")]:
        at = app().run()
        for _ in range(20):
            answers.update(messages(sign_in(at, username, password), "error"))
            assert shows_sign_in_form(at)
    assert answers == {accounts.REFUSED}  # Sam's right password came after the address's failures


def test_failures_from_one_address_never_refuse_the_owner_on_another(app_school):
    at = app().run()
    for _ in range(30):
        sign_in(at, "sam", "wrong horse!")
    assert accounts.sign_in(app_school[0], "sam", "correct horse", "198.51.100.20") == app_school[1].sam


def test_a_disabled_account_cannot_sign_in(app_school):
    db, school = app_school
    accounts.set_active(db, school.ada, school.tia, False)
    at = sign_in(app().run(), "tia", "correct horse")
    assert shows_sign_in_form(at)
    assert messages(at, "error") == [accounts.REFUSED]


def test_a_session_ends_when_its_account_is_disabled(app_school):
    db, school = app_school
    at = app(as_user="tia").run()
    assert titles(at) == ["Home"]
    accounts.set_active(db, school.ada, school.tia, False)
    at.run()
    assert shows_sign_in_form(at)


def test_signing_out_returns_to_the_sign_in_form_and_forgets_the_student(app_school):
    _, school = app_school
    at = sign_in(app().run(), "sam", "correct horse")
    at.session_state["plan_student_pick"] = school.ana_student  # a screen's own key, holding a student
    at.sidebar.button(key="sign_out").click().run()
    assert shows_sign_in_form(at)
    assert "plan_student_pick" not in at.session_state
    assert "plp_user" not in at.session_state
    assert "Ana" not in page_text(at)


def test_signing_out_ends_the_accounts_earlier_cookies_and_is_audited(app_school):
    db, school = app_school
    at = sign_in(app().run(), "sam", "correct horse")
    at.sidebar.button(key="sign_out").click().run()

    sam = accounts.user_by_name(db, "sam")
    assert sam.signed_out_at is not None
    assert accounts.cookie_revoked(sam, sam.signed_out_at - dt.timedelta(seconds=1))
    assert not accounts.cookie_revoked(sam, sam.signed_out_at + dt.timedelta(seconds=1))
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "sign-out", AuditEvent.actor_id == school.sam)) == 1


def test_signing_out_ends_a_session_already_open_elsewhere_at_its_next_run(app_school):
    elsewhere = sign_in(app().run(), "sam", "correct horse")
    here = sign_in(app().run(), "sam", "correct horse")
    here.sidebar.button(key="sign_out").click().run()
    elsewhere.run()
    assert shows_sign_in_form(elsewhere)
    assert "Ana" not in page_text(elsewhere)


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(app_school):
    elsewhere = sign_in(app().run(), "tia", "correct horse")
    here = sign_in(app().run(), "tia", "correct horse")
    here.switch_page("pages/account.py").run()
    here.text_input(key="account_current").input("correct horse")
    here.text_input(key="account_new").input("a brand new sentence")
    here.text_input(key="account_again").input("a brand new sentence")
    here.button(key="account_submit").click().run()
    assert messages(here, "success") == ["Your password is changed."]
    elsewhere.run()
    assert shows_sign_in_form(elsewhere)
    here.run()
    assert not shows_sign_in_form(here)


# --- initial passwords -----------------------------------------------------------------------------


def test_a_new_account_must_choose_its_own_password_before_anything_else(app_school):
    db, school = app_school
    accounts.create_user(db, school.sam, username="nia", display_name="Nia Teacher", password="first password",
                         kind="teacher")
    at = sign_in(app().run(), "nia", "first password")
    assert titles(at) == ["Choose a new password"]
    assert "Supports I owe" not in page_text(at)

    at = app("home", as_user="nia").run()  # a link to another page still shows only this one
    assert titles(at) == ["Choose a new password"]


def test_choosing_a_new_password_opens_the_app(app_school):
    db, school = app_school
    accounts.create_user(db, school.sam, username="nia", display_name="Nia Teacher", password="first password",
                         kind="teacher")
    at = sign_in(app().run(), "nia", "first password")
    field(at, "Current password").input("first password")
    field(at, "New password (at least 8 characters)").input("my own secret")
    field(at, "New password again").input("my own secret")
    at.button(key="account_submit").click().run()

    assert messages(at, "success") == ["Your password is changed. Welcome to PlanTable."]
    assert titles(at) == ["Home"]
    assert accounts.sign_in(db, "nia", "my own secret")


def test_a_reset_password_must_be_changed_at_the_next_sign_in(app_school):
    db, school = app_school
    accounts.reset_password(db, school.sam, school.tia, "temporary pw")
    at = sign_in(app().run(), "tia", "temporary pw")
    assert titles(at) == ["Choose a new password"]


def test_changing_the_password_with_a_wrong_current_one_is_refused(app_school):
    at = app("account", as_user="tia").run()
    field(at, "Current password").input("not my password")
    field(at, "New password (at least 8 characters)").input("my own secret")
    field(at, "New password again").input("my own secret")
    at.button(key="account_submit").click().run()
    assert any("current password" in m for m in messages(at, "error"))


def test_two_different_new_passwords_are_refused_and_the_old_one_still_works(app_school):
    db, _ = app_school
    at = app("account", as_user="tia").run()
    field(at, "Current password").input("correct horse")
    field(at, "New password (at least 8 characters)").input("my own secret")
    field(at, "New password again").input("my own secreT")
    at.button(key="account_submit").click().run()

    assert messages(at, "error") == ["new password: the two new passwords differ."]
    assert accounts.sign_in(db, "tia", "correct horse")


# --- the cookie key ---------------------------------------------------------------------------------


def test_a_cookie_key_shorter_than_32_bytes_is_refused(app_school, monkeypatch):
    monkeypatch.setenv("PLP_COOKIE_KEY", "too short")
    at = app().run()
    assert any("at least 32 bytes" in m for m in messages(at, "error"))
    assert not shows_sign_in_form(at)


def test_a_missing_cookie_key_is_made_once_and_kept_in_the_local_secrets(tmp_path):
    from ui.session import kept_cookie_key

    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text('database_url = "sqlite:///x.db"')
    key = kept_cookie_key(str(secrets))

    assert len(key.encode()) >= 32
    text = secrets.read_text()
    assert 'database_url = "sqlite:///x.db"' in text and key in text
    kept_cookie_key.clear()
    assert kept_cookie_key(str(secrets)) == key
