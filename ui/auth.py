"""Signing in and out: the one adapter over streamlit-authenticator's form and cookie.

Only this module knows the library's internals (tests/test_app_sign_in.py fails when they
move). plpcore decides whether a password is right: it keeps every attempt with its address in
the database, throttles by address and never locks an account's owner out, and every refusal
reads the same. The library is handed no account list: it looks up, by name, the one account a
form or a cookie names, so a run costs the same in a school of 50 or of 50,000 accounts.
"""

from __future__ import annotations

import datetime as dt
import functools

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from plpcore import accounts
from plpcore.db import Database
from plpcore.models import User, utcnow
from ui import sso
from ui.session import SignedIn, StateKeys, cookie_key, per_run

COOKIE_NAME = "plantable_session"
COOKIE_DAYS = 7.0
FORM_KEY = "sign_in"
FORM_FIELDS = {"Form name": "Sign in", "Username": "Username", "Password": "Password", "Login": "Sign in"}
# The authenticator's own session keys: kept when we clear ours, so that signing out sticks.
AUTH_KEYS = ("authentication_status", "username", "name", "email", "roles", "logout", StateKeys.COOKIE)


def authenticator(db: Database) -> stauth.Authenticate:
    """Made once per run; the entrypoint and the sign-in screen share it."""
    return per_run("authenticator", lambda: _authenticator(db))


def _authenticator(db: Database) -> stauth.Authenticate:
    auth = stauth.Authenticate(
        {"usernames": {}},
        cookie_name=COOKIE_NAME,
        cookie_key=cookie_key(),
        cookie_expiry_days=COOKIE_DAYS,
        auto_hash=False,
        # 0.4.2 reads the cookie from the request, so there is nothing to wait for (its annotation is wrong)
        login_sleep_time=0,  # pyright: ignore[reportArgumentType]
    )
    model = auth.authentication_controller.authentication_model
    model.credentials = {"usernames": AccountsByName(db)}
    # The library's own check knows nothing of throttling; plpcore's keeps and audits every attempt.
    model.check_credentials = functools.partial(_password_ok, db)
    return auth


class AccountsByName(dict):
    """The authenticator's `credentials["usernames"]`: an active account's name and e-mail, read
    from the database when the library asks for that name, and never a password hash."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self._db = db

    def __contains__(self, name: object) -> bool:
        if not dict.__contains__(self, name) and isinstance(name, str):
            account = account_named(self._db, name)
            if account is None or not account.active:
                return False
            self[name] = {"name": account.display_name, "email": account.email or ""}
        return dict.__contains__(self, name)

    def __missing__(self, name: str) -> dict:
        if name in self:
            return dict.__getitem__(self, name)
        raise KeyError(name)

    def get(self, name, default=None):  # pyright: ignore[reportIncompatibleMethodOverride]
        return self[name] if name in self else default


def account_named(db: Database, username: str) -> User | None:
    """The account by that name (any case), read once per run however many times it is asked for."""
    name = str(username).strip().lower()
    return per_run(f"account {name}", lambda: accounts.user_by_name(db, name))


def client_address() -> str:
    """The address this session's browser connects from, for throttling and the audit.

    Streamlit's server (uvicorn) takes it from X-Forwarded-For only when the connection comes from
    a proxy in FORWARDED_ALLOW_IPS (by default 127.0.0.1: nginx on the same machine, see
    docs/deploy.md), so a header any browser can send is believed from the proxy alone.
    Streamlit names a loopback peer None (and AppTest, which has no client, something else)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "127.0.0.1"


def _password_ok(db: Database, username: str, password: str) -> bool:
    try:
        accounts.sign_in(db, username, password, client_address())
    except accounts.SignInRefused as refused:
        st.session_state[StateKeys.SIGN_IN_ERROR] = str(refused)
        return False
    st.session_state.pop(StateKeys.SIGN_IN_ERROR, None)
    st.session_state[StateKeys.SIGNED_IN_AT] = utcnow()
    return True


def signed_in_user(auth: stauth.Authenticate, db: Database) -> tuple[SignedIn, bool] | None:
    """Who this session belongs to (from the session or the cookie), and whether they must change
    their password. The account is read again on every run (one indexed read), so disabling it,
    or signing out, changing or resetting its password anywhere else, ends this session too."""
    by_cookie = not st.session_state.get("authentication_status")
    try:
        auth.login(location="unrendered")  # a valid cookie signs the person in; nothing is drawn
    except LoginError:  # a cookie for an account that has been disabled since
        sign_out(auth)
    account = None
    if st.session_state.get("authentication_status"):
        account = account_named(db, st.session_state.get("username") or "")
        since = _cookie_issued(auth) if by_cookie else st.session_state.get(StateKeys.SIGNED_IN_AT)
        if account is None or not account.active or since is None or accounts.cookie_revoked(account, since):
            sign_out(auth)
            account = None
        else:
            st.session_state[StateKeys.SIGNED_IN_AT] = since
    _change_cookie(auth)
    if account is None:
        st.session_state.pop(StateKeys.USER, None)
        return None
    user = SignedIn(id=account.id, username=account.username, name=account.display_name,
                    kind=str(account.kind), is_admin=account.is_admin)
    st.session_state[StateKeys.USER] = user
    return user, account.must_change_password


def _cookie_issued(auth: stauth.Authenticate) -> dt.datetime | None:
    """When this browser's sign-in cookie was made (UTC), or None if it says nothing usable.

    The cookie says when it expires, not when it was made: it was made COOKIE_DAYS before that."""
    token = auth.cookie_controller.get_cookie() or {}
    expires = token.get("exp_date")
    if not isinstance(expires, int | float):
        return None
    return dt.datetime.fromtimestamp(expires, dt.UTC).replace(tzinfo=None) - dt.timedelta(days=COOKIE_DAYS)


def stay_signed_in() -> None:
    """After this session changed its own password: every other session of the account has ended,
    and this one goes on, with a new cookie in place of the one that no longer counts."""
    st.session_state[StateKeys.SIGNED_IN_AT] = utcnow()
    st.session_state[StateKeys.COOKIE] = "set"


def _change_cookie(auth: stauth.Authenticate) -> None:
    """Set or delete the sign-in cookie in a run that is not cut short by st.rerun.

    The cookie is written by a component in the browser; drawn in a run that then reruns
    at once, it never reaches the browser. So sign-in and sign-out ask for it here, on
    the run after theirs.
    """
    change = st.session_state.pop(StateKeys.COOKIE, None)
    if change == "set" and st.session_state.get("authentication_status"):
        auth.cookie_controller.set_cookie()
    elif change == "delete":
        auth.cookie_controller.delete_cookie()


def sign_out(auth: stauth.Authenticate, db: Database | None = None, user_id: int | None = None) -> None:
    """End the session and delete the cookie; forget everything this session was shown.

    Given the account (the Sign out button), also end every sign-in cookie it was given until
    now, so a copy of this browser's cookie signs nobody in afterwards."""
    if db is not None and user_id is not None:
        accounts.sign_out(db, user_id)
    if st.session_state.get("authentication_status"):
        auth.authentication_controller.logout()
    # The cookie still arrives with this session's requests: ignore it from now on.
    st.session_state["logout"] = True
    for key in list(st.session_state):
        if key not in AUTH_KEYS:
            del st.session_state[key]
    st.session_state[StateKeys.COOKIE] = "delete"
    sso.sign_out()  # and the school sign-in's session (st.login), when this one came from it
