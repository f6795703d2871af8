"""A plan's notes: home notes, reflections and comments, newest first, and the form to add one."""

from __future__ import annotations

import streamlit as st

from plpcore import services
from plpcore.access import Action
from ui.feedback import md, show_error, write
from ui.plan.context import Ctx
from ui.plan.goals import goal_names

# The form's title for a family and for the student; everyone else adds a comment.
NOTE_FORM = {"guardian": "Add a home note", "student": "Add a reflection"}
STRONGEST_FIRST = ("specialist", "admin", "teacher", "guardian", "student")


def notes(ctx: Ctx) -> None:
    names = goal_names(ctx)
    if ctx.can(Action.ADD_NOTE):
        strongest = next((r for r in STRONGEST_FIRST if r in ctx.doc["viewer_roles"]), "")
        title = NOTE_FORM.get(strongest, "Add a comment")
        with st.expander(title, expanded=strongest in NOTE_FORM), st.form("plan_note", border=False):
            st.text_area("Note", key="plan_note_text", height=100)
            st.selectbox("About a goal (optional)", list(names), format_func=names.__getitem__, index=None,
                         placeholder="(the whole plan)", key="plan_note_goal")
            st.form_submit_button("Add note", key="plan_note_submit", type="primary", on_click=add_note, args=(ctx,))
        show_error("plan_note")
    if not ctx.doc["notes"]:
        st.caption("No notes yet.")
    for note in reversed(ctx.doc["notes"]):
        with st.container(border=True):
            about = f" · on the goal “{names[note['goal_id']]}”" if note["goal_id"] in names else ""
            who = f"{note['author'] or 'someone'} ({note['author_role']})"
            st.caption(md(f"{note['kind']} · {who} · {note['at']:%Y-%m-%d %H:%M}{about}"))
            if note["prompt"]:
                st.caption(md(note["prompt"]))
            st.text(note["text"])


def add_note(ctx: Ctx) -> None:
    s = st.session_state
    if write(services.add_note, ctx.db, ctx.user.id, ctx.plan_id, s["plan_note_text"] or "",
             goal_id=s["plan_note_goal"], done="Note added.", where="plan_note"):
        s["plan_note_text"] = ""
