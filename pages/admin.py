"""Admin: people and their sign-ins, who is linked to which student, students, school years.

For specialists and admins. plpcore decides what each may do: a specialist manages the
links of the students on their caseload, an admin the whole school.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from pages.common import SignedIn, database, flash, require_user, show_error
from plpcore import accounts, queries, services
from plpcore.errors import InvalidInput, PlanTableError

KINDS = {"teacher": "Teacher", "guardian": "Parent / guardian", "specialist": "Specialist", "admin": "Admin"}
RELATIONSHIPS = {"teacher": "Teacher", "guardian": "Parent / guardian", "specialist": "Specialist"}


def render() -> None:
    user = require_user()
    st.title("Admin")
    if not user.manages_people:
        st.error("Not found, or you are not allowed to see it.")
        return
    db = database()
    try:
        people = pd.DataFrame(accounts.people(db, user.id))
        students = queries.caseload(db, user.id, whole_school=user.is_admin)
    except PlanTableError as exc:
        show_error(exc)
        return
    tab_people, tab_links, tab_students, tab_years = st.tabs(["People", "Links", "Students", "School years"])
    with tab_people:
        _people(db, user, people)
    with tab_links:
        _links(db, user, people, students)
    with tab_students:
        _students(db, user, students)
    with tab_years:
        _years(db, user)


def _write(action: Callable[[], object], done: str) -> None:
    """Run one plpcore write from a submitted form: report success after a rerun, or the refusal here."""
    try:
        action()
    except PlanTableError as exc:
        show_error(exc)
        return
    flash(done)
    st.rerun()


# --- people -----------------------------------------------------------------------------------------


def _people(db, user: SignedIn, people: pd.DataFrame) -> None:
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
        _add_person(db, user)
    with manage:
        _manage_person(db, user, people)


def _add_person(db, user: SignedIn) -> None:
    st.subheader("Add a person")
    kinds = [k for k in KINDS if user.is_admin or k != "admin"]
    with st.form("admin_add_person", clear_on_submit=False):
        st.text_input("Name", key="admin_new_name", max_chars=200)
        st.text_input("Username", key="admin_new_username", max_chars=64)
        st.text_input("Email (optional)", key="admin_new_email", max_chars=254)
        st.selectbox("Account", kinds, format_func=KINDS.get, key="admin_new_kind")
        st.text_input("Initial password (they choose their own at first sign-in)", type="password",
                      key="admin_new_password")
        if user.is_admin:
            st.checkbox("Also an admin of the school", key="admin_new_is_admin")
        submitted = st.form_submit_button("Add person", type="primary", key="admin_add")
    if submitted:
        state = st.session_state
        _write(lambda: accounts.create_user(
            db, user.id, username=state.admin_new_username.strip(), display_name=state.admin_new_name,
            email=state.admin_new_email, password=state.admin_new_password, kind=state.admin_new_kind,
            is_admin=bool(state.get("admin_new_is_admin")),
        ), f"{state.admin_new_name.strip()} can now sign in as {state.admin_new_username.strip()} "
           "with the initial password, and will choose their own.")


def _manage_person(db, user: SignedIn, people: pd.DataFrame) -> None:
    st.subheader("Password and sign-in")
    manageable = people[people.can_manage]
    labels = {int(r.id): f"{r.name} ({r.username})" for r in manageable.itertuples()}
    person_id = st.selectbox("Person", list(labels), format_func=labels.get, index=None,
                             placeholder="Choose a person", key="admin_person")
    if person_id is None:
        st.caption("Reset a forgotten password (this also unlocks the account), or turn a sign-in off. "
                   + ("" if user.is_admin else "Only for people whose students are all on your caseload."))
        return
    person = people.set_index("id").loc[person_id]
    with st.form("admin_reset_form", clear_on_submit=True):
        st.text_input("Temporary password", type="password", key="admin_reset_password")
        reset = st.form_submit_button("Set temporary password", key="admin_reset")
    if reset:
        _write(lambda: accounts.reset_password(db, user.id, person_id, st.session_state.admin_reset_password),
               f"Password reset for {person['name']}. They will choose a new one when they sign in.")
    if person_id == user.id:
        return
    if person["active"]:
        if st.button("Turn off this sign-in", key="admin_toggle_active"):
            _write(lambda: accounts.set_active(db, user.id, person_id, False), f"{person['name']} can no longer sign in.")
    elif st.button("Turn this sign-in back on", key="admin_toggle_active"):
        _write(lambda: accounts.set_active(db, user.id, person_id, True), f"{person['name']} can sign in again.")


# --- links --------------------------------------------------------------------------------------------


def _links(db, user: SignedIn, people: pd.DataFrame, students: pd.DataFrame) -> None:
    try:
        links = queries.team_links(db, user.id)
    except PlanTableError as exc:
        show_error(exc)
        return
    show_all = st.toggle("Show removed links too", key="admin_links_all")
    shown = links if show_all else links[links.active]
    st.dataframe(
        shown[["student", "person", "username", "relationship", "course", "active"]],
        column_config={"student": "Student", "person": "Person", "username": "Username",
                       "relationship": "Linked as", "course": "Course", "active": "Active"},
        hide_index=True,
        width="stretch",
    )
    add, remove = st.columns(2, gap="large")
    with add:
        st.subheader("Link a person to a student")
        names = {int(i): name for i, name in zip(students.student_id, students["name"], strict=True)}
        adults = people[people.active & (people.kind != "student")]
        person_labels = {int(r.id): f"{r.name} ({r.username})" for r in adults.itertuples()}
        with st.form("admin_link_form"):
            st.selectbox("Student", list(names), format_func=names.get, index=None, key="admin_link_student")
            st.selectbox("Person", list(person_labels), format_func=person_labels.get, index=None,
                         key="admin_link_person")
            st.selectbox("Linked as", list(RELATIONSHIPS), format_func=RELATIONSHIPS.get, key="admin_link_relationship")
            st.text_input("Course (teachers, optional)", key="admin_link_course", max_chars=100)
            submitted = st.form_submit_button("Link", type="primary", key="admin_link")
        if submitted:
            state = st.session_state
            _write(lambda: services.link_user(
                db, user.id, _chosen(state.admin_link_student, "student"), _chosen(state.admin_link_person, "person"),
                state.admin_link_relationship, state.admin_link_course or None,
            ), "Linked.")
    with remove:
        st.subheader("Remove a link")
        active = links[links.active]
        link_labels = {int(r.link_id): f"{r.student} — {r.person} ({r.relationship})" for r in active.itertuples()}
        link_id = st.selectbox("Link", list(link_labels), format_func=link_labels.get, index=None,
                               key="admin_unlink_choice")
        st.caption("A removed link is kept in the history; the person no longer sees the student.")
        if st.button("Remove link", key="admin_unlink", disabled=link_id is None):
            _write(lambda: services.unlink_user(db, user.id, link_id), "Link removed.")


def _chosen(value, field: str):
    if value is None:
        raise InvalidInput(field, "choose one.")
    return value


# --- students -----------------------------------------------------------------------------------------


def _students(db, user: SignedIn, students: pd.DataFrame) -> None:
    add, login = st.columns(2, gap="large")
    with add:
        st.subheader("Add a student")
        with st.form("admin_student_form"):
            st.text_input("Student id (the school's)", key="admin_student_local_id", max_chars=64)
            first, last = st.columns(2)
            first.text_input("First name", key="admin_student_first", max_chars=100)
            last.text_input("Last name", key="admin_student_last", max_chars=100)
            first.text_input("Preferred name (optional)", key="admin_student_preferred", max_chars=100)
            last.number_input("Grade", min_value=0, max_value=12, value=None, step=1, key="admin_student_grade")
            st.multiselect("Gifted identification areas", list(services.GIFTED_AREAS), key="admin_student_areas")
            submitted = st.form_submit_button("Add student", type="primary", key="admin_add_student")
        if submitted:
            state = st.session_state
            _write(lambda: services.create_student(
                db, user.id, local_id=state.admin_student_local_id, first_name=state.admin_student_first,
                last_name=state.admin_student_last, preferred_name=state.admin_student_preferred or None,
                grade=state.admin_student_grade, gifted_areas=state.admin_student_areas,
            ), f"{state.admin_student_first.strip()} {state.admin_student_last.strip()} is added.")
    with login:
        st.subheader("Give a student a sign-in")
        st.caption("A student with a sign-in sees only their own plan.")
        names = {int(i): name for i, name in zip(students.student_id, students["name"], strict=True)}
        with st.form("admin_student_login_form", clear_on_submit=True):
            st.selectbox("Student", list(names), format_func=names.get, index=None, key="admin_login_student")
            st.text_input("Username", key="admin_login_username", max_chars=64)
            st.text_input("Initial password", type="password", key="admin_login_password")
            submitted = st.form_submit_button("Make sign-in", key="admin_student_login")
        if submitted:
            state = st.session_state
            _write(lambda: accounts.give_student_login(
                db, user.id, _chosen(state.admin_login_student, "student"), state.admin_login_username.strip(),
                state.admin_login_password,
            ), "The student can now sign in, and will choose their own password.")


# --- school years ----------------------------------------------------------------------------------------


def _years(db, user: SignedIn) -> None:
    try:
        years = pd.DataFrame(accounts.school_years(db, user.id),
                             columns=["id", "name", "starts_on", "ends_on", "is_current", "periods"])
    except PlanTableError as exc:
        show_error(exc)
        return
    st.dataframe(
        years[["name", "starts_on", "ends_on", "is_current", "periods"]],
        column_config={"name": "Year", "starts_on": "First day", "ends_on": "Last day", "is_current": "Current",
                       "periods": "Reporting periods"},
        hide_index=True,
        width="stretch",
    )
    add, current = st.columns(2, gap="large")
    with add:
        st.subheader("Add a school year")
        with st.form("admin_year_form"):
            st.text_input("Name, e.g. 2027-28", key="admin_year_name", max_chars=20)
            first, last = st.columns(2)
            first.date_input("First day", value=None, key="admin_year_starts_on", format="YYYY-MM-DD")
            last.date_input("Last day", value=None, key="admin_year_ends_on", format="YYYY-MM-DD")
            st.checkbox("Make it the current year now", key="admin_year_current")
            submitted = st.form_submit_button("Add year", type="primary", key="admin_add_year")
        if submitted:
            state = st.session_state
            _write(lambda: accounts.add_school_year(
                db, user.id, state.admin_year_name, state.admin_year_starts_on, state.admin_year_ends_on,
                make_current=state.admin_year_current,
            ), f"School year {state.admin_year_name.strip()} added, with four reporting periods.")
    with current:
        st.subheader("Current year")
        st.caption("New plans and the caseload's flags use the current year.")
        labels = {int(i): name for i, name in zip(years.id, years["name"], strict=True)}
        current_ids = [int(i) for i in years.id[years.is_current]]
        year_id = st.selectbox("Current year", list(labels), format_func=labels.get,
                               index=list(labels).index(current_ids[0]) if current_ids else None,
                               key="admin_current_year")
        if st.button("Make current", key="admin_set_current", disabled=year_id in current_ids or year_id is None):
            _write(lambda: accounts.set_current_year(db, user.id, year_id), f"{labels[year_id]} is now the current year.")


if __name__ == "__main__":  # opened by URL on a fresh server: see common.run_entrypoint_instead
    from pages.common import run_entrypoint_instead

    run_entrypoint_instead()
