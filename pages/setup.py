"""First run on an empty database: set up the school and its first specialist, or load the demo school.

The entrypoint shows this screen only while the database holds no school and no account,
so no default password ever exists: the first person chooses theirs here.
"""

import datetime as dt

import streamlit as st

from plpcore import accounts, demo
from ui import session
from ui.feedback import refuse, show_error, write

session.signed_out_screen()
DEMO_STUDENTS = 86


def this_school_year(today: dt.date) -> tuple[str, dt.date, dt.date]:
    """A US school year: late August to early June, named like "2026-27"."""
    start_year = today.year if today.month >= 7 else today.year - 1
    return f"{start_year}-{(start_year + 1) % 100:02d}", dt.date(start_year, 8, 20), dt.date(start_year + 1, 6, 10)


def set_up_school() -> None:
    state = st.session_state
    if state.setup_password != state.setup_password_again:
        refuse("password: the two passwords differ.", where="setup_school")
        return
    write(accounts.set_up_school, session.database(), school_name=state.setup_school_name, year_name=state.setup_year,
          starts_on=state.setup_starts_on, ends_on=state.setup_ends_on, username=state.setup_username.strip(),
          display_name=state.setup_display_name, email=state.setup_email, password=state.setup_password,
          done=f"{state.setup_school_name.strip()} is set up. Sign in as {state.setup_username.strip()}.",
          where="setup_school")


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
        st.form_submit_button("Set up the school", type="primary", key="setup_submit", on_click=set_up_school)
    show_error("setup_school")

with sample:
    st.write(f"A made-up school with {DEMO_STUDENTS} students, their plans, goals, progress and meetings, "
             "and sign-ins for each role. Every page will say that it is a demo. "
             "Use a new, empty database for real students later.")
    # Built in the script, not in the button's callback: a callback cannot show the spinner
    # for the seconds the build takes. The rerun then shows the sign-in form and the new sign-ins.
    if st.button("Load the demo school", key="setup_demo", type="primary"):
        with st.spinner("Building the demo school…"):
            built = write(build_demo, where="setup_demo",
                          done="The demo school is loaded. Its sign-ins are listed beside the sign-in form.")
        if built:
            st.rerun()
    show_error("setup_demo")
