"""What a meeting settles: the summary everyone signs, finalizing it, and the permanent record afterwards."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from plpcore import clock, documents, export, meetings, queries, records, services
from plpcore.errors import PlanTableError
from plpcore.rules import LIVE_SUPPORT, live_goals
from plpcore.shapes import MeetingRecordDoc, RecordMeeting, Signature
from ui.downloads import download_button
from ui.feedback import md, show_error, write
from ui.meeting.room import STATUS_WORDS, Room, day, not_found, roles_listed
from ui.words import initials

SIGN = "I was here and I have read this"
SIGNED = "Thank you: your acknowledgement is recorded."


Rows = Sequence[Mapping[str, Any]]  # a plan document's rows, or a record snapshot's


def a_date(value: dt.date | str | None) -> dt.date | None:
    """A date from the live meeting, or from a record's snapshot (which keeps it as ISO text)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def items_listed(items: Rows) -> None:
    if not items:
        st.caption("No action items yet.")
    for item in items:
        due_on = a_date(item["due_on"])
        due = f" · by {due_on:%b %d}" if due_on else ""
        by = f" · added by {initials(item['author'])}" if item.get("author") else ""
        st.markdown(f"- {md(item['description'])} — **{md(item['owner'])}**{md(due)}{md(by)}")


def action_items(room: Room) -> None:
    items_listed(room.state["action_items"])


@dataclasses.dataclass(frozen=True)
class NextSteps:
    """The meeting's next check-in, action items and notes: live while signing, the record's once finalized."""

    next_check_in: dt.date | None
    action_items: Rows
    notes: str


def agreed(sections: Rows, goals: Rows, supports: Rows, steps: NextSteps, *, kept_profile: bool = True) -> None:
    """What the meeting settles: both voices, the goals, the agreed supports, the next steps and the
    meeting's notes. From the live plan while signing; from the record's snapshot once finalized."""
    st.markdown("**In the student's words, and what the team adds**")
    if not kept_profile:
        st.caption("This record did not keep the student's profile.")
    for key in services.VOICE_FIRST if kept_profile else ():
        rows = {x["voice"]: x for x in sections if x["key"] == key}
        student = rows.get("student")
        words = (student["text"] or ("(passed)" if student["passed"] else "")) if student else ""
        team = rows["team"]["text"] if "team" in rows else ""
        st.caption(services.PROFILE_SECTIONS[key])
        st.text(f"In my words: {words or '—'}\nThe team adds: {team or '—'}")
    st.markdown("**Goals**")
    for g in goals:
        st.text(f"{g['kind']}: {g['statement']} ({g['status'] or 'status not recorded'})")
    st.markdown("**Agreed supports**")
    shown = [x for x in supports if x["status"] in LIVE_SUPPORT]
    for x in shown:
        st.text(f"{x['description']} — {x['setting']}, {x['owner'] or '—'}, {x['frequency'] or ''}".rstrip(", "))
    if not shown:
        st.caption("None agreed.")
    st.markdown("**Next steps**")
    st.text(f"Next check-in: {day(steps.next_check_in) if steps.next_check_in else 'not set'}")
    items_listed(steps.action_items)
    st.markdown("**Meeting notes**")
    if steps.notes.strip():
        st.text(steps.notes)
    else:
        st.caption("No notes.")


# --- 7. review and sign ------------------------------------------------------------------------------


def review_and_sign(room: Room) -> None:
    st.caption("Read the summary. Each person who was here acknowledges it; then the specialist finalizes.")
    summary(room)
    st.header("Signatures")
    for a in room.state["attendance"]:
        if a["status"] != "present":
            continue
        with st.container(horizontal=True, vertical_alignment="center"):
            mark = ":green[**signed**]" if a["signed"] else "not signed yet"
            st.markdown(f"**{md(a['name'])}** ({md(a['role'])}): {mark}")
            if room.runs and a["user_id"] is None and not a["signed"]:
                st.button(md(f"Record {a['name']}'s signature"), key=f"meeting_sign_guest_{a['id']}",
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
        agreed(doc["sections"], live_goals(doc["goals"]), doc["supports"],
               NextSteps(room.state["next_check_in"], room.state["action_items"], room.state["notes"]))


def finalize_form(room: Room) -> None:
    st.header("Finalize")
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


def at(value: dt.datetime) -> str:
    """"Thursday, October 1, 2026 at 15:40 MDT": a time at the school (aware of its zone)."""
    return f"{day(value)} at {value:%H:%M} {value.tzname()}"


def held(meeting: RecordMeeting, tz: ZoneInfo) -> str:
    """When the meeting was held, and the time it was scheduled for when that was another, at the school."""
    scheduled = clock.scheduled(meeting["scheduled_at"], tz)
    if not meeting["opened_at"]:  # an older record did not keep it
        return f"Scheduled for {at(scheduled)}."
    opened = clock.stamp(meeting["opened_at"], tz)
    if at(opened) == at(scheduled):
        return f"Held on {at(opened)}."
    return f"Held on {at(opened)} (scheduled for {at(scheduled)})."


def signed(signature: Signature | None, meeting: RecordMeeting, tz: ZoneInfo) -> str:
    """"signed at the meeting (09:42)", or "signed Monday, November 9, 2026 at 13:22 MST, after the record was finalized"."""
    if signature is None:
        return "not signed yet"
    when = clock.stamp(signature["signed_at"], tz)
    if signature["after_finalizing"]:
        return f"signed {at(when)}, after the record was finalized"
    held_on = (clock.stamp(meeting["opened_at"], tz) if meeting["opened_at"]
               else clock.scheduled(meeting["scheduled_at"], tz)).date()
    return f"signed at the meeting ({when:%H:%M})" if when.date() == held_on else f"signed at the meeting ({at(when)})"


def who_signed(record: MeetingRecordDoc) -> None:
    """Everyone the record lists, as it kept them, each with their signature (at the meeting or later)."""
    snap, tz = record["snapshot"], ZoneInfo(record["time_zone"])
    st.markdown("**Who attended, and who signed**")
    for a in snap["attendance"]:
        status = STATUS_WORDS.get(a["status"], a["status"]) if a["status"] != "invited" else "did not attend"
        mode = f", {a['mode']}" if a["mode"] and a["status"] == "present" else ""
        signature = records.signature_of(record, a)
        mark = f"; {signed(signature, snap['meeting'], tz)}" if a["status"] == "present" or signature else ""
        st.text(f"{a['name']} ({a['role']}): {status}{mode}{mark}")
    missing = snap["meeting"]["missing_roles"]
    if missing:
        st.caption(md(f"Nobody was present as {roles_listed(missing)}. Reason recorded: "
                      f"{snap['meeting']['missing_role_reason'] or '—'}"))


def finalized(room: Room) -> None:
    """The permanent record: when it was held, who attended and every signature with its time (all
    from the record, not the live meeting), what was agreed, and its PDF and JSON."""
    try:
        record = queries.meeting_record(room.db, room.user.id, room.id)
    except PlanTableError:
        not_found()
    if record is None:
        st.info("This meeting is closed.")
        return
    snap, meeting = record["snapshot"], record["snapshot"]["meeting"]
    to_sign = room.present and not room.signed
    tz = ZoneInfo(record["time_zone"])
    st.success(f"{held(meeting, tz)} Finalized on {at(clock.stamp(record['created_at'], tz))}. This record does not "
               "change; "
               "signatures given later are added to it.")
    if to_sign:
        st.info("You were at this meeting and have not signed its record yet. Read it below, then sign at the end.")
    downloads(room, record)
    who_signed(record)
    with st.container(border=True):
        # From the record, not the plan: editing the plan afterwards does not change what was agreed.
        agreed(snap["sections"], records.counted_goals(snap), snap["supports"],
               NextSteps(a_date(meeting["next_check_in"]), snap["action_items"], meeting["notes"]),
               kept_profile=bool(snap["sections"]) or snap["version"] >= 2)
    if snap["notices"]:
        with st.expander("Meeting notices sent before the meeting"):
            for entry in snap["notices"]:
                st.text(documents.notice_line(entry))
    mine = next((s for s in record["signatures"] if room.me and s["attendance_id"] == room.me["id"]), None)
    if to_sign:
        st.button(SIGN, key="meeting_sign", type="primary", icon=":material/draw:", on_click=sign, args=(room,))
    elif mine is not None:
        st.caption(f"You {signed(mine, meeting, tz)}.")


def downloads(room: Room, record: MeetingRecordDoc) -> None:
    with st.container(horizontal=True):
        # Both are made when someone asks for them, not on every rerun of the room.
        download_button("Meeting record (PDF)", functools.partial(documents.record_pdf, record),
                        file_name=f"meeting-{room.id}.pdf", mime="application/pdf", key="meeting_record_pdf",
                        type="primary", icon=":material/picture_as_pdf:", on_click="ignore")
        download_button("Meeting record (JSON)", functools.partial(export.meeting_record_json, record),
                        file_name=f"meeting-{room.id}.json", mime="application/json", key="meeting_record_json",
                        icon=":material/data_object:", on_click="ignore")
        next_check_in = room.state["next_check_in"]
        if next_check_in:
            ics = documents.invite(uid=f"plantable-check-in-{room.id}", starts=next_check_in,
                                   title=f"Check-in: {room.ctx.doc['student']['name']}")
            download_button(f"Next check-in {next_check_in:%b %d} (.ics)", ics, file_name=f"check-in-{room.id}.ics",
                            mime="text/calendar", key="meeting_check_in_ics", icon=":material/event:",
                            on_click="ignore")
