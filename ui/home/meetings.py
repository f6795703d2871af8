"""The meetings on a home: one running now comes first, records to sign next, scheduled ones at the end."""

from __future__ import annotations

import streamlit as st

from plpcore import queries
from plpcore.db import Database
from plpcore.errors import PlanTableError
from plpcore.shapes import UpcomingMeeting
from ui import routes
from ui.feedback import md
from ui.session import SignedIn

UPCOMING_SHOWN = 5  # a home lists the next few; the meetings lobby has them all


def mine(db: Database, user: SignedIn) -> list[UpcomingMeeting]:
    """Running, then scheduled meetings on my students' plans (none, rather than an error, if refused)."""
    try:
        return queries.upcoming_meetings(db, user.id)
    except PlanTableError:
        return []


def running_now(meetings: list[UpcomingMeeting]) -> None:
    """A meeting in progress is what a person came for: it sits above everything else."""
    for meeting in meetings:
        if meeting["status"] == "in progress":
            _row(meeting, running=True)


def records_to_sign(db: Database, user: SignedIn) -> None:
    """A finalized meeting I attended and have not signed: reading and signing its record is a click away."""
    try:
        records = queries.records_to_sign(db, user.id)
    except PlanTableError:
        return
    for record in records:
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            st.markdown(md(f"The record of {record['student']}'s {record['kind']} on "
                           f"{record['scheduled_at']:%b %d} is ready for you to read and sign."))
            if st.button("Read and sign", key=f"home_sign_{record['id']}", icon=":material/draw:"):
                routes.open_meeting(record["id"])


def upcoming(meetings: list[UpcomingMeeting]) -> None:
    """The next few meetings on my students' plans, each with a button to open its room."""
    scheduled = [m for m in meetings if m["status"] != "in progress"]
    if scheduled:
        st.subheader("Upcoming meetings")
    for meeting in scheduled[:UPCOMING_SHOWN]:
        _row(meeting, running=False)


def _row(meeting: UpcomingMeeting, *, running: bool) -> None:
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        when = f"{meeting['scheduled_at']:%a %b %d, %H:%M}"
        st.markdown(md(f"{meeting['student']} · {meeting['kind']} · {when}")
                    + (" · :green[**in progress now**]" if running else ""))
        if st.button("Join the meeting" if running else "Open", key=f"home_meeting_{meeting['id']}",
                     type="primary" if running else "secondary", icon=":material/groups:"):
            routes.open_meeting(meeting["id"])
