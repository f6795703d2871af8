"""The student's profile in their own words beside the team's, and the career-planning and programming answers."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import streamlit as st

from plpcore import meetings, services, shapes
from plpcore.access import Action
from ui import editing
from ui.feedback import md, show_error, write
from ui.plan.context import Ctx
from ui.words import by_line


@dataclasses.dataclass(frozen=True)
class AtMeeting:
    """The meeting in progress a question is shown in (its voice step): where "Still true" goes."""

    id: int


def profile(ctx: Ctx) -> None:
    st.caption("Each question has the student's own words and, beside them, what the team adds.")
    for key in services.PROFILE_SECTIONS:
        question(ctx, key)


def question(ctx: Ctx, key: str, *, box_key: str | None = None, meeting: AtMeeting | None = None) -> None:
    """One profile question: "In my words" beside "The team adds".

    Student voice first is plpcore's rule, read once from the plan document: while a meeting
    waits for the student on this question (`voice_waiting`), the team's side says so instead
    of offering an Edit that could only be refused, on the plan page as in the meeting room.
    In the room (`meeting`), the student, or the specialist typing with them, says whether an
    earlier answer is still true, updates it, or passes.
    """
    text = services.PROFILE_SECTIONS[key]
    waiting = key in ctx.doc["voice_waiting"]
    with st.container(border=True, key=box_key):
        st.markdown(f"**{text}**")
        mine, team = st.columns(2)
        with mine:
            st.markdown("*In my words*")
            if meeting is not None and key in services.VOICE_FIRST:
                student_side(ctx, key, text, meeting, waiting)
            else:
                section(ctx, key, "student", text, ctx.can(Action.STUDENT_VOICE))
        with team:
            st.markdown("*The team adds*")
            if waiting:
                st.caption(md("Opens once you have said whether this is still true, updated it or passed."
                              if viewer_is_student(ctx) else
                              f"Opens after {ctx.doc['student']['name']} has confirmed, updated or passed on "
                              "this question."))
            else:
                section(ctx, key, "team", text, ctx.can(Action.TEAM_VOICE))


def career(ctx: Ctx) -> None:
    editable = ctx.can(Action.EDIT_PLAN)
    for title, sections in (("Career planning", services.CAREER_SECTIONS),
                            ("Programming", services.PROGRAMMING_SECTIONS)):
        st.header(title)
        for key, label in sections.items():
            with st.container(border=True):
                st.markdown(f"**{label}**")
                section(ctx, key, "team", label, editable)


def stored(ctx: Ctx, key: str, voice: str) -> shapes.Section | None:
    return next((s for s in ctx.doc["sections"] if s["key"] == key and s["voice"] == voice), None)


def saver(ctx: Ctx, key: str, voice: str) -> editing.Save:
    def save(values: dict[str, Any], expected: int) -> None:
        services.update_section(ctx.db, ctx.user.id, ctx.plan_id, key, voice, values["text"], expected,
                                passed=bool(values.get("passed", False)))

    return save


def section(ctx: Ctx, key: str, voice: str, label: str, editable: bool, *, edit_label: str = "") -> None:
    """One answer: shown as text with who wrote it; with an Edit button for those who may."""
    row = stored(ctx, key, voice)
    if form(ctx, key, voice, label, editable):
        return
    answer(ctx, row, voice)
    if editable:
        edit_button(key, voice, row, edit_label)


def form(ctx: Ctx, key: str, voice: str, label: str, editable: bool) -> bool:
    """The answer's conflict view or its open edit form, if either is up (True: drawn instead of the answer)."""
    prefix = f"plan_section_{key}_{voice}"
    fields = ("text", "passed") if voice == "student" else ("text",)
    save = saver(ctx, key, voice)
    if editing.show(f"{prefix}_conflict", labels={"text": label, "passed": "Passed on the question"}, save=save,
                    done=functools.partial(editing.close_edit, prefix)):
        return True
    if editable and editing.editing(prefix):
        with st.form(f"{prefix}_form", border=False):
            st.text_area(label, key=f"{prefix}_text", height=120, label_visibility="collapsed")
            if voice == "student":
                st.checkbox("Pass on this question for now", key=f"{prefix}_passed")
            editing.edit_buttons(prefix, fields, save, "Saved.")
        show_error(prefix)
        return True
    return False


def answer(ctx: Ctx, row: shapes.Section | None, voice: str, *, say_passed: bool = True) -> None:
    text, passed = (row["text"], row["passed"]) if row else ("", False)
    if text:
        st.text(text)
        if passed and say_passed:  # passing keeps what was said before: say which it is
            st.caption("Passed on this question for now; the words above are from before.")
    elif passed:
        st.caption("Passed on this question for now.")
    else:
        st.caption("Nothing written yet.")
    if row and row["author"]:
        st.caption(words_line(ctx, row) if voice == "student" else by_line(row["author"], row["updated_at"]))
    if row and row["carried_from"]:
        st.caption(f"Carried over from the {row['carried_from']} plan.")


def edit_button(key: str, voice: str, row: shapes.Section | None, label: str = "") -> None:
    text, passed, version = (row["text"], row["passed"], row["version"]) if row else ("", False, 0)
    prefix = f"plan_section_{key}_{voice}"
    values = {"text": text, "passed": passed} if voice == "student" else {"text": text}
    st.button(label or ("Edit" if text else "Write"), key=f"{prefix}_edit", on_click=editing.start_edit,
              args=(prefix, values, version))


def words_line(ctx: Ctx, row: shapes.Section) -> str:
    """The student's own words carry the student's name, and who typed them if someone did it for them."""
    line = by_line(ctx.doc["student"]["name"], row["updated_at"])
    return line if row["by_student"] else line + md(f" · typed by {row['author']}")


# --- the student's side at a meeting's voice step ------------------------------------------------------


def student_side(ctx: Ctx, key: str, label: str, meeting: AtMeeting, waiting: bool) -> None:
    """The student's words at this meeting: an earlier answer to confirm ("Still true"), update or pass
    on; once done, what the student did at this meeting."""
    prefix = f"plan_section_{key}_student"
    editable = ctx.can(Action.STUDENT_VOICE)
    if form(ctx, key, "student", label, editable):
        return
    row = stored(ctx, key, "student")
    answer(ctx, row, "student", say_passed=waiting)
    name = first_name(ctx)
    if not waiting:
        st.caption(md(done_here(ctx.doc["voice_done"].get(key), row)))
    elif row and (row["text"].strip() or row["passed"]):
        ask = "Is this still true?" if viewer_is_student(ctx) else f"Ask {name}: is this still true?"
        st.caption(md(f"Written before this meeting. {ask}" if editable else
                      f"Written before this meeting; {name} has not yet said whether it is still true."))
    elif not editable:
        st.caption(md(f"Waiting for {name} to answer or pass."))
    if not editable:
        return
    # The buttons name the meeting and the answer's version: a poll tick that replays a click on an
    # older screen's button finds no button of that name to call (ui.editing.row_picker).
    version = row["version"] if row else 0
    tag = f"m{meeting.id}_v{version}"
    with st.container(horizontal=True):
        if waiting and row and row["text"].strip():
            st.button("Still true", key=f"{prefix}_still_true_{tag}", type="primary", icon=":material/check:",
                      on_click=still_true, args=(ctx, meeting.id, key))
        edit_button(key, "student", row, "Update" if waiting and row and row["text"] else "")
        if waiting:
            st.button("Pass", key=f"{prefix}_pass_{tag}", on_click=pass_on, args=(ctx, key, row))
    show_error(prefix)


def viewer_is_student(ctx: Ctx) -> bool:
    return "student" in ctx.doc["viewer_roles"]


def first_name(ctx: Ctx) -> str:
    student = ctx.doc["student"]
    return student["preferred_name"] or student["first_name"]


DONE_HERE = {"still true": "Still true at this meeting.", "updated": "Updated at this meeting.",
             "passed": "Passed at this meeting."}


def done_here(outcome: str | None, row: shapes.Section | None) -> str:
    """What the student did with the question at this meeting (plpcore's voice_done)."""
    if outcome == "passed" and row and row["text"]:
        return "Passed at this meeting; the words above are from before."
    return DONE_HERE.get(outcome or "", "Done at this meeting.")


def still_true(ctx: Ctx, meeting_id: int, key: str) -> None:
    write(meetings.confirm_voice, ctx.db, ctx.user.id, meeting_id, key, where=f"plan_section_{key}_student")


def pass_on(ctx: Ctx, key: str, row: shapes.Section | None) -> None:
    """Pass at this meeting. Earlier words stay: passing says "not now", it does not erase what was said."""
    prefix = f"plan_section_{key}_student"
    text, passed, version = (row["text"], row["passed"], row["version"]) if row else ("", False, 0)
    write(editing.save_or_park, f"{prefix}_conflict", saver(ctx, key, "student"), {"text": text, "passed": True},
          version, {"text": text, "passed": passed}, where=prefix)
