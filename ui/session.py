"""The session: session-state keys, the database, the signed-in person, and the check every screen starts with."""

from __future__ import annotations

import contextlib
import os
import runpy
import secrets
import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import streamlit as st

from plpcore.db import ROOT, Database, database_url, init_schema

T = TypeVar("T")


class StateKeys:
    """Every session-state key the app shares between screens. Screen-local keys carry the screen's prefix."""

    USER = "plp_user"  # the signed-in SignedIn, set by the entrypoint after sign-in
    FLASH = "plp_flash"  # a one-time success message shown after a rerun
    WELCOME = "plp_welcome"  # the confirmation of set-up or the demo, kept on the sign-in page until sign-in
    ERROR = "plp_error"  # a one-time error message from a callback, shown on the next run
    SIGN_IN_ERROR = "plp_sign_in_error"  # why the last sign-in was refused (wrong password, locked)
    COOKIE = "plp_cookie"  # "set" or "delete": the sign-in cookie to change on the next run
    SIGNED_IN_AT = "plp_signed_in_at"  # when this session signed in (UTC): a later sign-out elsewhere ends it


@dataclass(frozen=True)
class SignedIn:
    """The signed-in person as screens see it: plain values, no password hash."""

    id: int
    username: str
    name: str
    kind: str
    is_admin: bool

    @property
    def manages_people(self) -> bool:
        """Specialists and admins may create accounts, reset passwords and link people."""
        return self.is_admin or self.kind in ("specialist", "admin")


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    db = Database(url)
    init_schema(db)
    return db


def database() -> Database:
    """One Database per URL for the whole server process; sessions are opened per action."""
    return _database(database_url())


def current_user() -> SignedIn | None:
    return st.session_state.get(StateKeys.USER)


# --- one run of the app ----------------------------------------------------------------------------
#
# Until st.navigation has run once in a server process, Streamlit serves the files under pages/
# by URL itself (its older multipage mode): a fresh server's first request for /admin runs
# pages/admin.py without the entrypoint. Every screen's first line therefore asks `screen_user`
# (or `signed_out_screen`), which knows whether the entrypoint is routing this run; when it is
# not, it runs the entrypoint in its place, which decides who is signed in and routes by the
# same URL. The entrypoint marks its runs with `routed()`. This is the one place that knows.

ENTRYPOINT = ROOT / "streamlit_app.py"
_run = threading.local()  # Streamlit runs each session's script in that session's own thread


@contextlib.contextmanager
def routed() -> Iterator[None]:
    """Around the entrypoint's body: the screens it runs know they were routed, and per-run values start empty."""
    _run.routed, _run.values = True, {}
    try:
        yield
    finally:
        _run.routed, _run.values = False, {}


def _route_here() -> None:
    if not getattr(_run, "routed", False):
        runpy.run_path(str(ENTRYPOINT), run_name="__main__")
        st.stop()


def screen_user() -> SignedIn:
    """The first line of every signed-in screen: who is looking. No one signed in, no screen (and no data)."""
    _route_here()
    user = current_user()
    if user is None:
        st.warning("Please sign in.")
        st.stop()
    return user


def signed_out_screen() -> None:
    """The first line of the screens shown before anyone is signed in (sign-in, set-up)."""
    _route_here()


def per_run(name: str, make: Callable[[], T]) -> T:
    """A value made once per run of the app and shared by the frame and the screen it runs
    (never across runs or sessions)."""
    values = getattr(_run, "values", None)
    if values is None:
        return make()
    if name not in values:
        values[name] = make()
    return values[name]


# --- the key that signs the sign-in cookie ----------------------------------------------------------

SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"
MIN_COOKIE_KEY_BYTES = 32


class CookieKeyTooShort(ValueError):
    pass


def cookie_key() -> str:
    """The key that signs sign-in cookies: PLP_COOKIE_KEY, or `cookie_key` in secrets, or one made once.

    A configured key shorter than 32 bytes is refused rather than used.
    """
    key = os.environ.get("PLP_COOKIE_KEY", "").strip()
    if not key and st.secrets.load_if_toml_exists():
        key = str(st.secrets.get("cookie_key", "")).strip()
    if not key:
        key = kept_cookie_key(str(SECRETS_FILE))
    if len(key.encode()) < MIN_COOKIE_KEY_BYTES:
        raise CookieKeyTooShort(
            f"The cookie key (PLP_COOKIE_KEY or cookie_key in .streamlit/secrets.toml) must be at least "
            f"{MIN_COOKIE_KEY_BYTES} bytes long."
        )
    return key


@st.cache_resource(show_spinner=False)
def kept_cookie_key(secrets_file: str) -> str:
    """The `cookie_key` in the local, git-ignored secrets file; made and written there on first run."""
    path = Path(secrets_file)
    existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    key = str(tomllib.loads(existing).get("cookie_key", "")).strip() if existing else ""
    if key:
        return key
    key = secrets.token_urlsafe(48)
    path.parent.mkdir(parents=True, exist_ok=True)
    separator = "" if not existing or existing.endswith("\n") else "\n"
    # Created 0600, so the key is never readable by others, not even for a moment; a file that
    # was already there is made 0600 too, since it now holds the key.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(f'{separator}# Signs sign-in cookies. Made on first run; keep it out of the repository.\n'
                f'cookie_key = "{key}"\n')
    return key


