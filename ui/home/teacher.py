"""A teacher's home: the supports they owe (acknowledge, log as given) and the students they teach."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from plpcore import queries, services
from plpcore.db import Database
from plpcore.errors import PlanTableError
from ui.feedback import into_view, md, show_exception, write
from ui.home.picker import plan_picker
from ui.session import SignedIn

ACKNOWLEDGED = "home_acknowledged"  # the support just acknowledged: its note box takes the focus


def show(db: Database, user: SignedIn, top: Callable[[], None]) -> None:
    """Supports I owe, then my students; `top` draws what comes right under the title (today's meetings)."""
    st.title("Home")
    top()
    st.header("Supports I owe")
    try:
        owed = queries.supports_owed(db, user.id)
        students = queries.my_students(db, user.id)
    except PlanTableError as exc:
        show_exception(exc)
        return
    if owed.empty:
        st.info("No agreed support names you right now.")
    else:
        overdue = int(owed.overdue.sum())
        st.caption(f"{len(owed)} supports, {overdue} due now. Mark each one as seen, and log it when you give it.")
        for support in owed.sort_values(["overdue", "student"], ascending=[False, True]).itertuples():
            _support_card(db, user, support)

    st.header("My students")
    if students.empty:
        st.info("No students are linked to you yet.")
        return
    st.dataframe(
        students[["name", "grade", "relationship", "course"]],
        column_config={"name": "Student", "grade": "Grade", "relationship": "I am their", "course": "Course"},
        hide_index=True,
        width="stretch",
    )
    plan_picker(students)


def _support_card(db: Database, user: SignedIn, support: Any) -> None:
    """One support I owe (plpcore's list holds only agreed or in-place supports that name me or my role)."""
    support_id = int(support.support_id)
    with st.container(border=True):
        text, actions = st.columns([3, 2])
        with text:
            st.markdown(f"**{md(support.student)}**" + ("  :orange-badge[due now]" if support.overdue else ""))
            st.text(support.description)
            given = (f"given {support.times_done} time(s), last on {support.last_done:%b %d}" if support.times_done
                     else "not given yet")
            st.caption(md(f"{support.setting} · {support.frequency or 'as needed'} · {given}"))
        with actions:
            if support.acknowledged:
                st.caption("You have acknowledged this support.")
            else:
                st.button("Acknowledge: I'll do this", key=f"home_ack_{support_id}",
                          help="Tells the team you have seen this support and will give it",
                          on_click=_acknowledge, args=(db, user.id, support_id))
            st.text_input("Note (optional)", key=f"home_note_{support_id}", max_chars=2000)
            st.button("Log: given today", key=f"home_log_{support_id}", type="primary",
                      on_click=_log_support, args=(db, user.id, support_id))
            if st.session_state.get(ACKNOWLEDGED) == support_id:  # just now: the focus goes on, to its note
                del st.session_state[ACKNOWLEDGED]
                into_view(f"home_note_{support_id}")


def _acknowledge(db: Database, user_id: int, support_id: int) -> None:
    """The Acknowledge button goes once pressed, and with it the keyboard focus: the next run gives the
    focus to the same support's note box (WCAG 2.4.3), not to the top of the page."""
    if write(services.acknowledge_support, db, user_id, support_id, done="Support acknowledged."):
        st.session_state[ACKNOWLEDGED] = support_id


def _log_support(db: Database, user_id: int, support_id: int) -> None:
    note_key = f"home_note_{support_id}"
    if write(services.log_support, db, user_id, support_id, note=st.session_state.get(note_key, ""),
             done="Logged for today."):
        st.session_state[note_key] = ""  # logged: the note box is ready for next time
