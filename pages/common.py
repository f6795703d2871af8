"""What every page shares: session-state keys, the database, the signed-in user, messages.

Defines functions and constants only; nothing runs at import time.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from plpcore.db import Database, database_url, init_schema
from plpcore.errors import NotAllowed, NotFound, PlanTableError


class StateKeys:
    """Every session-state key the app shares between pages. Page-local keys carry a page prefix."""

    USER = "plp_user"  # the signed-in SignedIn, set by the entrypoint after sign-in
    STUDENT_ID = "plp_student_id"  # the student a page is about (never trusted: plpcore re-checks)
    PLAN_ID = "plp_plan_id"
    MEETING_ID = "plp_meeting_id"
    CONFLICT = "plp_conflict"  # an EditConflict waiting for the user to choose
    FLASH = "plp_flash"  # a one-time success message shown after a rerun


@dataclass(frozen=True)
class SignedIn:
    """The signed-in person as pages see it: plain values, no password hash."""

    id: int
    username: str
    name: str
    kind: str
    is_admin: bool


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


def show_error(exc: PlanTableError) -> None:
    """Turn a plpcore exception into a message; the text is plpcore's, shown as plain text."""
    if isinstance(exc, NotAllowed | NotFound):
        st.error("Not found, or you are not allowed to see it.")
    else:
        st.error(str(exc))


def flash(message: str) -> None:
    """Show a success message on the next run (after the callback's rerun)."""
    st.session_state[StateKeys.FLASH] = message


def show_flash() -> None:
    message = st.session_state.pop(StateKeys.FLASH, None)
    if message:
        st.success(message)
