"""Admin: people and their sign-ins, who is linked to which student, students, school years and rollover.

For specialists and admins. plpcore decides what each may do: a specialist manages the
links of the students on their caseload, an admin the whole school. People, links and
students are found by search and shown a page at a time, however large the school.
"""

import pandas as pd
import streamlit as st

from plpcore import accounts
from plpcore.errors import PlanTableError
from ui import admin, session
from ui.feedback import NOT_FOUND, show_exception

user = session.screen_user()
st.title("Admin")
if not user.manages_people:
    st.error(NOT_FOUND)
    st.stop()
db = session.database()
# Only the open tab runs (Streamlit reruns the page when another is chosen): each reads its own lists.
tab_people, tab_links, tab_students, tab_years = st.tabs(["People", "Links", "Students", "School years"],
                                                         key="admin_tab", on_change="rerun")

if tab_people.open:
    with tab_people:
        people = admin.people_list(db, user)
        add, manage = st.columns(2, gap="large")
        with add:
            admin.add_person(db, user)
        with manage:
            admin.manage_person(db, user, people)
        admin.school_sign_ins(db, user)

if tab_links.open:
    with tab_links:
        links = admin.links_list(db, user)
        add, remove = st.columns(2, gap="large")
        with add:
            admin.link_person(db, user)
        with remove:
            admin.unlink(db, user, links)

if tab_students.open:
    with tab_students:
        add, login = st.columns(2, gap="large")
        with add:
            admin.add_student(db, user)
        with login:
            admin.student_sign_in(db, user)

if tab_years.open:
    with tab_years:
        try:
            years = pd.DataFrame(accounts.school_years(db, user.id),
                                 columns=["id", "name", "starts_on", "ends_on", "is_current", "periods"])
        except PlanTableError as exc:
            show_exception(exc)
        else:
            st.dataframe(
                years[["name", "starts_on", "ends_on", "is_current", "periods"]],
                column_config={"name": "Year", "starts_on": "First day", "ends_on": "Last day",
                               "is_current": "Current", "periods": "Reporting periods"},
                hide_index=True,
                width="stretch",
            )
            add, current = st.columns(2, gap="large")
            with add:
                admin.add_year(db, user)
            with current:
                admin.current_year(db, user, years)
            admin.start_year(db, user, years)
