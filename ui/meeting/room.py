"""The meeting room around every step: which meeting (from the URL), its header, the live pulse, the agenda.

The room polls the plan's revision in a small fragment and reruns the page when someone
saved something; every editor sits outside that fragment, so a half-typed edit survives.
Nothing is shared between sessions except the database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import time
from typing import NoReturn
from zoneinfo import ZoneInfo

import streamlit as st

from plpcore import clock, documents, meetings, outbox, queries, services
from plpcore.access import Action
from plpcore.db import Database
from plpcore.errors import NotAllowed, NotFound, PlanTableError
from plpcore.models import AgendaStep, AttendanceMode, AttendanceStatus
from plpcore.shapes import Attendance, MeetingState
from ui import editing, frame, routes
from ui.downloads import download_button
from ui.feedback import NOT_FOUND, md, show_error, write
from ui.plan.context import Ctx
from ui.session import SignedIn
from ui.words import initials

MEETING = "meeting"  # the URL's ?meeting=
POLL_SECONDS = 1.0  # SPEC §5: others' changes show within about a second
STEPS = list(AgendaStep)
STEP_TITLES = {
    AgendaStep.ATTENDANCE: "Attendance",
    AgendaStep.STUDENT_VOICE: "Student voice first",
    AgendaStep.PROGRESS_REVIEW: "Progress review",
    AgendaStep.GOALS: "Goals",
    AgendaStep.SUPPORTS: "Supports",
    AgendaStep.NEXT_STEPS: "Next steps",
    AgendaStep.REVIEW_AND_SIGN: "Review and sign",
}
ROLE_WORDS = {"specialist": "the specialist", "teacher": "a teacher", "guardian": "a parent or guardian",
              "student": "the student"}
STATUS_WORDS = {"invited": "not checked in", "present": "present", "absent": "absent", "excused": "excused"}


@dataclasses.dataclass(frozen=True)
class Room:
    """One run's view of the meeting: who is looking, the meeting as plpcore says, and its plan."""

    db: Database
    user: SignedIn
    state: MeetingState
    ctx: Ctx  # the plan document, with the viewer's flags (the plan screen's parts take it)

    @property
    def id(self) -> int:
        return self.state["id"]

    @property
    def status(self) -> str:
        return self.state["status"]

    @property
    def step(self) -> AgendaStep:
        return AgendaStep(self.state["agenda_step"])

    @property
    def runs(self) -> bool:
        """The viewer may run this meeting (the student's specialist, or an admin)."""
        return self.ctx.can(Action.RUN_MEETING)

    @property
    def me(self) -> Attendance | None:
        """The viewer's own row in the attendance, if they were invited."""
        return next((a for a in self.state["attendance"] if a["user_id"] == self.user.id), None)

    @property
    def present(self) -> bool:
        return self.me is not None and self.me["status"] == AttendanceStatus.PRESENT

    @property
    def signed(self) -> bool:
        return self.me is not None and self.me["signed"]


# --- which meeting --------------------------------------------------------------------------------


def asked() -> int | None:
    """The meeting the URL names (None: the lobby); plpcore decides whether the viewer may see it."""
    return routes.asked(MEETING)


def not_found() -> NoReturn:
    st.error(NOT_FOUND)
    st.button("Back to my meetings", key="meeting_not_found_back", on_click=routes.choose, args=(MEETING, None))
    st.stop()


def load_room(db: Database, user: SignedIn) -> Room:
    """The meeting the URL names and its plan, read plan first: the revision the page shows can only
    be older than what is stored, never newer, so the poll never misses a save."""
    meeting_id = asked()
    if meeting_id is None or meeting_id == routes.BAD:
        not_found()
    try:
        # A meeting's plan never changes: remember it, so each run reads the plan before the meeting.
        plan_key = f"meeting_plan_of_{meeting_id}"
        if plan_key not in st.session_state:
            st.session_state[plan_key] = meetings.meeting_state(db, user.id, meeting_id)["plan_id"]
        doc = queries.student_plan(db, user.id, st.session_state[plan_key])
        state = meetings.meeting_state(db, user.id, meeting_id)
    except (NotAllowed, NotFound):
        not_found()
    room = Room(db, user, state, Ctx(db, user, doc))
    routes.keep(MEETING, room.id)
    return room


# --- the live pulse ---------------------------------------------------------------------------------


def pulse(room: Room) -> None:
    """Always drawn, in the same place, whatever the meeting's status: a fragment that vanished
    between runs could still tick once and draw over whatever took its place."""
    live(room.db, room.user.id, room.id, room.ctx.plan_id, room.ctx.doc["plan"]["revision"],
         room.status == "in progress")


@st.fragment(run_every=POLL_SECONDS)
def live(db: Database, user_id: int, meeting_id: int, plan_id: int, shown_revision: int, running: bool) -> None:
    """The room's pulse. One single-row query per tick; when the plan moved, the whole page reruns.

    Presence: a heartbeat at most every few seconds (plpcore throttles it too), and the
    list of who is in the room read at the same time.
    """
    if queries.plan_revision(db, plan_id) != shown_revision:
        st.rerun(scope="app")
    if not running:
        return
    last = st.session_state.get("meeting_heartbeat_at")
    if last is None or time.monotonic() - last >= meetings.HEARTBEAT_EVERY.total_seconds():
        st.session_state["meeting_heartbeat_at"] = time.monotonic()
        try:
            meetings.heartbeat(db, user_id, meeting_id)
            st.session_state["meeting_in_room"] = meetings.in_room(db, user_id, meeting_id)
        except PlanTableError:
            st.session_state["meeting_in_room"] = []
    names = st.session_state.get("meeting_in_room", [])
    if names:
        st.caption(md("In the room now: " + ", ".join(f"{initials(n)} {n}" for n in names)))


# --- words --------------------------------------------------------------------------------------------


def day(value: dt.date) -> str:
    """"Thursday, October 1, 2026"."""
    return f"{value:%A, %B} {value.day}, {value.year}"


def listed(items: list[str], last: str = "and") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def roles_listed(roles: list[str], last: str = "and") -> str:
    """"a parent or guardian and the student"."""
    return listed([ROLE_WORDS.get(r, r) for r in roles], last)


def video_link(location: str) -> bool:
    """A place given as a web address is a video call to open (only http and https, never javascript:)."""
    return location.strip().lower().startswith(("https://", "http://")) and " " not in location.strip()


# --- around every step ----------------------------------------------------------------------------------


def header(room: Room) -> None:
    s, doc = room.state, room.ctx.doc
    frame.title(doc["student"]["name"], routes.MEETING.title)
    st.title(md(f"Meeting room · {doc['student']['name']}"))
    facts = [s["kind"][:1].upper() + s["kind"][1:], held(s["scheduled_at"], s["opened_at"], ZoneInfo(doc["time_zone"]))]
    facts += [s["location"]] if s["location"] else []
    facts += [f"{doc['plan']['kind']} {doc['plan']['year']}", s["status"]]
    st.caption(md(" · ".join(facts)))
    editing.set_aside_notices(doc["set_aside"])
    with st.container(horizontal=True):
        st.button("All my meetings", key="meeting_all", icon=":material/list:", on_click=routes.choose,
                  args=(MEETING, None))
        if video_link(s["location"]) and s["status"] in ("scheduled", "in progress"):
            st.link_button("Open the video call", s["location"], icon=":material/videocam:")


def held(scheduled_at: dt.datetime, opened_at: dt.datetime | None, tz: ZoneInfo) -> str:
    """When the meeting is, at the school: the day it was scheduled for, or the day it was really
    held when that was another day (the record says the same)."""
    when = clock.scheduled(scheduled_at, tz)
    scheduled = f"{day(when)} at {when:%H:%M} {when.tzname()}"
    opened = clock.stamp(opened_at, tz) if opened_at is not None else None
    if opened is None or opened.date() == when.date():
        return scheduled
    return f"Held {day(opened)} (scheduled for {scheduled})"


def check_in_bar(room: Room) -> None:
    """Someone who may attend and is not checked in yet checks in here, at whatever step the meeting
    is: a parent who joins at Supports is recorded as present from then, and signs at the end."""
    if room.present or not room.ctx.can(Action.ATTEND_MEETING):
        return
    # The button names the attendance row's version: a poll tick replaying a click on an older
    # screen's button (before the specialist marked this person, say) finds no button of that name.
    version = room.me["version"] if room.me is not None else 0
    with st.container(border=True, horizontal=True, vertical_alignment="bottom", key="meeting_check_in_bar"):
        st.radio("I am here", [m.value for m in AttendanceMode], horizontal=True, key="meeting_mode")
        st.button("Check in", key=f"meeting_check_in_v{version}", type="primary", icon=":material/how_to_reg:",
                  on_click=check_in, args=(room,))
    if room.step is AgendaStep.REVIEW_AND_SIGN:
        st.caption("Check in to sign the record: only people present sign it.")


def check_in(room: Room) -> None:
    mode = st.session_state.get("meeting_mode") or AttendanceMode.IN_PERSON.value
    write(meetings.check_in, room.db, room.user.id, room.id, mode, done="You are checked in.")


def leave(room: Room) -> None:
    write(meetings.leave, room.db, room.user.id, room.id, done="You left the meeting room.")
    routes.choose(MEETING, None)


def leave_button(room: Room) -> None:
    """Someone in a running meeting leaves it (and is no longer listed as in the room)."""
    if room.status == "in progress" and room.me is not None:
        st.sidebar.button("Leave the meeting room", key="meeting_leave", icon=":material/logout:", on_click=leave,
                          args=(room,))


def agenda(room: Room) -> None:
    """Where the meeting is; the specialist moves it, everyone's screen follows."""
    index = STEPS.index(room.step)
    marks = []
    for i, step in enumerate(STEPS):
        title = f"{i + 1} {STEP_TITLES[step]}"
        marks.append(f":blue-background[**{title}**]" if i == index else f"✓ {title}" if i < index else title)
    st.markdown(" → ".join(marks))
    st.header(f"Step {index + 1} of {len(STEPS)}: {STEP_TITLES[room.step]}")
    if not room.runs:
        st.caption("The specialist moves the meeting from step to step; your screen follows.")
        return
    # Each step has buttons of its own (their keys name the step). With one "Next" for every step, a
    # click's trigger that Streamlit delivers again to the run after its own (a run cut short by the
    # room's poll) reached the button as the next step had drawn it, and moved the meeting twice; a
    # button of the step it was clicked on moves nothing twice (plpcore checks the expected step).
    step = room.step.name.lower()
    # Student voice first: Next waits for the student, on the same list the questions' locks read.
    waiting = room.ctx.doc["voice_waiting"] if room.step is AgendaStep.STUDENT_VOICE else []
    with st.container(horizontal=True):
        if index > 0:
            st.button(f"Back to {STEP_TITLES[STEPS[index - 1]].lower()}", key=f"meeting_back_from_{step}",
                      icon=":material/arrow_back:", on_click=advance, args=(room, STEPS[index - 1]))
        if index + 1 < len(STEPS):
            st.button(f"Next: {STEP_TITLES[STEPS[index + 1]].lower()}", key=f"meeting_next_from_{step}",
                      type="primary", icon=":material/arrow_forward:", on_click=advance, args=(room, None),
                      disabled=bool(waiting))
    if waiting:
        student = room.ctx.doc["student"]
        st.info(md(f"Next opens when {student['preferred_name'] or student['first_name']} has confirmed, updated "
                   f"or passed on {services.questions(waiting)}."), icon=":material/hourglass_top:")


def advance(room: Room, to: AgendaStep | None) -> None:
    """From the step this screen shows (plpcore refuses if the meeting moved meanwhile): back to `to`, or on."""
    write(meetings.advance, room.db, room.user.id, room.id, str(room.step), None if to is None else str(to))


# --- before the meeting: the waiting room -----------------------------------------------------------


def waiting_room(room: Room) -> None:
    with st.container(horizontal=True):
        if room.runs:
            st.button("Open the meeting", key="meeting_open", type="primary", icon=":material/play_arrow:",
                      on_click=open_meeting, args=(room,))
        # Made when someone asks for it, not on every rerun of the room.
        download_button("Add to my calendar (.ics)", functools.partial(meetings.calendar_file, room.db, room.user.id,
                                                                       room.id),
                        file_name=f"meeting-{room.id}.ics", mime="text/calendar", key="meeting_ics",
                        icon=":material/event:", on_click="ignore")
        if room.runs:
            st.button("Cancel the meeting", key="meeting_cancel", on_click=cancel, args=(room,))
    if not room.runs:
        st.info("The meeting has not started yet. Keep this page open: it follows when the specialist opens it.")
    st.markdown("**Invited**")
    for a in room.state["attendance"]:
        st.text(f"{a['name']} ({a['role']})")
    if room.runs:
        move_form(room)
        notice_log(room)


def move_form(room: Room) -> None:
    """Change the time or place: everyone invited gets an updated notice (plpcore sends it)."""
    s, prefix = room.state, f"meeting_move_v{room.state['version']}"  # a new form, with the new values, once moved
    with st.expander("Change the time or place"), st.form(prefix, border=False):
        day_col, time_col = st.columns(2)
        day_col.date_input("Date", value=s["scheduled_at"].date(), key=f"{prefix}_day")
        time_col.time_input("Time", value=s["scheduled_at"].time(), step=dt.timedelta(minutes=15), key=f"{prefix}_time")
        st.text_input("Place or video link", value=s["location"], key=f"{prefix}_location")
        st.form_submit_button("Move the meeting and tell everyone", key=f"{prefix}_submit", on_click=move,
                              args=(room, prefix))
    show_error(prefix)


def move(room: Room, prefix: str) -> None:
    s = st.session_state
    write(meetings.reschedule, room.db, room.user.id, room.id, room.state["version"],
          scheduled_at=dt.datetime.combine(s[f"{prefix}_day"], s[f"{prefix}_time"]),
          location=s[f"{prefix}_location"] or "", where=prefix,
          done="Meeting moved. Everyone invited gets an updated notice and calendar invite.")


def notice_log(room: Room) -> None:
    """The meeting's notices: to whom, when, sent or not and why (what the record will keep)."""
    log = meetings.notice_log(room.db, room.user.id, room.id)
    if log["not_delivered"]:
        waiting = [e for e in log["entries"] if e["status"] in ("waiting", "failed")]
        noun = "invitation" if all(e["notice"] == "invitation" for e in waiting) else "notice"
        n = log["not_delivered"]
        words = f"{n} {noun}{'s' if n != 1 else ''} not delivered yet."
        if outbox.smtp_settings() is None:
            words += (" E-mail is not set up on this server, so they wait. Share the meeting's link by hand: "
                      f"{outbox.base_url()}/{routes.MEETING.url}?meeting={room.id}")
        st.warning(words, icon=":material/mail:")
    st.markdown("**Meeting notices**")
    if not log["entries"]:
        st.caption("Nobody to notify: no one invited has a sign-in.")
    for entry in log["entries"]:
        st.text(documents.notice_line(entry))


def open_meeting(room: Room) -> None:
    write(meetings.open_meeting, room.db, room.user.id, room.id,
          done="The meeting is open: everyone invited can join now.")


def cancel(room: Room) -> None:
    write(meetings.cancel, room.db, room.user.id, room.id, done="Meeting cancelled.")
