"""First run on an empty database: set up the school and its first specialist, or load the demo school.

The entrypoint shows this screen only while the database holds no school and no account,
so no default password ever exists: the first person chooses theirs here.
"""

import datetime as dt

import streamlit as st

from plpcore import accounts, demo
from ui import session
from ui.feedback import field_problem, show_error, welcome, write

session.signed_out_screen()
DEMO_STUDENTS = 86


def this_school_year(today: dt.date) -> tuple[str, dt.date, dt.date]:
    """A US school year: late August to early June, named like "2026-27"."""
    start_year = today.year if today.month >= 7 else today.year - 1
    return f"{start_year}-{(start_year + 1) % 100:02d}", dt.date(start_year, 8, 20), dt.date(start_year + 1, 6, 10)


# The form's fields in order: plpcore's field name, the widget's key, the sentence for an empty one.
FIELDS = {
    "school name": ("setup_school_name", "Enter your school's name."),
    "school year": ("setup_year", "Enter the school year's name, such as 2026-27."),
    "year start": ("setup_starts_on", "Choose the first day of the school year."),
    "year end": ("setup_ends_on", "Choose the last day of the school year."),
    "display name": ("setup_display_name", "Enter your name, as your team will see it."),
    "email": ("setup_email", ""),
    "username": ("setup_username", "Choose a username to sign in with."),
    "password": ("setup_password", "Choose a password of at least 8 characters."),
    "password again": ("setup_password_again", "Type the password again."),
}


def problem(field: str) -> None:
    """What was wrong with one field, right under it."""
    key, required = FIELDS[field]
    field_problem("setup_school", field, key, required=required)


def set_up_school() -> None:
    state = st.session_state
    done = write(accounts.set_up_school, session.database(), school_name=state.setup_school_name,
                 year_name=state.setup_year, starts_on=state.setup_starts_on, ends_on=state.setup_ends_on,
                 username=state.setup_username.strip(), display_name=state.setup_display_name, email=state.setup_email,
                 password=state.setup_password, password_again=state.setup_password_again, where="setup_school")
    if done:
        welcome(f"{state.setup_school_name.strip()} is set up. Sign in as {state.setup_username.strip()}, "
                "with the password you just chose.")


def build_demo() -> None:
    demo.build_school(session.database(), students=DEMO_STUDENTS)  # its sign-ins: on the sign-in page


st.title("Set up PlanTable")
st.write("This database is empty. Set up your school and your own specialist account, "
         "or load a made-up demo school to try PlanTable first.")
own, sample = st.tabs(["Set up my school", "Load the demo school"])

with own:
    year_name, starts_on, ends_on = this_school_year(dt.date.today())
    with st.form("setup_school"):
        st.text_input("School name", key="setup_school_name", max_chars=200)
        problem("school name")
        left, middle, right = st.columns(3)
        with left:
            st.text_input("Current school year", value=year_name, key="setup_year", max_chars=20)
            problem("school year")
        with middle:
            st.date_input("First day", value=starts_on, key="setup_starts_on", format="YYYY-MM-DD")
            problem("year start")
        with right:
            st.date_input("Last day", value=ends_on, key="setup_ends_on", format="YYYY-MM-DD")
            problem("year end")
        st.caption("The year is split into four reporting periods; you can change years later on the Admin page.")
        st.divider()
        st.write("**Your account** (a specialist, and the school's first admin)")
        left, right = st.columns(2)
        with left:
            st.text_input("Your name", key="setup_display_name", max_chars=200)
            problem("display name")
            st.text_input("Username", key="setup_username", max_chars=64)
            problem("username")
        with right:
            st.text_input("Email (optional)", key="setup_email", max_chars=254)
            problem("email")
        left, right = st.columns(2)
        with left:
            st.text_input("Password (at least 8 characters)", type="password", key="setup_password")
            problem("password")
        with right:
            st.text_input("Password again", type="password", key="setup_password_again")
            problem("password again")
        st.form_submit_button("Set up the school", type="primary", key="setup_submit", on_click=set_up_school)
        show_error("setup_school", marked=FIELDS)

with sample:
    st.write(f"A made-up school with {DEMO_STUDENTS} students, their plans, goals, progress and meetings, "
             "and sign-ins for each role. Every page will say that it is a demo. "
             "Use a new, empty database for real students later.")
    # Built in the script, not in the button's callback: a callback cannot show the spinner
    # for the seconds the build takes. The rerun then shows the sign-in form and the new sign-ins.
    if st.button("Load the demo school", key="setup_demo", type="primary"):
        with st.spinner("Building the demo school…"):
            built = write(build_demo, where="setup_demo")
        if built:
            welcome("The demo school is loaded. Sign in as any of the made-up people under Demo sign-ins.")
            st.rerun()
    show_error("setup_demo")
