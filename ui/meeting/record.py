"""What a meeting settles: the summary everyone signs, finalizing it, and the permanent record afterwards."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from plpcore import documents, meetings, queries, services
from plpcore.errors import PlanTableError
from plpcore.rules import LIVE_SUPPORT, live_goals
from plpcore.shapes import MeetingRecordDoc
from ui.feedback import md, show_error, write
from ui.meeting.room import STATUS_WORDS, Room, day, not_found, roles_listed
from ui.words import initials

SIGN = "I was here and I have read this"
SIGNED = "Thank you: your acknowledgement is recorded."


def action_items(room: Room) -> None:
    if not room.state["action_items"]:
        st.caption("No action items yet.")
    for item in room.state["action_items"]:
        due = f" · by {item['due_on']:%b %d}" if item["due_on"] else ""
        by = f" · added by {initials(item['author'])}" if item.get("author") else ""
        st.markdown(f"- {md(item['description'])} — **{md(item['owner'])}**{md(due)}{md(by)}")


Rows = Sequence[Mapping[str, Any]]  # a plan document's rows, or a record snapshot's


def agreed(sections: Rows, goals: Rows, supports: Rows, room: Room) -> None:
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
    shown = [x for x in supports if x["status"] in LIVE_SUPPORT]
    for x in shown:
        st.text(f"{x['description']} — {x['setting']}, {x['owner'] or '—'}, {x['frequency'] or ''}".rstrip(", "))
    if not shown:
        st.caption("None agreed.")
    st.markdown("**Next steps**")
    when = day(room.state["next_check_in"]) if room.state["next_check_in"] else "not set"
    st.text(f"Next check-in: {when}")
    action_items(room)


# --- 7. review and sign ------------------------------------------------------------------------------


def review_and_sign(room: Room) -> None:
    st.caption("Read the summary. Each person who was here acknowledges it; then the specialist finalizes.")
    summary(room)
    st.subheader("Signatures")
    for a in room.state["attendance"]:
        if a["status"] != "present":
            continue
        with st.container(horizontal=True, vertical_alignment="center"):
            mark = ":green[**signed**]" if a["signed"] else "not signed yet"
            st.markdown(f"**{md(a['name'])}** ({md(a['role'])}): {mark}")
            if room.runs and a["user_id"] is None and not a["signed"]:
                st.button(f"Record {a['name']}'s signature", key=f"meeting_sign_guest_{a['id']}",
                          on_click=sign_for_guest, args=(room, a["id"]))
    if room.present and not room.signed:
        st.button(SIGN, key="meeting_sign", type="primary", icon=":material/draw:", on_click=sign, args=(room,))
    elif room.present:
        st.caption("You have signed. The specialist finalizes the record.")
    elif room.me is not None:
        st.caption("Only people checked in as present sign the record.")
    if room.runs:
        finalize_form(room)


def sign(room: Room) -> None:
    write(meetings.sign, room.db, room.user.id, room.id, done=SIGNED)


def sign_for_guest(room: Room, attendance_id: int) -> None:
    """A guest (or a student without a sign-in) signs on paper; the specialist records it."""
    write(meetings.sign_for_guest, room.db, room.user.id, attendance_id)


def summary(room: Room) -> None:
    doc = room.ctx.doc
    with st.container(border=True):
        st.markdown("**Who attended**")
        for a in room.state["attendance"]:
            mode = f", {a['mode']}" if a["mode"] and a["status"] == "present" else ""
            st.text(f"{a['name']} ({a['role']}): {STATUS_WORDS.get(a['status'], a['status'])}{mode}")
        agreed(doc["sections"], live_goals(doc["goals"]), doc["supports"], room)


def finalize_form(room: Room) -> None:
    st.subheader("Finalize")
    with st.form("meeting_finalize", border=True):
        missing = room.state["missing_roles"]
        if missing:
            st.warning(f"Nobody is present as {roles_listed(missing, 'or')}. Record why before finalizing.")
            st.text_area("Why they are missing", key="meeting_finalize_reason", height=80)
        st.caption("Finalizing makes the permanent meeting record; it cannot be changed afterwards.")
        st.form_submit_button("Finalize the meeting record", key="meeting_finalize_submit", type="primary",
                              on_click=finalize, args=(room,))
    show_error("meeting_finalize")


def finalize(room: Room) -> None:
    reason = st.session_state.get("meeting_finalize_reason") or ""
    write(meetings.finalize, room.db, room.user.id, room.id, reason,
          done="The meeting is finalized. Its record is ready to download.", where="meeting_finalize")


# --- after the meeting: the record ----------------------------------------------------------------------


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
    downloads(room, record)
    st.markdown("**Who attended, and who signed**")
    for a in room.state["attendance"]:
        signed = "signed" if a["signed"] else "not signed"
        status = "did not attend" if a["status"] == "invited" else a["status"]
        st.text(f"{a['name']} ({a['role']}): {status}; {signed}")
    with st.container(border=True):
        # From the record, not the plan: editing the plan afterwards does not change what was agreed.
        agreed(snap["sections"], live_goals(snap["goals"]), snap["supports"], room)
    missing = snap["meeting"].get("missing_roles")
    if missing:
        st.caption(md(f"Nobody was present as {roles_listed(missing)}. Reason recorded: "
                      f"{snap['meeting'].get('missing_role_reason') or '—'}"))
    if room.present and not room.signed:
        st.button(SIGN, key="meeting_sign", type="primary", on_click=sign, args=(room,))


def downloads(room: Room, record: MeetingRecordDoc) -> None:
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
