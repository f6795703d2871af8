"""The meetings lobby: scheduling a meeting for one of my students, and the list of upcoming meetings to open.

Which student the schedule form is for comes from the URL (`?schedule=<student id>`):
ui.routes.schedule_meeting sets it, and so does the form's student picker.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from plpcore import meetings, queries
from plpcore.db import Database
from plpcore.errors import PlanTableError
from plpcore.models import MeetingKind
from plpcore.shapes import Invitee, UpcomingMeeting
from ui import routes
from ui.feedback import NOT_FOUND, md, show_error, show_exception, write
from ui.meeting.room import MEETING
from ui.session import SignedIn

SCHEDULE = "schedule"  # the URL's ?schedule=
SCHEDULE_FOR = "meeting_new_student"  # the schedule form's student picker
LOBBY_LIST = 30  # meetings listed in the lobby at once


def upcoming(db: Database, user: SignedIn) -> list[UpcomingMeeting] | None:
    """The meetings of my students still to come or running; None (and the reason shown) if refused."""
    try:
        return queries.upcoming_meetings(db, user.id)
    except PlanTableError as exc:
        show_exception(exc)
        return None


def meeting_list(upcoming: list[UpcomingMeeting]) -> None:
    if not upcoming:
        st.info("No meetings are scheduled for your students.")
    shown = upcoming
    if len(upcoming) > LOBBY_LIST:  # a district caseload schedules thousands: find one by name
        needle = st.text_input("Find a student's meetings", key="meeting_find", placeholder="Name").strip().casefold()
        if needle:
            shown = [m for m in upcoming if needle in m["student"].casefold()]
        st.caption(f"The next {min(LOBBY_LIST, len(shown))} of {len(shown)} meetings"
                   + (" for that name." if needle else ". Type a name to find others."))
    for m in shown[:LOBBY_LIST]:
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            st.markdown(md(f"{m['student']} · {m['kind']} · {m['scheduled_at']:%a %b %d, %H:%M}")
                        + (" · :green[**in progress**]" if m["status"] == "in progress" else ""))
            st.button("Join" if m["status"] == "in progress" else "Open", key=f"meeting_join_{m['id']}",
                      on_click=routes.choose, args=(MEETING, m["id"]), kwargs={"drop": (SCHEDULE,)})


# --- scheduling -------------------------------------------------------------------------------------


def schedule_form(db: Database, user: SignedIn, students: dict[int, str]) -> None:
    st.header("Schedule a meeting")
    student_id = routes.asked(SCHEDULE)
    # The picker shows what the URL names (a link from a student's home or plan, or a reload).
    st.session_state[SCHEDULE_FOR] = student_id if student_id in students else None
    st.selectbox("Student", list(students), format_func=students.__getitem__, index=None, placeholder="Choose a student",
                 key=SCHEDULE_FOR, on_change=picked)
    if student_id is None:
        return
    if student_id not in students:
        st.error(NOT_FOUND)
        return
    try:
        plan_id = queries.student_summary(db, user.id, student_id)["current_plan_id"]
        if plan_id is None:
            st.info("This student has no plan for this school year yet.")
            return
        people = queries.meeting_invitees(db, user.id, plan_id)
    except PlanTableError as exc:
        show_exception(exc)
        return
    invitable = [p for p in people if p["user_id"] != user.id]
    with st.form("meeting_new", border=True):
        st.selectbox("Kind of meeting", [k.value for k in MeetingKind], key="meeting_new_kind")
        day, at = st.columns(2)
        day.date_input("Date", key="meeting_new_day", min_value=dt.date.today())
        at.time_input("Time", key="meeting_new_time", value=dt.time(15, 0), step=dt.timedelta(minutes=15))
        st.text_input("Place or video link", key="meeting_new_location", placeholder="Room 12, or https://…")
        invite_boxes(plan_id, invitable)
        st.text_area("Outside guests (one per line: name, role)", key="meeting_new_guests", height=68,
                     placeholder="Dr. Rivera, school counselor")
        st.form_submit_button("Schedule meeting", key="meeting_new_submit", type="primary",
                              on_click=schedule, args=(db, user, plan_id, [p["user_id"] for p in invitable]))
    show_error("meeting_new")


def invite_key(plan_id: int, user_id: int) -> str:
    # Per plan: someone linked to two students may be core to one plan and not the other.
    return f"meeting_new_invite_{plan_id}_{user_id}"


def invite_boxes(plan_id: int, people: list[Invitee]) -> None:
    """One box per person who may be invited, ticked for the plan's core team (plpcore says who)."""
    st.markdown("**Invite**")
    for p in people:
        st.checkbox(md(f"{p['name']} ({p['role']})"), value=p["core"], key=invite_key(plan_id, p["user_id"]))
    others = [p["name"] for p in people if not p["core"]]
    if others:
        st.caption(md(f"Not ticked: {', '.join(others)}. Only the core team is invited by default: the student, "
                      "the parents, the specialists and the teachers who own a support on this plan. Tick anyone "
                      "else who should come."))


def picked() -> None:
    routes.choose(SCHEDULE, st.session_state.get(SCHEDULE_FOR))


def guests_typed(text: str) -> list[tuple[str, str]]:
    rows = []
    for line in (text or "").splitlines():
        if line.strip():
            name, _, role = line.partition(",")
            rows.append((name.strip(), role.strip()))
    return rows


def schedule(db: Database, user: SignedIn, plan_id: int, people: list[int]) -> None:
    s = st.session_state
    write(schedule_and_open, db, user, plan_id, kind=s["meeting_new_kind"],
          scheduled_at=dt.datetime.combine(s["meeting_new_day"], s["meeting_new_time"]),
          location=s["meeting_new_location"] or "",
          invite_user_ids=[uid for uid in people if s.get(invite_key(plan_id, uid))],
          guests=guests_typed(s["meeting_new_guests"]),
          done="Meeting scheduled. Everyone invited sees it on their home page, and is e-mailed an "
               "invitation if they have an address.", where="meeting_new")


def schedule_and_open(db: Database, user: SignedIn, plan_id: int, **meeting: Any) -> None:
    """Schedule the meeting, then open its room (its id in the URL, the schedule form's student out)."""
    meeting_id = meetings.schedule_meeting(db, user.id, plan_id, **meeting)
    routes.choose(MEETING, meeting_id, drop=(SCHEDULE,))
