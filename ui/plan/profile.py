"""The student's profile in their own words beside the team's, and the career-planning and programming answers."""

from __future__ import annotations

import functools
from typing import Any

import streamlit as st

from plpcore import services, shapes
from plpcore.access import Action
from ui import editing
from ui.feedback import md, show_error
from ui.plan.context import Ctx
from ui.words import by_line


def profile(ctx: Ctx) -> None:
    st.caption("Each question has the student's own words and, beside them, what the team adds.")
    for key in services.PROFILE_SECTIONS:
        question(ctx, key)


def question(ctx: Ctx, key: str, *, team_waits: str = "", box_key: str | None = None) -> None:
    """One profile question: "In my words" beside "The team adds". With `team_waits`, the team's
    side says so instead of opening (the student answers first)."""
    text = services.PROFILE_SECTIONS[key]
    with st.container(border=True, key=box_key):
        st.markdown(f"**{text}**")
        mine, team = st.columns(2)
        with mine:
            st.markdown("*In my words*")
            section(ctx, key, "student", text, ctx.can(Action.STUDENT_VOICE))
        with team:
            st.markdown("*The team adds*")
            if team_waits:
                st.caption(team_waits)
            else:
                section(ctx, key, "team", text, ctx.can(Action.TEAM_VOICE))


def career(ctx: Ctx) -> None:
    editable = ctx.can(Action.EDIT_PLAN)
    for title, sections in (("Career planning", services.CAREER_SECTIONS),
                            ("Programming", services.PROGRAMMING_SECTIONS)):
        st.subheader(title)
        for key, label in sections.items():
            with st.container(border=True):
                st.markdown(f"**{label}**")
                section(ctx, key, "team", label, editable)


def section(ctx: Ctx, key: str, voice: str, label: str, editable: bool) -> None:
    """One answer: shown as text with who wrote it; with an Edit button for those who may."""
    row = next((s for s in ctx.doc["sections"] if s["key"] == key and s["voice"] == voice), None)
    text, passed, version = (row["text"], row["passed"], row["version"]) if row else ("", False, 0)
    prefix = f"plan_section_{key}_{voice}"
    fields = ("text", "passed") if voice == "student" else ("text",)

    def save(values: dict[str, Any], expected: int) -> None:
        services.update_section(ctx.db, ctx.user.id, ctx.plan_id, key, voice, values["text"], expected,
                                passed=bool(values.get("passed", False)))

    if editing.show(f"{prefix}_conflict", labels={"text": label, "passed": "Passed on the question"}, save=save,
                    done=functools.partial(editing.close_edit, prefix)):
        return
    if editable and editing.editing(prefix):
        with st.form(f"{prefix}_form", border=False):
            st.text_area(label, key=f"{prefix}_text", height=120, label_visibility="collapsed")
            if voice == "student":
                st.checkbox("Pass on this question for now", key=f"{prefix}_passed")
            editing.edit_buttons(prefix, fields, save, "Saved.")
        show_error(prefix)
        return
    if text:
        st.text(text)
    elif passed:
        st.caption("Passed on this question for now.")
    else:
        st.caption("Nothing written yet.")
    if row and row["author"]:
        st.caption(words_line(ctx, row) if voice == "student" else by_line(row["author"], row["updated_at"]))
    if editable:
        values = {"text": text, "passed": passed} if voice == "student" else {"text": text}
        st.button("Edit" if text else "Write", key=f"{prefix}_edit", on_click=editing.start_edit,
                  args=(prefix, values, version))


def words_line(ctx: Ctx, row: shapes.Section) -> str:
    """The student's own words carry the student's name, and who typed them if someone did it for them."""
    line = by_line(ctx.doc["student"]["name"], row["updated_at"])
    return line if row["by_student"] else line + md(f" · typed by {row['author']}")
