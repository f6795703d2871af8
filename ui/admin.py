"""The Admin screen's parts: people and links found by search and shown a page at a time; the forms
to add a person, reset or turn off a sign-in, link and unlink, add a student, give a student a
sign-in, add a school year and choose the current one, start next year's plans from this year's, each
with its one write. No list here
loads the whole school: plpcore finds, counts and pages every one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from plpcore import accounts, identities, queries, rollover, services
from plpcore.db import Database
from plpcore.errors import PlanTableError
from ui.feedback import flash, md, refuse, show_error, show_exception, write
from ui.session import SignedIn

T = TypeVar("T")

KINDS = {"teacher": "Teacher", "guardian": "Parent / guardian", "specialist": "Specialist", "admin": "Admin"}
RELATIONSHIPS = {"teacher": "Teacher", "guardian": "Parent / guardian", "specialist": "Specialist"}


def _chosen(where: str, **picked: Any) -> bool:
    """Every picker of the form has a choice; the first without one is named beside the form."""
    for field, value in picked.items():
        if value is None:
            refuse(f"{field}: choose one.", where=where)
            return False
    return True


def _labels(frame: pd.DataFrame, key: str, label: Callable[[dict[Any, Any]], str]) -> dict[int, str]:
    """A picker's options: each row's id, and how the row reads."""
    return {int(row[key]): label(row) for row in frame.to_dict("records")}


def _person(row: dict[Any, Any]) -> str:
    return f"{row['name']} ({row['username']})"


def _student(row: dict[Any, Any]) -> str:
    return f"{row['name']} ({row['local_id']})"


def _read(query: Callable[[], T]) -> T | None:
    """What a plpcore read returns, or None with its refusal shown in place."""
    try:
        return query()
    except PlanTableError as exc:
        show_exception(exc)
        return None


# --- searching and paging -----------------------------------------------------------------------------


def _page_key(prefix: str) -> str:
    return f"{prefix}_page"


def _first_page(prefix: str) -> None:
    """A new search (or filter) starts again at its first page."""
    st.session_state[_page_key(prefix)] = 1


def _turn_to(prefix: str, page: int) -> None:
    st.session_state[_page_key(prefix)] = page


def _search(prefix: str, label: str) -> tuple[str, int]:
    """A search box and the page of its results the reader is on (from 1)."""
    search = st.text_input(label, key=f"{prefix}_search", max_chars=200, on_change=_first_page, args=(prefix,))
    return search, int(st.session_state.get(_page_key(prefix), 1))


def _pager(prefix: str, found: accounts.Page, noun: str) -> None:
    """Where the page is in the list ("Showing 26–50 of 5,061 people"), and Previous / Next."""
    if not found.total:
        st.caption(f"No {noun} match the search.")
        return
    st.caption(f"Showing {found.first:,}–{found.last:,} of {found.total:,} {noun}, page {found.page:,} of "
               f"{found.pages:,}.")
    if found.pages > 1:
        back, forward = st.columns(2)
        back.button("Previous page", key=f"{prefix}_previous", disabled=found.page <= 1, width="stretch",
                    on_click=_turn_to, args=(prefix, found.page - 1))
        forward.button("Next page", key=f"{prefix}_next", disabled=found.page >= found.pages, width="stretch",
                       on_click=_turn_to, args=(prefix, found.page + 1))


def _matches(found: accounts.Page, noun: str) -> None:
    """Under a picker: how many it offers of how many match, and how to find the one not offered."""
    if found.total > len(found.rows):
        st.caption(f"The first {len(found.rows):,} of {found.total:,} {noun}: type more of a name to find others.")
    elif not found.total:
        st.caption(f"No {noun} match the search.")


def _find_student(db: Database, user: SignedIn, prefix: str) -> dict[int, str]:
    """Search-then-pick: a search box, and the students it finds, for the form's Student picker."""
    search = st.text_input("Find a student (name or school id)", key=f"{prefix}_search", max_chars=200)
    found = _read(lambda: queries.student_page(db, user.id, search))
    if found is None:
        return {}
    _matches(found, "students")
    return {int(row["student_id"]): _student(row) for row in found.rows}


# --- people -----------------------------------------------------------------------------------------

PEOPLE_COLUMNS = {
    "name": "Name", "username": "Username", "kind": "Account", "is_admin": "Admin", "active": "Can sign in",
    "must_change_password": "Initial password", "email": "Email",
}


def people_list(db: Database, user: SignedIn) -> accounts.Page | None:
    """The school's people (a specialist's: as plpcore.accounts.people_page rules), by search, a page at a time."""
    search, page = _search("admin_people", "Find people by name, username or e-mail")
    found = _read(lambda: accounts.people_page(db, user.id, search, page))
    if found is None:
        return None
    st.dataframe(pd.DataFrame(found.rows, columns=["id", *PEOPLE_COLUMNS, "can_manage"])[list(PEOPLE_COLUMNS)],
                 column_config=PEOPLE_COLUMNS, hide_index=True, width="stretch")
    _pager("admin_people", found, "people")
    return found


def add_person(db: Database, user: SignedIn) -> None:
    st.header("Add a person")
    kinds = [k for k in KINDS if user.is_admin or k != "admin"]
    with st.form("admin_add_person", clear_on_submit=False):
        st.text_input("Name", key="admin_new_name", max_chars=200)
        st.text_input("Username", key="admin_new_username", max_chars=64)
        st.text_input("Email (optional: with one, they get a link to choose their own password)",
                      key="admin_new_email", max_chars=254)
        st.selectbox("Account", kinds, format_func=KINDS.__getitem__, key="admin_new_kind")
        st.text_input("Initial password (only without an e-mail; they choose their own at first sign-in)",
                      type="password", key="admin_new_password")
        if user.is_admin:
            st.checkbox("Also an admin of the school", key="admin_new_is_admin")
        st.form_submit_button("Add person", type="primary", key="admin_add", on_click=_add_person, args=(db, user))
    show_error("admin_add_person")
    waiting: accounts.NewAccount | None = st.session_state.get("admin_new_waiting")
    if waiting is not None and waiting.invitation is not None:
        st.warning(md(f"E-mail is not set up yet, so the invitation to {waiting.invitation.name} waits. Share this "
                      "link with them by hand: it works once, for 7 days."), icon=":material/schedule_send:")
        st.code(waiting.invitation.link, language=None, wrap_lines=True)


def _add_person(db: Database, user: SignedIn) -> None:
    state = st.session_state
    state.pop("admin_new_waiting", None)
    name, username = state.admin_new_name, state.admin_new_username.strip()
    made: list[accounts.NewAccount] = []
    if not write(lambda: made.append(accounts.add_person(
            db, user.id, username=username, display_name=name, email=state.admin_new_email,
            password=state.admin_new_password, kind=state.admin_new_kind,
            is_admin=bool(state.get("admin_new_is_admin")))), where="admin_add_person"):
        return
    (account,) = made
    if account.invitation is None:
        flash(f"{name.strip()} can now sign in as {username} with the initial password, and will choose their own.")
    elif account.mail_waiting:
        state["admin_new_waiting"] = account
        flash(f"{name.strip()} is added, as {username}.")
    else:
        flash(f"{name.strip()} is added, as {username}, and is e-mailed a link to choose their own password.")


def manage_person(db: Database, user: SignedIn, found: accounts.Page | None) -> None:
    """Picks among the people the list above shows: search there to find someone else."""
    st.header("Password and sign-in")
    shown = {int(row["id"]): row for row in (found.rows if found else []) if row["can_manage"]}
    person_id = st.selectbox("Person (from the list above)", list(shown), format_func=lambda i: _person(shown[i]),
                             index=None, placeholder="Choose a person", key="admin_person")
    person = shown.get(person_id) if person_id is not None else None
    if person is None:
        st.caption("Reset a forgotten password, or turn a sign-in off. "
                   + ("" if user.is_admin else "Only for people whose students are all on your caseload. ")
                   + "Find the person in the list above first.")
        return
    person_id = int(person["id"])
    name = person["name"]
    with st.form("admin_reset_form", clear_on_submit=True):
        st.text_input("Temporary password", type="password", key="admin_reset_password")
        st.form_submit_button("Set temporary password", key="admin_reset", on_click=_reset_password,
                              args=(db, user, person_id, name))
    show_error("admin_reset_form")
    if person_id == user.id:
        return
    active = bool(person["active"])
    st.button("Turn off this sign-in" if active else "Turn this sign-in back on", key="admin_toggle_active",
              on_click=_set_active, args=(db, user, person_id, name, not active))
    show_error("admin_toggle_active")


def _reset_password(db: Database, user: SignedIn, person_id: int, name: str) -> None:
    write(accounts.reset_password, db, user.id, person_id, st.session_state.admin_reset_password,
          done=f"Password reset for {name}. They will choose a new one when they sign in.", where="admin_reset_form")


def _set_active(db: Database, user: SignedIn, person_id: int, name: str, active: bool) -> None:
    write(accounts.set_active, db, user.id, person_id, active,
          done=f"{name} can sign in again." if active else f"{name} can no longer sign in.", where="admin_toggle_active")


# --- links --------------------------------------------------------------------------------------------


def links_list(db: Database, user: SignedIn) -> accounts.Page | None:
    """Who is linked to which student (the students the actor manages the links of), by search, a page at a time."""
    search, page = _search("admin_links", "Find links by student, person or username")
    removed_too = st.toggle("Show removed links too", key="admin_links_all", on_change=_first_page,
                            args=("admin_links",))
    found = _read(lambda: queries.team_links_page(db, user.id, search, page, removed_too=removed_too))
    if found is None:
        return None
    st.dataframe(
        pd.DataFrame(found.rows, columns=queries.TEAM_LINK_COLUMNS)[
            ["student", "person", "username", "relationship", "course", "active"]],
        column_config={"student": "Student", "person": "Person", "username": "Username",
                       "relationship": "Linked as", "course": "Course", "active": "Active"},
        hide_index=True, width="stretch",
    )
    _pager("admin_links", found, "links")
    return found


def link_person(db: Database, user: SignedIn) -> None:
    st.header("Link a person to a student")
    names = _find_student(db, user, "admin_link_student")
    person_search = st.text_input("Find a person (name, username or e-mail)", key="admin_link_person_search",
                                  max_chars=200)
    people = _read(lambda: accounts.people_page(db, user.id, person_search, linkable=True))
    person_labels = {int(row["id"]): _person(row) for row in (people.rows if people else [])}
    if people is not None:
        _matches(people, "people who can be linked")
    with st.form("admin_link_form"):
        st.selectbox("Student", list(names), format_func=names.__getitem__, index=None, key="admin_link_student")
        st.selectbox("Person", list(person_labels), format_func=person_labels.__getitem__, index=None,
                     key="admin_link_person")
        st.selectbox("Linked as", list(RELATIONSHIPS), format_func=RELATIONSHIPS.__getitem__,
                     key="admin_link_relationship")
        st.text_input("Course (teachers, optional)", key="admin_link_course", max_chars=100)
        st.form_submit_button("Link", type="primary", key="admin_link", on_click=_link, args=(db, user))
    show_error("admin_link_form")


def _link(db: Database, user: SignedIn) -> None:
    state = st.session_state
    if _chosen("admin_link_form", student=state.admin_link_student, person=state.admin_link_person):
        write(services.link_user, db, user.id, state.admin_link_student, state.admin_link_person,
              state.admin_link_relationship, state.admin_link_course or None, done="Linked.", where="admin_link_form")


def unlink(db: Database, user: SignedIn, found: accounts.Page | None) -> None:
    """Picks among the active links the list above shows: search there to find another."""
    st.header("Remove a link")
    labels = {int(row["link_id"]): f"{row['student']} — {row['person']} ({row['relationship']})"
              for row in (found.rows if found else []) if row["active"]}
    link_id = st.selectbox("Link (from the list above)", list(labels), format_func=labels.__getitem__, index=None,
                           key="admin_unlink_choice")
    link_id = link_id if link_id in labels else None
    st.caption("A removed link is kept in the history; the person no longer sees the student. "
               "Find the link in the list above first.")
    st.button("Remove link", key="admin_unlink", disabled=link_id is None, on_click=_unlink, args=(db, user, link_id))
    show_error("admin_unlink")


def _unlink(db: Database, user: SignedIn, link_id: int) -> None:
    write(services.unlink_user, db, user.id, link_id, done="Link removed.", where="admin_unlink")


# --- students -----------------------------------------------------------------------------------------


def add_student(db: Database, user: SignedIn) -> None:
    st.header("Add a student")
    with st.form("admin_student_form"):
        st.text_input("Student id (the school's)", key="admin_student_local_id", max_chars=64)
        first, last = st.columns(2)
        first.text_input("First name", key="admin_student_first", max_chars=100)
        last.text_input("Last name", key="admin_student_last", max_chars=100)
        first.text_input("Preferred name (optional)", key="admin_student_preferred", max_chars=100)
        last.number_input("Grade", min_value=0, max_value=12, value=None, step=1, key="admin_student_grade")
        st.multiselect("Gifted identification areas", list(services.GIFTED_AREAS), key="admin_student_areas")
        st.form_submit_button("Add student", type="primary", key="admin_add_student", on_click=_add_student,
                              args=(db, user))
    show_error("admin_student_form")


def _add_student(db: Database, user: SignedIn) -> None:
    state = st.session_state
    write(services.create_student, db, user.id, local_id=state.admin_student_local_id,
          first_name=state.admin_student_first, last_name=state.admin_student_last,
          preferred_name=state.admin_student_preferred or None, grade=state.admin_student_grade,
          gifted_areas=state.admin_student_areas,
          done=f"{state.admin_student_first.strip()} {state.admin_student_last.strip()} is added.",
          where="admin_student_form")


def student_sign_in(db: Database, user: SignedIn) -> None:
    st.header("Give a student a sign-in")
    st.caption("A student with a sign-in sees only their own plan.")
    names = _find_student(db, user, "admin_login_student")
    with st.form("admin_student_login_form", clear_on_submit=True):
        st.selectbox("Student", list(names), format_func=names.__getitem__, index=None, key="admin_login_student")
        st.text_input("Username", key="admin_login_username", max_chars=64)
        st.text_input("Initial password", type="password", key="admin_login_password")
        st.form_submit_button("Make sign-in", key="admin_student_login", on_click=_give_sign_in, args=(db, user))
    show_error("admin_student_login_form")


def _give_sign_in(db: Database, user: SignedIn) -> None:
    state = st.session_state
    if _chosen("admin_student_login_form", student=state.admin_login_student):
        write(accounts.give_student_login, db, user.id, state.admin_login_student, state.admin_login_username.strip(),
              state.admin_login_password, done="The student can now sign in, and will choose their own password.",
              where="admin_student_login_form")


# --- school years ----------------------------------------------------------------------------------------


def add_year(db: Database, user: SignedIn) -> None:
    st.header("Add a school year")
    with st.form("admin_year_form"):
        st.text_input("Name, e.g. 2027-28", key="admin_year_name", max_chars=20)
        first, last = st.columns(2)
        first.date_input("First day", value=None, key="admin_year_starts_on", format="YYYY-MM-DD")
        last.date_input("Last day", value=None, key="admin_year_ends_on", format="YYYY-MM-DD")
        st.checkbox("Make it the current year now", key="admin_year_current")
        st.form_submit_button("Add year", type="primary", key="admin_add_year", on_click=_add_year, args=(db, user))
    show_error("admin_year_form")


def _add_year(db: Database, user: SignedIn) -> None:
    state = st.session_state
    write(accounts.add_school_year, db, user.id, state.admin_year_name, state.admin_year_starts_on,
          state.admin_year_ends_on, make_current=state.admin_year_current,
          done=f"School year {state.admin_year_name.strip()} added, with four reporting periods.",
          where="admin_year_form")


def current_year(db: Database, user: SignedIn, years: pd.DataFrame) -> None:
    st.header("Current year")
    st.caption("New plans and the caseload's flags use the current year.")
    labels = _labels(years, "id", lambda row: str(row["name"]))
    current_ids = [int(i) for i in years.id[years.is_current]]
    year_id = st.selectbox("Current year", list(labels), format_func=labels.__getitem__,
                           index=list(labels).index(current_ids[0]) if current_ids else None, key="admin_current_year")
    st.button("Make current", key="admin_set_current", disabled=year_id in current_ids or year_id is None,
              on_click=_set_current, args=(db, user, year_id, labels))
    show_error("admin_set_current")


def _set_current(db: Database, user: SignedIn, year_id: int, labels: dict[int, str]) -> None:
    write(accounts.set_current_year, db, user.id, year_id, done=f"{labels[year_id]} is now the current year.",
          where="admin_set_current")


def start_year(db: Database, user: SignedIn, years: pd.DataFrame) -> None:
    """Start a year's draft plans from the year before: a preview of every student first, then one write."""
    st.header("Start a new year's plans")
    st.caption("Each student's draft plan for the new year starts from the year before: the profile answers "
               "(the student's words stay the student's), the goals not yet met, and the supports in place, "
               "proposed again for the team to agree.")
    labels = _labels(years, "id", lambda row: str(row["name"]))
    year_id = st.selectbox("Start which year", list(labels), format_func=labels.__getitem__, index=None,
                           key="admin_rollover_year")
    whole_school = user.is_admin and st.checkbox("Every student in the school", key="admin_rollover_whole")
    if year_id is None:
        return
    rows = _read(lambda: rollover.preview(db, user.id, year_id, whole_school=whole_school))
    if rows is None:
        return
    name = labels[year_id]
    new = sum(bool(row["plan"]) and not row["exists"] for row in rows)
    started = sum(row["exists"] for row in rows)
    summary = [f"{new} {'student gets' if new == 1 else 'students get'} a draft plan for {name}",
               f"{started} already {'has' if started == 1 else 'have'} one"]
    if len(rows) > new + started:
        summary.append(f"{len(rows) - new - started} with no {rows[0]['from_year']} plan to start from")
    st.caption("; ".join(summary) + ".")
    if rows:
        frame = pd.DataFrame([{**row, "plan": row["plan"] or "–", "next_year": _next_year(row),
                               "continuing_goals": "; ".join(row["continuing_goals"])} for row in rows])
        st.dataframe(frame[["name", "plan", "next_year", "answers", "goals", "supports", "continuing_goals"]],
                     column_config={"name": st.column_config.TextColumn("Student", pinned=True),  # stays in view
                                    "plan": "Plan", "next_year": name,
                                    "answers": "Profile answers", "goals": "Continuing goals",
                                    "supports": "Supports", "continuing_goals": "Goals carried over"},
                     hide_index=True, width="stretch", key="admin_rollover_preview")
    st.button(f"Start {name} for {new} {'student' if new == 1 else 'students'}", type="primary",
              key="admin_rollover_start", disabled=new == 0,
              on_click=_start_year, args=(db, user, year_id, name, whole_school))
    show_error("admin_rollover_start")


def _next_year(row: dict[str, Any]) -> str:
    if row["exists"]:
        return "Already started"
    return "New draft" if row["plan"] else f"No {row['from_year']} plan"


def _start_year(db: Database, user: SignedIn, year_id: int, name: str, whole_school: bool) -> None:
    write(rollover.start_year, db, user.id, year_id, whole_school=whole_school,
          done=lambda made: f"Made {made} draft {'plan' if made == 1 else 'plans'} for {name}.",
          where="admin_rollover_start")


# --- school sign-ins (OIDC) ---------------------------------------------------------------------------


def school_sign_ins(db: Database, user: SignedIn) -> None:
    """For an admin, on the People tab: which accounts are linked to a school sign-in, and Remove.
    A removed link signs nobody in; the person's next school sign-in is matched by e-mail again."""
    if not user.is_admin:
        return
    st.header("School sign-ins")
    search, page = _search("admin_sso", "Find school sign-ins by name, username or e-mail")
    found = _read(lambda: identities.linked_identities(db, user.id, search, page))
    if found is None:
        return
    if not found.total and not search:
        st.write("No one has used a school sign-in yet.")
        return
    st.dataframe(
        pd.DataFrame(found.rows, columns=["name", "username", "email", "issuer", "linked_at", "last_used_at"]),
        column_config={"name": "Name", "username": "Username", "email": "Matched by e-mail",
                       "issuer": "Provider", "linked_at": "Linked", "last_used_at": "Last used"},
        hide_index=True, width="stretch",
    )
    _pager("admin_sso", found, "school sign-ins")
    labels = {row["id"]: f"{row['name']} ({row['username']}) — {row['email'] or row['subject']}" for row in found.rows}
    link_id = st.selectbox("School sign-in (from the list above)", list(labels), format_func=labels.__getitem__,
                           index=None, key="admin_sso_choice")
    link_id = link_id if link_id in labels else None
    st.button("Remove school sign-in", key="admin_sso_remove", disabled=link_id is None,
              on_click=_remove_sign_in, args=(db, user, link_id))
    show_error("admin_sso_remove")


def _remove_sign_in(db: Database, user: SignedIn, link_id: int) -> None:
    write(identities.remove_link, db, user.id, link_id, done="School sign-in removed.", where="admin_sso_remove",
          clear=("admin_sso_choice",))
