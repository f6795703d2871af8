"""What every page shares: session-state keys, the database, the signed-in user, messages.

Defines functions and constants only; nothing runs at import time.
"""

from __future__ import annotations

import os
import re
import runpy
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from plpcore.db import ROOT, Database, database_url, init_schema
from plpcore.errors import NotAllowed, NotFound, PlanTableError


class StateKeys:
    """Every session-state key the app shares between pages. Page-local keys carry a page prefix."""

    USER = "plp_user"  # the signed-in SignedIn, set by the entrypoint after sign-in
    STUDENT_ID = "plp_student_id"  # the student a page is about (never trusted: plpcore re-checks)
    PLAN_ID = "plp_plan_id"
    MEETING_ID = "plp_meeting_id"
    CONFLICT = "plp_conflict"  # an EditConflict waiting for the user to choose
    FLASH = "plp_flash"  # a one-time success message shown after a rerun
    ERROR = "plp_error"  # a one-time error message from a callback, shown on the next run
    SIGN_IN_ERROR = "plp_sign_in_error"  # why the last sign-in was refused (wrong password, locked)
    DEMO_ACCOUNTS = "plp_demo_accounts"  # the demo school's sign-ins, shown to whoever loaded it
    COOKIE = "plp_cookie"  # "set" or "delete": the sign-in cookie to change on the next run


@dataclass(frozen=True)
class SignedIn:
    """The signed-in person as pages see it: plain values, no password hash."""

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


def require_user() -> SignedIn:
    """Every page starts here: no user, no page (and no student data)."""
    user = current_user()
    if user is None:
        st.warning("Please sign in.")
        st.stop()
    return user


# --- messages -----------------------------------------------------------------------------


def error_text(exc: PlanTableError) -> str:
    """What a person reads for a plpcore exception (a refusal never says which it was)."""
    if isinstance(exc, NotAllowed | NotFound):
        return "Not found, or you are not allowed to see it."
    return str(exc)


def show_error(exc: PlanTableError) -> None:
    """Turn a plpcore exception into a message; the text is plpcore's, shown as plain text."""
    st.error(md(error_text(exc)))


def flash(message: str) -> None:
    """Show a success message on the next run (after the callback's rerun)."""
    st.session_state[StateKeys.FLASH] = message


def show_flash() -> None:
    """The messages left by the last action: an error from a callback, or a success."""
    error = st.session_state.pop(StateKeys.ERROR, None)
    if error:
        st.error(md(error))
    message = st.session_state.pop(StateKeys.FLASH, None)
    if message:
        st.success(md(message))


def act(action: Callable[..., Any], *args: Any, done: str = "", **kwargs: Any) -> None:
    """An on_click callback around one plpcore write: say on the next run how it went."""
    try:
        action(*args, **kwargs)
    except PlanTableError as exc:
        st.session_state[StateKeys.ERROR] = error_text(exc)
    else:
        if done:
            flash(done)


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>:$&=^\"'])")


def md(text: object) -> str:
    """Text a person typed, made safe for a Streamlit markdown string (headings, captions, labels).

    Every ASCII punctuation character is backslash-escaped, so `**`, links, `:red[...]`,
    `:material/...:` icons and `$math$` all show as the characters that were typed.
    """
    return _MARKDOWN.sub(r"\\\1", str(text)).replace("\n", " ")


# --- pages ----------------------------------------------------------------------------------

PLAN_URL = "plan"
MEETING_URL = "meeting"
HOME_URL = "home"


def home_page() -> st.Page:
    """Home: the default page of everyone signed in."""
    from pages import home

    return st.Page(home.render, title="Home", icon=":material/home:", url_path=HOME_URL, default=True)


def plan_page() -> st.Page:
    """The Student plan page. A page's identity is its url path, so every caller builds the same one."""
    from pages import plan

    return st.Page(plan.render, title="Student plan", icon=":material/description:", url_path=PLAN_URL)


def meeting_page() -> st.Page:
    """The Meeting room page, built the same way by the router and by pages that switch to it."""
    from pages import meeting

    return st.Page(meeting.render, title="Meeting room", icon=":material/groups:", url_path=MEETING_URL)


def open_meeting(meeting_id: int) -> None:
    """Go to the meeting room for one meeting (the room asks plpcore again before showing anything)."""
    st.session_state[StateKeys.MEETING_ID] = int(meeting_id)
    st.switch_page(meeting_page())


SCHEDULE_FOR = "meeting_new_student"  # the Meetings lobby's student picker


def schedule_meeting(student_id: int) -> None:
    """Go to the Meetings lobby with the schedule form open on one student."""
    st.session_state[StateKeys.MEETING_ID] = None
    st.session_state[SCHEDULE_FOR] = int(student_id)
    st.switch_page(meeting_page())


def open_plan(student_id: int, plan_id: int | None) -> None:
    """Go to the plan page for one student (the plan page asks plpcore again before showing anything)."""
    st.session_state[StateKeys.STUDENT_ID] = int(student_id)
    st.session_state[StateKeys.PLAN_ID] = None if plan_id is None else int(plan_id)
    st.switch_page(plan_page())


ENTRYPOINT = ROOT / "streamlit_app.py"


def run_entrypoint_instead() -> None:
    """For a page file run as a script. Until the entrypoint's st.navigation has run once in a
    server process, Streamlit serves the files under pages/ by URL itself (its older multipage
    mode: a fresh server's first request for /admin runs pages/admin.py). Run the entrypoint in
    its place, in this same run: it decides who is signed in, and routes by the same URL."""
    runpy.run_path(str(ENTRYPOINT), run_name="__main__")


# --- the cookie that keeps a person signed in ----------------------------------------------------

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
    with path.open("a", encoding="utf-8") as f:
        f.write(f'{separator}# Signs sign-in cookies. Made on first run; keep it out of the repository.\n'
                f'cookie_key = "{key}"\n')
    path.chmod(0o600)
    return key


if __name__ == "__main__":
    run_entrypoint_instead()
