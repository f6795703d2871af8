"""The meeting room: schedule a meeting, then run it live, one agenda step at a time, and sign the record.

Which meeting comes from the session or the URL and is never trusted: plpcore decides.
The room polls the plan's revision in a small fragment and reruns the page when someone
saved something; every editor sits outside that fragment, so a half-typed edit survives.
Nothing is shared between sessions except the database. Defines functions only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import time
from typing import Any

import streamlit as st

from pages import conflict, plan
from pages.common import SCHEDULE_FOR, SignedIn, StateKeys, act, database, md, require_user
from plpcore import documents, meetings, queries, services
from plpcore.access import Action
from plpcore.db import Database
from plpcore.errors import NotAllowed, NotFound, PlanTableError
from plpcore.models import AgendaStep, AttendanceMode, AttendanceStatus, GoalKind, MeetingKind, SupportStatus

NOT_FOUND = "Not found, or you are not allowed to see it."
MEETING_PARAM = "meeting"
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
NEXT_STEPS_LABELS = {"next_check_in": "Next check-in", "notes": "Meeting notes"}
STATUS_WORDS = {"invited": "not checked in", "present": "present", "absent": "absent", "excused": "excused"}


@dataclasses.dataclass(frozen=True)
class Room:
    """One run's view of the meeting: who is looking, the meeting as plpcore says, and its plan."""

    db: Database
    user: SignedIn
    state: dict[str, Any]
    ctx: plan.Ctx  # the plan document, with the viewer's roles (the plan page's parts take it)

    @property
    def id(self) -> int:
        return self.state["id"]

    @property
    def step(self) -> AgendaStep:
        return AgendaStep(self.state["agenda_step"])

    @property
    def runs(self) -> bool:
        """The viewer may run this meeting (the student's specialist, or an admin)."""
        return self.ctx.can(Action.RUN_MEETING)

    @property
    def me(self) -> dict[str, Any] | None:
        return next((a for a in self.state["attendance"] if a["user_id"] == self.user.id), None)

    @property
    def present(self) -> bool:
        return self.me is not None and self.me["status"] == AttendanceStatus.PRESENT


# --- which meeting --------------------------------------------------------------------------------


def requested() -> object:
    """The meeting asked for: this session's latest choice, else the URL (a reload, a shared link)."""
    chosen = st.session_state.get(StateKeys.MEETING_ID)
    return chosen if chosen is not None else st.query_params.get(MEETING_PARAM)


def choose(meeting_id: int | None) -> None:
    st.session_state[StateKeys.MEETING_ID] = meeting_id
    if meeting_id is None and MEETING_PARAM in st.query_params:
        del st.query_params[MEETING_PARAM]


def not_found() -> None:
    st.error(NOT_FOUND)
    st.button("Back to my meetings", key="meeting_not_found_back", on_click=choose, args=(None,))
    st.stop()


def load_room(db: Database, user: SignedIn, raw: object) -> Room:
    """The meeting and its plan, read plan first: the revision the page shows can only be older
    than what is stored, never newer, so the poll never misses a save."""
    meeting_id = plan.parse_id(raw)
    if meeting_id is None:
        not_found()
    try:
        plan_key = f"meeting_plan_of_{meeting_id}"
        if plan_key not in st.session_state:
            st.session_state[plan_key] = meetings.meeting_state(db, user.id, meeting_id)["plan_id"]
        doc = queries.student_plan(db, user.id, st.session_state[plan_key])
        state = meetings.meeting_state(db, user.id, meeting_id)
    except (NotAllowed, NotFound):
        not_found()
    return Room(db, user, state, plan.Ctx(db, user, doc))


# --- the page ---------------------------------------------------------------------------------------


def render() -> None:
    user = require_user()
    db = database()
    raw = requested()
    if raw is None:
        lobby(db, user)
        return
    room = load_room(db, user, raw)
    st.session_state[StateKeys.MEETING_ID] = room.id
    if st.query_params.get(MEETING_PARAM) != str(room.id):
        st.query_params[MEETING_PARAM] = str(room.id)
    header(room)
    status = room.state["status"]
    if status == "in progress" and room.me is not None:
        st.sidebar.button("Leave the meeting room", key="meeting_leave", icon=":material/logout:", on_click=leave,
                          args=(room,))
    # Always drawn, in the same place, whatever the meeting's status: a fragment that vanished
    # between runs could still tick once and draw over whatever took its place.
    live(db, user.id, room.id, room.ctx.plan_id, room.ctx.doc["plan"]["revision"], status == "in progress")
    if status == "scheduled":
        waiting_room(room)
    elif status == "cancelled":
        st.info("This meeting was cancelled.")
    elif status == "finalized":
        finalized(room)
    else:
        agenda(room)
        STEP_VIEWS[room.step](room)


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
        st.caption(md("In the room now: " + ", ".join(f"{plan.initials(n)} {n}" for n in names)))


def day(value: dt.date) -> str:
    """"Thursday, October 1, 2026"."""
    return f"{value:%A, %B} {value.day}, {value.year}"


def listed(items: list[str], last: str = "and") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def leave(room: Room) -> None:
    act(meetings.leave, room.db, room.user.id, room.id, done="You left the meeting room.")
    choose(None)


def header(room: Room) -> None:
    s, student = room.state, room.ctx.doc["student"]
    st.title(md(f"Meeting room · {student['name']}"))
    facts = [s["kind"][:1].upper() + s["kind"][1:], f"{day(s['scheduled_at'])} at {s['scheduled_at']:%H:%M}"]
    facts += [s["location"]] if s["location"] else []
    facts += [f"{room.ctx.doc['plan']['kind']} {room.ctx.doc['plan']['year']}", s["status"]]
    st.caption(md(" · ".join(facts)))
    with st.container(horizontal=True):
        st.button("All my meetings", key="meeting_all", icon=":material/list:", on_click=choose, args=(None,))
        if video_link(s["location"]) and s["status"] in ("scheduled", "in progress"):
            st.link_button("Open the video call", s["location"], icon=":material/videocam:")


def video_link(location: str) -> bool:
    """A place given as a web address is a video call to open (only http and https, never javascript:)."""
    return location.strip().lower().startswith(("https://", "http://")) and " " not in location.strip()


def agenda(room: Room) -> None:
    """Where the meeting is; the specialist moves it, everyone's screen follows."""
    index = STEPS.index(room.step)
    marks = []
    for i, step in enumerate(STEPS):
        title = f"{i + 1} {STEP_TITLES[step]}"
        marks.append(f":blue-background[**{title}**]" if i == index else f"✓ {title}" if i < index else title)
    st.markdown(" → ".join(marks))
    st.subheader(f"Step {index + 1} of {len(STEPS)}: {STEP_TITLES[room.step]}")
    if room.runs:
        with st.container(horizontal=True):
            if index > 0:
                st.button(f"Back to {STEP_TITLES[STEPS[index - 1]].lower()}", key="meeting_back",
                          icon=":material/arrow_back:", on_click=act,
                          args=(meetings.advance, room.db, room.user.id, room.id, str(room.step), str(STEPS[index - 1])))
            if index + 1 < len(STEPS):
                st.button(f"Next: {STEP_TITLES[STEPS[index + 1]].lower()}", key="meeting_next", type="primary",
                          icon=":material/arrow_forward:", on_click=act,
                          args=(meetings.advance, room.db, room.user.id, room.id, str(room.step)))
    else:
        st.caption("The specialist moves the meeting from step to step; your screen follows.")


# --- before the meeting: the lobby and the waiting room ---------------------------------------------


LOBBY_LIST = 30  # meetings listed in the lobby at once


def lobby(db: Database, user: SignedIn) -> None:
    st.title("Meetings")
    try:
        upcoming = queries.upcoming_meetings(db, user.id)
    except PlanTableError as exc:
        st.error(md(str(exc)))
        return
    # Scheduling comes first: a specialist's list of upcoming meetings runs to dozens.
    students = plan.my_students(db, user)
    if user.manages_people and students:
        schedule_form(db, user, students)
    st.subheader("Upcoming meetings")
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
                      on_click=choose, args=(m["id"],))


def schedule_form(db: Database, user: SignedIn, students: dict[int, str]) -> None:
    st.subheader("Schedule a meeting")
    student_id = st.selectbox("Student", list(students), format_func=students.get, index=None,
                              placeholder="Choose a student", key=SCHEDULE_FOR)
    if student_id is None:
        return
    try:
        plan_id = plan.plan_of_student(db, user, student_id)
        people = queries.meeting_invitees(db, user.id, plan_id)
    except PlanTableError as exc:
        st.error(md(plan.NOT_FOUND if isinstance(exc, NotAllowed | NotFound) else str(exc)))
        return
    invitable = {p["user_id"]: f"{p['name']} ({p['role']})" for p in people if p["user_id"] != user.id}
    with st.form("meeting_new", border=True):
        st.selectbox("Kind of meeting", [k.value for k in MeetingKind], key="meeting_new_kind")
        day, at = st.columns(2)
        day.date_input("Date", key="meeting_new_day", min_value=dt.date.today())
        at.time_input("Time", key="meeting_new_time", value=dt.time(15, 0), step=dt.timedelta(minutes=15))
        st.text_input("Place or video link", key="meeting_new_location", placeholder="Room 12, or https://…")
        st.multiselect("Invite", list(invitable), default=list(invitable), format_func=invitable.get,
                       key="meeting_new_invitees")
        st.text_area("Outside guests (one per line: name, role)", key="meeting_new_guests", height=68,
                     placeholder="Dr. Rivera, school counselor")
        st.form_submit_button("Schedule meeting", key="meeting_new_submit", type="primary",
                              on_click=schedule, args=(db, user, plan_id))
    plan.show_error("meeting_new_error")


def guests_typed(text: str) -> list[tuple[str, str]]:
    rows = []
    for line in (text or "").splitlines():
        if line.strip():
            name, _, role = line.partition(",")
            rows.append((name.strip(), role.strip()))
    return rows


def schedule(db: Database, user: SignedIn, plan_id: int) -> None:
    s = st.session_state

    def write() -> None:
        when = dt.datetime.combine(s["meeting_new_day"], s["meeting_new_time"])
        meeting_id = meetings.schedule_meeting(
            db, user.id, plan_id, kind=s["meeting_new_kind"], scheduled_at=when,
            location=s["meeting_new_location"] or "", invite_user_ids=list(s["meeting_new_invitees"]),
            guests=guests_typed(s["meeting_new_guests"]))
        choose(meeting_id)

    plan.attempt("meeting_new_error", "Meeting scheduled. Everyone invited sees it on their home page.", write)


def invite_file(room: Room) -> bytes:
    s = room.state
    return documents.invite(uid=f"plantable-meeting-{s['id']}", title=f"{s['kind']}: {room.ctx.doc['student']['name']}",
                            starts=s["scheduled_at"], location=s["location"] or "")


def waiting_room(room: Room) -> None:
    with st.container(horizontal=True):
        if room.runs:
            st.button("Open the meeting", key="meeting_open", type="primary", icon=":material/play_arrow:",
                      on_click=act, args=(meetings.open_meeting, room.db, room.user.id, room.id),
                      kwargs={"done": "The meeting is open: everyone invited can join now."})
        st.download_button("Add to my calendar (.ics)", invite_file(room), file_name=f"meeting-{room.id}.ics",
                           mime="text/calendar", key="meeting_ics", icon=":material/event:", on_click="ignore")
        if room.runs:
            st.button("Cancel the meeting", key="meeting_cancel", on_click=act,
                      args=(meetings.cancel, room.db, room.user.id, room.id), kwargs={"done": "Meeting cancelled."})
    if not room.runs:
        st.info("The meeting has not started yet. Keep this page open: it follows when the specialist opens it.")
    st.markdown("**Invited**")
    for a in room.state["attendance"]:
        st.text(f"{a['name']} ({a['role']})")


# --- 1. attendance ---------------------------------------------------------------------------------------


def attendance(room: Room) -> None:
    if not room.present and room.ctx.can(Action.ATTEND_MEETING):
        with st.container(border=True, horizontal=True, vertical_alignment="bottom"):
            st.radio("I am here", [m.value for m in AttendanceMode], horizontal=True, key="meeting_mode")
            st.button("Check in", key="meeting_check_in", type="primary", on_click=check_in, args=(room,))
    attendance_list(room)
    missing_roles(room)
    if room.runs:
        with st.expander("Add an outside guest"), st.form("meeting_guest", border=False, clear_on_submit=True):
            name, role = st.columns(2)
            name.text_input("Name", key="meeting_guest_name")
            role.text_input("Role", key="meeting_guest_role", placeholder="school counselor")
            st.form_submit_button("Add guest (present)", key="meeting_guest_submit", on_click=add_guest, args=(room,))


def check_in(room: Room) -> None:
    mode = st.session_state.get("meeting_mode") or AttendanceMode.IN_PERSON.value
    act(meetings.check_in, room.db, room.user.id, room.id, mode, done="You are checked in.")


def add_guest(room: Room) -> None:
    s = st.session_state
    act(meetings.add_guest, room.db, room.user.id, room.id, s["meeting_guest_name"] or "",
        s["meeting_guest_role"] or "guest", done="Guest added.")


def attendance_list(room: Room) -> None:
    statuses = [s.value for s in AttendanceStatus]
    for a in room.state["attendance"]:
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            mode = f", {a['mode']}" if a["mode"] and a["status"] == "present" else ""
            icon = ":material/check_circle:" if a["status"] == "present" else ":material/radio_button_unchecked:"
            status = STATUS_WORDS.get(a["status"], a["status"])
            st.markdown(f"{icon} **{md(a['name'])}** · {md(a['role'])} · {md(status + mode)}")
            if room.runs and a["user_id"] != room.user.id:
                key = f"meeting_attendance_{a['id']}"
                plan.keep_in_step(key, a["status"], a["version"])
                st.selectbox("Mark", statuses, key=key, label_visibility="collapsed", width=160,
                             on_change=mark, args=(room, a["id"]))


def mark(room: Room, attendance_id: int) -> None:
    status = st.session_state[f"meeting_attendance_{attendance_id}"]
    act(meetings.mark_attendance, room.db, room.user.id, attendance_id, status)


def missing_roles(room: Room) -> None:
    missing = room.state["missing_roles"]
    if missing:
        st.warning("Not here yet: " + listed([ROLE_WORDS.get(r, r) for r in missing]) + ".")
    else:
        st.success("Everyone the meeting needs is here.")


# --- 2. student voice first ----------------------------------------------------------------------------


def student_voice(room: Room) -> None:
    ctx = room.ctx
    waiting = room.state["student_unanswered"]
    st.caption("The student answers first, in their own words (or passes). Then the team adds.")
    for key in services.VOICE_FIRST:
        question = services.PROFILE_SECTIONS[key]
        with st.container(border=True, key=f"meeting_voice_{key}"):
            st.markdown(f"**{question}**")
            mine, team = st.columns(2)
            with mine:
                st.markdown("*In my words*")
                plan.section(ctx, key, "student", question, ctx.can(Action.STUDENT_VOICE))
            with team:
                st.markdown("*The team adds*")
                if key in waiting:
                    st.caption("Opens after the student has answered or passed.")
                else:
                    plan.section(ctx, key, "team", question, ctx.can(Action.TEAM_VOICE))
    if waiting and room.runs:
        st.info("The next step opens when the student has answered or passed every question.")


# --- 3. progress review ------------------------------------------------------------------------------


def current_goals(goals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Goals still in play: not replaced by a revision, not discontinued."""
    return [g for g in goals if g["status"] not in ("revised", "discontinued")]


def progress_review(room: Room) -> None:
    goals = current_goals(room.ctx.doc["goals"])
    if not goals:
        st.info("No current goals to review yet.")
        return
    frame = queries.progress_frame(room.ctx.doc)
    for goal in goals:
        with st.container(border=True):
            st.markdown(f"**{md(goal['statement'])}**")
            st.caption(md(f"{goal['kind']} · {goal['status']}"))
            rated = frame[(frame.goal_id == goal["id"]) & frame.rating.notna()] if not frame.empty else frame
            if not rated.empty:
                st.altair_chart(plan.ratings_chart(rated), width="stretch", key=f"meeting_chart_{goal['id']}")
            for entry in goal["progress"][-2:]:
                rating = plan.RATINGS.get(entry["rating"], "") if entry["rating"] else ""
                st.caption(md(f"{entry['on']:%b %d} · {plan.initials(entry['author'])} {entry['author'] or ''} "
                              f"({entry['author_role']}) · {rating} {entry['note'] or ''}"))
            if not goal["progress"]:
                st.caption("No progress recorded yet.")


# --- 4. goals, 5. supports --------------------------------------------------------------------------


def goals(room: Room) -> None:
    if room.ctx.doc["plan"]["kind"] == "ALP":
        kinds = {g["kind"] for g in current_goals(room.ctx.doc["goals"])}
        lacking = [k.value for k in (GoalKind.ACHIEVEMENT, GoalKind.AFFECTIVE) if k.value not in kinds]
        if lacking:
            st.warning("An ALP needs at least one " + " and one ".join(lacking) + " goal.")
    plan.goals(room.ctx)


def supports(room: Room) -> None:
    st.caption("Agree each support with its owner, setting and frequency: at school and at home.")
    shown = [x for x in room.ctx.doc["supports"] if x["status"] != SupportStatus.STOPPED]
    if not shown:
        st.info("No supports yet.")
    for support in shown:
        support_block(room, support)
    plan.propose_support_form(room.ctx)


def support_block(room: Room, support: dict[str, Any]) -> None:
    prefix = f"meeting_support_{support['id']}"
    with st.container(border=True, key=f"{prefix}_box"):
        st.text(support["description"])
        facts = [support["setting"], f"owner: {support['owner'] or '—'}"]
        facts += [support["frequency"]] if support["frequency"] else []
        st.caption(md(" · ".join(facts)))
        here = " in this meeting" if support["agreed_meeting_id"] == room.id else ""
        st.markdown(f"Status: **{md(support['status'])}**{here}")
        if room.ctx.can(Action.MANAGE_SUPPORTS) and support["status"] == SupportStatus.PROPOSED:
            st.button("Agree", key=f"{prefix}_agree", type="primary", on_click=agree_support,
                      args=(room, support["id"], support["version"]))
        plan.show_error(f"{prefix}_error")
        conflict.show(f"{prefix}_conflict", labels={"status": "Status"}, save=support_saver(room, support["id"]))


def support_saver(room: Room, support_id: int) -> conflict.Save:
    return lambda values, version: services.set_support_status(room.db, room.user.id, support_id, values["status"],
                                                                version, meeting_id=room.id)


def agree_support(room: Room, support_id: int, version: int) -> None:
    prefix = f"meeting_support_{support_id}"
    plan.attempt(f"{prefix}_error", "Support agreed.", lambda: conflict.save_or_park(
        f"{prefix}_conflict", support_saver(room, support_id), {"status": SupportStatus.AGREED.value}, version,
        {"status": SupportStatus.PROPOSED.value}))


# --- 6. next steps -------------------------------------------------------------------------------------


def next_steps(room: Room) -> None:
    s, editable = room.state, room.ctx.can(Action.EDIT_GOALS)
    prefix = "meeting_next"

    def save(values: dict[str, Any], version: int) -> None:
        meetings.set_next_steps(room.db, room.user.id, room.id, version, **values)

    with st.container(border=True):
        shown = conflict.show(f"{prefix}_conflict", labels=NEXT_STEPS_LABELS, save=save,
                              done=functools.partial(plan.close_edit, prefix))
        if not shown and editable and plan.editing(prefix):
            with st.form(f"{prefix}_form", border=False):
                st.date_input("Next check-in", key=f"{prefix}_next_check_in", value=None,
                              min_value=s["scheduled_at"].date())
                st.text_area("Meeting notes", key=f"{prefix}_notes", height=120)
                plan.edit_buttons(prefix, tuple(NEXT_STEPS_LABELS), save, "Next steps saved.")
            plan.show_error(f"{prefix}_error")
        elif not shown:
            when = day(s["next_check_in"]) if s["next_check_in"] else "not set yet"
            st.markdown(f"**Next check-in:** {when}")
            if s["notes"]:
                st.text(s["notes"])
            if editable:
                st.button("Edit next check-in and notes", key=f"{prefix}_edit", on_click=plan.start_edit,
                          args=(prefix, {"next_check_in": s["next_check_in"], "notes": s["notes"]}, s["version"]))
    st.markdown("**Action items**")
    action_items(room)
    if editable:
        with st.form("meeting_action", border=True, clear_on_submit=False):
            what, owner, due = st.columns([3, 2, 1])
            what.text_input("Action item", key="meeting_action_description")
            owner.text_input("Who will do it", key="meeting_action_owner")
            due.date_input("By", key="meeting_action_due", value=None)
            st.form_submit_button("Add action item", key="meeting_action_submit", on_click=add_action, args=(room,))
        plan.show_error("meeting_action_error")


def action_items(room: Room) -> None:
    if not room.state["action_items"]:
        st.caption("No action items yet.")
    for item in room.state["action_items"]:
        due = f" · by {item['due_on']:%b %d}" if item["due_on"] else ""
        by = f" · added by {plan.initials(item['author'])}" if item.get("author") else ""
        st.markdown(f"- {md(item['description'])} — **{md(item['owner'])}**{md(due)}{md(by)}")


def add_action(room: Room) -> None:
    s = st.session_state
    added = plan.attempt("meeting_action_error", "Action item added.", lambda: meetings.add_action_item(
        room.db, room.user.id, room.id, s["meeting_action_description"] or "", s["meeting_action_owner"] or "",
        s["meeting_action_due"]))
    if added:
        s["meeting_action_description"] = s["meeting_action_owner"] = ""
        s["meeting_action_due"] = None


# --- 7. review and sign, and the record --------------------------------------------------------------


def review_and_sign(room: Room) -> None:
    st.caption("Read the summary. Each person who was here acknowledges it; then the specialist finalizes.")
    summary(room)
    st.subheader("Signatures")
    for a in room.state["attendance"]:
        if a["status"] != "present":
            continue
        with st.container(horizontal=True, vertical_alignment="center"):
            mark_ = ":green[**signed**]" if a["signed"] else "not signed yet"
            st.markdown(f"**{md(a['name'])}** ({md(a['role'])}): {mark_}")
            if room.runs and a["user_id"] is None and not a["signed"]:
                st.button(f"Record {a['name']}'s signature", key=f"meeting_sign_guest_{a['id']}", on_click=act,
                          args=(meetings.sign_for_guest, room.db, room.user.id, a["id"]))
    if room.present and not room.me["signed"]:
        st.button("I was here and I have read this", key="meeting_sign", type="primary", icon=":material/draw:",
                  on_click=act, args=(meetings.sign, room.db, room.user.id, room.id),
                  kwargs={"done": "Thank you: your acknowledgement is recorded."})
    elif room.present:
        st.caption("You have signed. The specialist finalizes the record.")
    elif room.me is not None:
        st.caption("Only people checked in as present sign the record.")
    if room.runs:
        finalize_form(room)


def summary(room: Room) -> None:
    doc = room.ctx.doc
    with st.container(border=True):
        st.markdown("**Who attended**")
        for a in room.state["attendance"]:
            mode = f", {a['mode']}" if a["mode"] and a["status"] == "present" else ""
            st.text(f"{a['name']} ({a['role']}): {STATUS_WORDS.get(a['status'], a['status'])}{mode}")
        agreed(doc["sections"], current_goals(doc["goals"]), doc["supports"], room)


def agreed(sections: list[dict], goals: list[dict], supports: list[dict], room: Room) -> None:
    """What the meeting settles: both voices, the goals, the agreed supports and the next steps.
    From the live plan while signing; from the record's snapshot once finalized."""
    st.markdown("**In the student's words, and what the team adds**")
    for key in services.VOICE_FIRST:
        rows = {x["voice"]: x for x in sections if x["key"] == key}
        student = rows.get("student")
        words = (student["text"] or ("(passed)" if student["passed"] else "")) if student else ""
        team = rows["team"]["text"] if "team" in rows else ""
        st.caption(services.PROFILE_SECTIONS[key])
        st.text(f"In my words: {words or '—'}\nThe team adds: {team or '—'}")
    st.markdown("**Goals**")
    for g in goals:
        st.text(f"{g['kind']}: {g['statement']} ({g['status']})")
    st.markdown("**Agreed supports**")
    shown = [x for x in supports if x["status"] in ("agreed", "in place")]
    for x in shown:
        st.text(f"{x['description']} — {x['setting']}, {x['owner'] or '—'}, {x['frequency'] or ''}".rstrip(", "))
    if not shown:
        st.caption("None agreed.")
    st.markdown("**Next steps**")
    when = day(room.state["next_check_in"]) if room.state["next_check_in"] else "not set"
    st.text(f"Next check-in: {when}")
    action_items(room)


def finalize_form(room: Room) -> None:
    st.subheader("Finalize")
    with st.form("meeting_finalize", border=True):
        missing = room.state["missing_roles"]
        if missing:
            st.warning("Nobody is present as " + listed([ROLE_WORDS.get(r, r) for r in missing], "or")
                       + ". Record why before finalizing.")
            st.text_area("Why they are missing", key="meeting_finalize_reason", height=80)
        st.caption("Finalizing makes the permanent meeting record; it cannot be changed afterwards.")
        st.form_submit_button("Finalize the meeting record", key="meeting_finalize_submit", type="primary",
                              on_click=finalize, args=(room,))
    plan.show_error("meeting_finalize_error")


def finalize(room: Room) -> None:
    reason = st.session_state.get("meeting_finalize_reason") or ""
    plan.attempt("meeting_finalize_error", "The meeting is finalized. Its record is ready to download.",
                 lambda: meetings.finalize(room.db, room.user.id, room.id, reason))


def finalized(room: Room) -> None:
    try:
        record = queries.meeting_record(room.db, room.user.id, room.id)
    except PlanTableError:
        not_found()
    if record is None:
        st.info("This meeting is closed.")
        return
    snap = record["snapshot"]
    st.success(f"Finalized on {day(record['created_at'])} at {record['created_at']:%H:%M}. "
               "This record does not change.")
    with st.container(horizontal=True):
        # The PDF is made when someone asks for it, not on every rerun of the room.
        st.download_button("Meeting record (PDF)", functools.partial(documents.record_pdf, record),
                           file_name=f"meeting-{room.id}.pdf", mime="application/pdf", key="meeting_record_pdf",
                           type="primary", icon=":material/picture_as_pdf:", on_click="ignore")
        st.download_button("Meeting record (JSON)", json.dumps(record, ensure_ascii=False, indent=2, default=str),
                           file_name=f"meeting-{room.id}.json", mime="application/json", key="meeting_record_json",
                           icon=":material/data_object:", on_click="ignore")
        next_check_in = room.state["next_check_in"]
        if next_check_in:
            ics = documents.invite(uid=f"plantable-check-in-{room.id}", starts=next_check_in,
                                   title=f"Check-in: {room.ctx.doc['student']['name']}")
            st.download_button(f"Next check-in {next_check_in:%b %d} (.ics)", ics, file_name=f"check-in-{room.id}.ics",
                               mime="text/calendar", key="meeting_check_in_ics", icon=":material/event:",
                               on_click="ignore")
    st.markdown("**Who attended, and who signed**")
    for a in room.state["attendance"]:
        signed = "signed" if a["signed"] else "not signed"
        status = "did not attend" if a["status"] == "invited" else a["status"]
        st.text(f"{a['name']} ({a['role']}): {status}; {signed}")
    with st.container(border=True):
        # From the record, not the plan: editing the plan afterwards does not change what was agreed.
        agreed(snap["sections"], current_goals(snap["goals"]), snap["supports"], room)
    missing = snap["meeting"].get("missing_roles")
    if missing:
        who = listed([ROLE_WORDS.get(r, r) for r in missing])
        st.caption(md(f"Nobody was present as {who}. Reason recorded: "
                      f"{snap['meeting'].get('missing_role_reason') or '—'}"))
    if room.present and not room.me["signed"]:
        st.button("I was here and I have read this", key="meeting_sign", type="primary", on_click=act,
                  args=(meetings.sign, room.db, room.user.id, room.id),
                  kwargs={"done": "Thank you: your acknowledgement is recorded."})


STEP_VIEWS = {
    AgendaStep.ATTENDANCE: attendance,
    AgendaStep.STUDENT_VOICE: student_voice,
    AgendaStep.PROGRESS_REVIEW: progress_review,
    AgendaStep.GOALS: goals,
    AgendaStep.SUPPORTS: supports,
    AgendaStep.NEXT_STEPS: next_steps,
    AgendaStep.REVIEW_AND_SIGN: review_and_sign,
}


if __name__ == "__main__":  # opened by URL on a fresh server: see common.run_entrypoint_instead
    from pages.common import run_entrypoint_instead

    run_entrypoint_instead()
