"""Signing in and out: streamlit-authenticator's form and cookie, with the password checked by plpcore.

plpcore decides whether a password is right: it counts failures in the database and
locks an account after five, so a lockout holds across sessions and restarts.
"""

from __future__ import annotations

import datetime as dt
import functools

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from plpcore import accounts
from plpcore.db import Database
from ui.session import SignedIn, StateKeys, cookie_key, per_run

COOKIE_NAME = "plantable_session"
COOKIE_DAYS = 7.0
FORM_KEY = "sign_in"
FORM_FIELDS = {"Form name": "Sign in", "Username": "Username", "Password": "Password", "Login": "Sign in"}
# The authenticator's own session keys: kept when we clear ours, so that signing out sticks.
AUTH_KEYS = ("authentication_status", "username", "name", "email", "roles", "logout", StateKeys.COOKIE)


def authenticator(db: Database) -> stauth.Authenticate:
    """Made once per run, from the accounts in the database (disabled ones are left out); the
    entrypoint and the sign-in screen share it."""
    return per_run("authenticator", lambda: _authenticator(db))


def _authenticator(db: Database) -> stauth.Authenticate:
    auth = stauth.Authenticate(
        accounts.credentials(db),
        cookie_name=COOKIE_NAME,
        cookie_key=cookie_key(),
        cookie_expiry_days=COOKIE_DAYS,
        auto_hash=False,
        # 0.4.2 reads the cookie from the request, so there is nothing to wait for (its annotation is wrong)
        login_sleep_time=0,  # pyright: ignore[reportArgumentType]
    )
    # The library's own check knows nothing of lockouts; plpcore's counts and audits every attempt.
    auth.authentication_controller.authentication_model.check_credentials = functools.partial(_password_ok, db)
    return auth


def _password_ok(db: Database, username: str, password: str) -> bool:
    try:
        accounts.sign_in(db, username, password)
    except accounts.SignInRefused as refused:
        st.session_state[StateKeys.SIGN_IN_ERROR] = str(refused)
        return False
    st.session_state.pop(StateKeys.SIGN_IN_ERROR, None)
    return True


def signed_in_user(auth: stauth.Authenticate, db: Database) -> tuple[SignedIn, bool] | None:
    """Who this session belongs to (from the session or the cookie), and whether they must change
    their password. The account is read again on every run, so disabling it ends the session."""
    by_cookie = not st.session_state.get("authentication_status")
    try:
        auth.login(location="unrendered")  # a valid cookie signs the person in; nothing is drawn
    except LoginError:  # a cookie for an account that has been disabled since
        sign_out(auth)
    account = None
    if st.session_state.get("authentication_status"):
        account = accounts.user_by_name(db, st.session_state.get("username") or "")
        if account is None or not account.active or (by_cookie and _cookie_revoked(auth, account)):
            sign_out(auth)
            account = None
    _change_cookie(auth)
    if account is None:
        st.session_state.pop(StateKeys.USER, None)
        return None
    user = SignedIn(id=account.id, username=account.username, name=account.display_name,
                    kind=str(account.kind), is_admin=account.is_admin)
    st.session_state[StateKeys.USER] = user
    return user, account.must_change_password


def _cookie_revoked(auth: stauth.Authenticate, account) -> bool:
    """A cookie issued before the account last signed out (a copy kept, or replayed) no longer counts.

    The cookie says when it expires, not when it was made: it was made COOKIE_DAYS before that."""
    token = auth.cookie_controller.get_cookie() or {}
    expires = token.get("exp_date")
    if not isinstance(expires, int | float):
        return True
    issued = dt.datetime.fromtimestamp(expires, dt.UTC).replace(tzinfo=None) - dt.timedelta(days=COOKIE_DAYS)
    return accounts.cookie_revoked(account, issued)


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
