"""First run on an empty database: set up the school and its first specialist, or load the demo school.

The entrypoint shows this page only while the database holds no school and no account,
so no default password ever exists: the first person chooses theirs here.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from pages.common import StateKeys, database, flash, show_error
from plpcore import accounts, demo
from plpcore.errors import InvalidInput, PlanTableError

DEMO_STUDENTS = 86


def _this_school_year(today: dt.date) -> tuple[str, dt.date, dt.date]:
    """A US school year: late August to early June, named like "2026-27"."""
    start_year = today.year if today.month >= 7 else today.year - 1
    return f"{start_year}-{(start_year + 1) % 100:02d}", dt.date(start_year, 8, 20), dt.date(start_year + 1, 6, 10)


def render() -> None:
    st.title("Set up PlanTable")
    st.write("This database is empty. Set up your school and your own specialist account, "
             "or load a made-up demo school to try PlanTable first.")
    own, sample = st.tabs(["Set up my school", "Load the demo school"])
    with own:
        _school_form()
    with sample:
        _demo()


def _school_form() -> None:
    year_name, starts_on, ends_on = _this_school_year(dt.date.today())
    with st.form("setup_school"):
        st.text_input("School name", key="setup_school_name", max_chars=200)
        left, middle, right = st.columns(3)
        left.text_input("Current school year", value=year_name, key="setup_year", max_chars=20)
        middle.date_input("First day", value=starts_on, key="setup_starts_on", format="YYYY-MM-DD")
        right.date_input("Last day", value=ends_on, key="setup_ends_on", format="YYYY-MM-DD")
        st.caption("The year is split into four reporting periods; you can change years later on the Admin page.")
        st.divider()
        st.write("**Your account** (a specialist, and the school's first admin)")
        left, right = st.columns(2)
        left.text_input("Your name", key="setup_display_name", max_chars=200)
        right.text_input("Email (optional)", key="setup_email", max_chars=254)
        left.text_input("Username", key="setup_username", max_chars=64)
        left, right = st.columns(2)
        left.text_input("Password (at least 8 characters)", type="password", key="setup_password")
        right.text_input("Password again", type="password", key="setup_password_again")
        submitted = st.form_submit_button("Set up the school", type="primary", key="setup_submit")
    if not submitted:
        return
    state = st.session_state
    try:
        if state.setup_password != state.setup_password_again:
            raise InvalidInput("password", "the two passwords differ.")
        accounts.set_up_school(
            database(),
            school_name=state.setup_school_name,
            year_name=state.setup_year,
            starts_on=state.setup_starts_on,
            ends_on=state.setup_ends_on,
            username=state.setup_username.strip(),
            display_name=state.setup_display_name,
            email=state.setup_email,
            password=state.setup_password,
        )
    except PlanTableError as exc:
        show_error(exc)
        return
    flash(f"{state.setup_school_name.strip()} is set up. Sign in as {state.setup_username.strip()}.")
    st.rerun()


def _demo() -> None:
    st.write(f"A made-up school with {DEMO_STUDENTS} students, their plans, goals, progress and meetings, "
             "and sign-ins for each role. Every page will say that it is a demo. "
             "Use a new, empty database for real students later.")
    if not st.button("Load the demo school", key="setup_demo", type="primary"):
        return
    try:
        with st.spinner("Building the demo school…"):
            school = demo.build_school(database(), students=DEMO_STUDENTS)
    except PlanTableError as exc:
        show_error(exc)
        return
    st.session_state[StateKeys.DEMO_ACCOUNTS] = [list(row) for row in school.accounts]
    flash("The demo school is loaded. Its sign-ins are listed beside the sign-in form.")
    st.rerun()


if __name__ == "__main__":  # opened by URL on a fresh server: see common.run_entrypoint_instead
    from pages.common import run_entrypoint_instead

    run_entrypoint_instead()
