"""A student's home, "My goals": their current plan's goals to rate themselves on, a goal to propose, and About me."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from plpcore import queries, services
from plpcore.db import Database
from plpcore.errors import PlanTableError
from plpcore.shapes import Goal
from ui import editing, routes
from ui.feedback import refuse, show_error, show_exception, write
from ui.home.cards import goal_cards
from ui.home.picker import plan_id_of
from ui.plan.context import Ctx
from ui.plan.goals import propose_goal_form
from ui.plan.profile import profile
from ui.plan.progress import chart
from ui.session import SignedIn
from ui.words import RATING_LABELS


def show(db: Database, user: SignedIn, top: Callable[[], None]) -> None:
    """My goals; `top` draws what comes right under the title (today's meetings)."""
    st.title("My goals", anchor=False)
    top()
    try:
        mine = queries.my_students(db, user.id)
        own = mine.loc[mine.relationship == "student"]
        plan_id = plan_id_of(own.plan_id.iloc[0]) if not own.empty else None
        doc = queries.student_plan(db, user.id, plan_id) if plan_id is not None else None
    except PlanTableError as exc:
        show_exception(exc)
        return
    if doc is None:
        st.info("You don't have a plan for this school year yet.")
        return
    st.caption("How are you doing on each goal? Rate yourself: your rating sits next to your team's.")
    goal_cards(doc, own="My last rating", team="My team's rating",
               below=lambda goal, rated: _chart_and_rating(db, user, goal, rated))
    ctx = Ctx(db, user, doc)
    propose_goal_form(ctx)
    # Open while one of the answers is being written: the run that opens its form would otherwise
    # draw About me closed again, and hide the box the student just asked for.
    answering = any(editing.editing(f"plan_section_{key}_student") for key in services.PROFILE_SECTIONS)
    with st.expander("About me: answer in your own words", expanded=answering):
        profile(ctx)
    if st.button("Open my whole plan", key="home_open_plan", icon=":material/description:"):
        routes.open_plan(doc["student"]["id"], plan_id)


def _chart_and_rating(db: Database, user: SignedIn, goal: Goal, rated: pd.DataFrame) -> None:
    if len(rated) > 1:  # one point is no line: the card already says it
        chart(rated, f"home_chart_{goal['id']}", height=200)
    _rating_form(db, user, goal["id"])


def _rating_form(db: Database, user: SignedIn, goal_id: int) -> None:
    form = f"home_rate_form_{goal_id}"
    with st.form(form, border=False):
        st.radio("My rating", list(RATING_LABELS), format_func=RATING_LABELS.__getitem__, horizontal=True,
                 index=None, key=f"home_rate_{goal_id}")
        show_error(form)  # beside the rating it is about; what was typed stays
        note, evidence = st.columns([3, 2])
        note.text_input("What I did, or what's hard (optional)", key=f"home_rate_note_{goal_id}", max_chars=4000)
        evidence.text_input("Link to my work (optional)", key=f"home_rate_evidence_{goal_id}", max_chars=2000,
                            placeholder="https://…")
        st.form_submit_button("Save my rating", key=f"home_rate_save_{goal_id}", on_click=_save_rating,
                              args=(db, user.id, goal_id))


def _save_rating(db: Database, user_id: int, goal_id: int) -> None:
    s, form = st.session_state, f"home_rate_form_{goal_id}"
    keys = [f"home_rate_{goal_id}", f"home_rate_note_{goal_id}", f"home_rate_evidence_{goal_id}"]
    if s.get(keys[0]) is None:  # plpcore takes progress without a rating; a self-rating without one is not one
        refuse("Choose how it is going, from 1 to 4.", where=form)
        return
    write(services.record_progress, db, user_id, goal_id, rating=s[keys[0]], note=s.get(keys[1], ""),
          evidence_url=s.get(keys[2]) or None, done="Your rating is saved.", where=form, clear=keys)
