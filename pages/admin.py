"""Admin: people and their sign-ins, who is linked to which student, students, school years.

For specialists and admins. plpcore decides what each may do: a specialist manages the
links of the students on their caseload, an admin the whole school.
"""

import pandas as pd
import streamlit as st

from plpcore import accounts, queries
from plpcore.errors import PlanTableError
from ui import admin, session
from ui.feedback import NOT_FOUND, show_exception

user = session.screen_user()
st.title("Admin")
if not user.manages_people:
    st.error(NOT_FOUND)
    st.stop()
db = session.database()
try:
    people = pd.DataFrame(accounts.people(db, user.id))
    # The students this person may pick: plpcore gives an admin the whole school, a specialist their caseload.
    students = queries.caseload(db, user.id, whole_school=True)
except PlanTableError as exc:
    show_exception(exc)
    st.stop()
tab_people, tab_links, tab_students, tab_years = st.tabs(["People", "Links", "Students", "School years"])

with tab_people:
    st.dataframe(
        people[["name", "username", "kind", "is_admin", "active", "must_change_password", "locked", "email"]],
        column_config={
            "name": "Name", "username": "Username", "kind": "Account", "is_admin": "Admin",
            "active": "Can sign in", "must_change_password": "Initial password", "locked": "Locked out",
            "email": "Email",
        },
        hide_index=True,
        width="stretch",
    )
    add, manage = st.columns(2, gap="large")
    with add:
        admin.add_person(db, user)
    with manage:
        admin.manage_person(db, user, people)

with tab_links:
    try:
        links = queries.team_links(db, user.id)
    except PlanTableError as exc:
        show_exception(exc)
    else:
        show_all = st.toggle("Show removed links too", key="admin_links_all")
        st.dataframe(
            (links if show_all else links[links.active])[["student", "person", "username", "relationship", "course",
                                                          "active"]],
            column_config={"student": "Student", "person": "Person", "username": "Username",
                           "relationship": "Linked as", "course": "Course", "active": "Active"},
            hide_index=True,
            width="stretch",
        )
        add, remove = st.columns(2, gap="large")
        with add:
            admin.link_person(db, user, people, students)
        with remove:
            admin.unlink(db, user, links)

with tab_students:
    add, login = st.columns(2, gap="large")
    with add:
        admin.add_student(db, user)
    with login:
        admin.student_sign_in(db, user, students)

with tab_years:
    try:
        years = pd.DataFrame(accounts.school_years(db, user.id),
                             columns=["id", "name", "starts_on", "ends_on", "is_current", "periods"])
    except PlanTableError as exc:
        show_exception(exc)
    else:
        st.dataframe(
            years[["name", "starts_on", "ends_on", "is_current", "periods"]],
            column_config={"name": "Year", "starts_on": "First day", "ends_on": "Last day", "is_current": "Current",
                           "periods": "Reporting periods"},
            hide_index=True,
            width="stretch",
        )
        add, current = st.columns(2, gap="large")
        with add:
            admin.add_year(db, user)
        with current:
            admin.current_year(db, user, years)
