"""The agenda steps of a running meeting, each as the room shows it: attendance, student voice first,
progress review, goals, supports and next steps (review and sign is the record's)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import streamlit as st

from plpcore import meetings, queries, services
from plpcore.access import Action
from plpcore.models import AgendaStep, AttendanceStatus, GoalKind, SupportStatus
from plpcore.rules import live_goals
from plpcore.shapes import Support
from ui import editing
from ui.feedback import md, show_error, write
from ui.meeting.record import action_items, review_and_sign
from ui.meeting.room import STATUS_WORDS, Room, day, roles_listed
from ui.plan import goals as plan_goals
from ui.plan.profile import AtMeeting, first_name, question, viewer_is_student
from ui.plan.progress import chart
from ui.plan.supports import propose_support_form
from ui.words import RATING_LABELS, initials

NEXT_STEPS_LABELS = {"next_check_in": "Next check-in", "notes": "Meeting notes"}


# --- 1. attendance ---------------------------------------------------------------------------------------


def attendance(room: Room) -> None:
    attendance_list(room)
    missing = room.state["missing_roles"]
    if missing:
        st.warning(f"Not here yet: {roles_listed(missing)}.")
    else:
        st.success("Everyone the meeting needs is here.")
    if room.runs:
        with st.expander("Add an outside guest"), st.form("meeting_guest", border=False, clear_on_submit=True):
            name, role = st.columns(2)
            name.text_input("Name", key="meeting_guest_name")
            role.text_input("Role", key="meeting_guest_role", placeholder="school counselor")
            st.form_submit_button("Add guest (present)", key="meeting_guest_submit", on_click=add_guest, args=(room,))


def add_guest(room: Room) -> None:
    s = st.session_state
    write(meetings.add_guest, room.db, room.user.id, room.id, s["meeting_guest_name"] or "",
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
                editing.row_picker(st, "Mark", statuses, prefix=f"meeting_attendance_{a['id']}", stored=a["status"],
                                   version=a["version"], chosen=functools.partial(mark, room, a["id"]),
                                   label_visibility="collapsed", width=160)


def mark(room: Room, attendance_id: int, status: str) -> None:
    write(meetings.mark_attendance, room.db, room.user.id, attendance_id, status)


# --- 2. student voice first ----------------------------------------------------------------------------


def student_voice(room: Room) -> None:
    if viewer_is_student(room.ctx):
        st.caption("You speak first, at every meeting: for each question, say whether your answer is still true, "
                   "update it, or pass. Then the team adds theirs.")
    else:
        name = first_name(room.ctx)
        st.caption(md(f"{name} speaks first, at every meeting: for each question, {name} says whether the earlier "
                      "answer is still true, updates it, or passes. Then the team's side of that question opens."))
    at = AtMeeting(room.id)
    for key in services.VOICE_FIRST:
        question(room.ctx, key, box_key=f"meeting_voice_{key}", meeting=at)


# --- 3. progress review ------------------------------------------------------------------------------


def progress_review(room: Room) -> None:
    goals = live_goals(room.ctx.doc["goals"])
    if not goals:
        st.info("No current goals to review yet.")
        return
    frame = queries.progress_frame(room.ctx.doc)
    for goal in goals:
        with st.container(border=True):
            st.markdown(f"**{md(goal['statement'])}**")
            st.caption(md(f"{goal['kind']} · {goal['status']}"))
            rated = frame.loc[(frame.goal_id == goal["id"]) & frame.rating.notna()] if not frame.empty else frame
            if not rated.empty:
                chart(rated, f"meeting_chart_{goal['id']}")
            for entry in goal["progress"][-2:]:
                rating = RATING_LABELS.get(entry["rating"], "") if entry["rating"] else ""
                st.caption(md(f"{entry['on']:%b %d} · {initials(entry['author'])} {entry['author'] or ''} "
                              f"({entry['author_role']}) · {rating} {entry['note'] or ''}"))
            if not goal["progress"]:
                st.caption("No progress recorded yet.")


# --- 4. goals, 5. supports --------------------------------------------------------------------------


def goals(room: Room) -> None:
    if room.ctx.doc["plan"]["kind"] == "ALP":
        # What plpcore's finalize will insist on, said while there is still time to add it.
        kinds = {g["kind"] for g in live_goals(room.ctx.doc["goals"])}
        lacking = [k.value for k in (GoalKind.ACHIEVEMENT, GoalKind.AFFECTIVE) if k.value not in kinds]
        if lacking:
            st.warning("An ALP needs at least one " + " and one ".join(lacking) + " goal.")
    plan_goals.goals(room.ctx)


def supports(room: Room) -> None:
    st.caption("Agree each support with its owner, setting and frequency: at school and at home.")
    shown = [x for x in room.ctx.doc["supports"] if x["status"] != SupportStatus.STOPPED]
    if not shown:
        st.info("No supports yet.")
    for support in shown:
        support_block(room, support)
    if room.ctx.can(Action.PROPOSE_SUPPORT):
        propose_support_form(room.ctx)


def support_block(room: Room, support: Support) -> None:
    """One support as the meeting agrees it: only the specialist's Agree, and which meeting agreed it."""
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
        show_error(prefix)
        editing.show(f"{prefix}_conflict", labels={"status": "Status"}, save=support_saver(room, support["id"]))


def support_saver(room: Room, support_id: int) -> editing.Save:
    return lambda values, version: services.set_support_status(room.db, room.user.id, support_id, values["status"],
                                                                version, meeting_id=room.id)


def agree_support(room: Room, support_id: int, version: int) -> None:
    prefix = f"meeting_support_{support_id}"
    write(editing.save_or_park, f"{prefix}_conflict", support_saver(room, support_id),
          {"status": SupportStatus.AGREED.value}, version, {"status": SupportStatus.PROPOSED.value},
          done="Support agreed.", where=prefix)


# --- 6. next steps -------------------------------------------------------------------------------------


def next_steps(room: Room) -> None:
    s, editable = room.state, room.ctx.can(Action.EDIT_GOALS)
    prefix = "meeting_next"

    def save(values: dict[str, Any], version: int) -> None:
        meetings.set_next_steps(room.db, room.user.id, room.id, version, **values)

    with st.container(border=True):
        shown = editing.show(f"{prefix}_conflict", labels=NEXT_STEPS_LABELS, save=save,
                             done=functools.partial(editing.close_edit, prefix))
        if not shown and editable and editing.editing(prefix):
            with st.form(f"{prefix}_form", border=False):
                st.date_input("Next check-in", key=f"{prefix}_next_check_in", value=None,
                              min_value=s["scheduled_at"].date())
                st.text_area("Meeting notes", key=f"{prefix}_notes", height=120)
                editing.edit_buttons(prefix, tuple(NEXT_STEPS_LABELS), save, "Next steps saved.")
            show_error(prefix)
        elif not shown:
            when = day(s["next_check_in"]) if s["next_check_in"] else "not set yet"
            st.markdown(f"**Next check-in:** {when}")
            if s["notes"]:
                st.text(s["notes"])
            if editable:
                st.button("Edit next check-in and notes", key=f"{prefix}_edit", on_click=editing.start_edit,
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
        show_error("meeting_action")


def add_action(room: Room) -> None:
    s = st.session_state
    if write(meetings.add_action_item, room.db, room.user.id, room.id, s["meeting_action_description"] or "",
             s["meeting_action_owner"] or "", s["meeting_action_due"], done="Action item added.",
             where="meeting_action"):
        s["meeting_action_description"] = s["meeting_action_owner"] = ""
        s["meeting_action_due"] = None


VIEWS: dict[AgendaStep, Callable[[Room], None]] = {
    AgendaStep.ATTENDANCE: attendance,
    AgendaStep.STUDENT_VOICE: student_voice,
    AgendaStep.PROGRESS_REVIEW: progress_review,
    AgendaStep.GOALS: goals,
    AgendaStep.SUPPORTS: supports,
    AgendaStep.NEXT_STEPS: next_steps,
    AgendaStep.REVIEW_AND_SIGN: review_and_sign,
}
