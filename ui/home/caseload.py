"""A specialist's (or an admin's) home: the caseload, triaged, with a way into each student's plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from plpcore import queries
from plpcore.db import Database
from plpcore.errors import PlanTableError
from plpcore.export import csv_bytes
from ui import routes
from ui.downloads import download_button
from ui.feedback import show_exception
from ui.home.picker import plan_id_of, plan_picker
from ui.session import SignedIn


def show(db: Database, user: SignedIn, top: Callable[[], None]) -> None:
    """The caseload; `top` draws what comes right under the title (today's meetings)."""
    whole_school = user.kind == "admin"
    st.title("Whole school" if whole_school else "My caseload")
    top()
    if user.is_admin and user.kind != "admin":
        whole_school = st.toggle("Show the whole school", key="home_whole_school")
    try:
        frame = queries.caseload(db, user.id, whole_school=whole_school)
    except PlanTableError as exc:
        show_exception(exc)
        return
    if frame.empty:
        empty_caseload(user)
        return

    counts = frame[list(queries.FLAGS)].sum().to_dict()
    students, attention = st.columns(2)
    students.metric("Students", len(frame))
    attention.metric("Need attention", len(frame.loc[frame["flags"] != ""]))

    search, flags = st.columns([1, 2])
    query = search.text_input("Find a student", key="home_search", placeholder="Name or student id")
    chosen = flags.multiselect(
        "Show only students flagged for",
        list(queries.FLAGS),
        format_func=lambda f: f"{queries.FLAG_LABELS[f]} ({counts[f]})",
        key="home_flags",
    )
    shown = _triaged(_found(frame, query, chosen))

    st.caption(f"{len(shown)} of {len(frame)} students. Click a row to open the student's plan.")
    columns = _columns()
    event = st.dataframe(
        shown[list(columns)],
        column_config=columns,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(shown), 560),
        placeholder="—",
        on_select="rerun",
        selection_mode="single-row",
        key="home_caseload",
    )
    if event.selection.rows:
        row = shown.iloc[event.selection.rows[0]]
        routes.open_plan(int(row.student_id), plan_id_of(row.plan_id))

    pick, download = st.columns([2, 1], vertical_alignment="bottom")
    with pick:
        plan_picker(shown, schedule=True)
    with download:
        download_button(
            "Export caseload (CSV)",
            csv_bytes(shown.drop(columns=["_flag_count"])),
            file_name=f"caseload-{dt.date.today():%Y-%m-%d}.csv",
            mime="text/csv",
            key="home_download",
            width="stretch",
        )


def empty_caseload(user: SignedIn) -> None:
    """How students get here: a school's roster export first (how schools add them), by hand second."""
    st.info("No students yet. Import your roster: the student list your school's information system "
            "exports as a CSV file. Or add students one at a time on the Admin page.")
    if user.manages_people:
        with st.container(horizontal=True):
            st.page_link(routes.IMPORT.path, label="Import a roster", icon=":material/upload_file:")
            st.page_link(routes.ADMIN.path, label="Add a student by hand", icon=":material/person_add:")


def _found(frame: pd.DataFrame, query: str, flags: Sequence[str]) -> pd.DataFrame:
    """The students whose name or student id has the search text in it, and who carry every chosen flag."""
    found = pd.Series(True, index=frame.index)
    if query.strip():
        needle = query.strip().casefold()
        found &= (frame["name"].str.casefold().str.contains(needle, regex=False)
                  | frame["local_id"].str.casefold().str.contains(needle, regex=False))
    for flag in flags:
        found &= frame[flag]
    return frame.loc[found]


def _triaged(frame: pd.DataFrame) -> pd.DataFrame:
    """Students who need attention first, most flags first; then by surname, as schools list them
    (plpcore's order: a stable sort keeps it, while the name still reads "First Last")."""
    return frame.assign(
        plan=[f"{k} · {s}" if isinstance(k, str) else "no plan"
              for k, s in zip(frame.plan_kind, frame.plan_status, strict=True)],
        _flag_count=frame[list(queries.FLAGS)].sum(axis=1),
    ).sort_values("_flag_count", ascending=False, kind="stable")


def _columns() -> dict:
    """The triage table: who needs attention first, then the facts behind it."""
    return {
        "name": st.column_config.TextColumn("Student", width="medium"),
        "flags": st.column_config.TextColumn("Needs attention", width="large"),
        "grade": st.column_config.NumberColumn("Grade", width="small"),
        "plan": st.column_config.TextColumn("Plan", width="small"),
        "achievement_goals": st.column_config.NumberColumn(
            "Achievement", help="Achievement goals on this year's plan (not counting closed ones)"),
        "affective_goals": st.column_config.NumberColumn(
            "Affective", help="Affective (social-emotional) goals on this year's plan"),
        "last_progress": st.column_config.DateColumn("Last progress", format="MMM D"),
        "next_meeting": st.column_config.DatetimeColumn("Next meeting", format="MMM D, h:mm a"),
        "parent_acknowledged": st.column_config.DatetimeColumn("Parent read plan", format="MMM D"),
        "last_home_note": st.column_config.DatetimeColumn(
            "Last from home", format="MMM D", help="The latest home check-in note from a parent"),
    }
