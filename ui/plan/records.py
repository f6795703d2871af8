"""The interventions tried for a student and the assessments they took: the tables, and the forms to add one."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from plpcore import services
from plpcore.access import Action
from ui.feedback import show_error, write
from ui.plan.context import Ctx


def interventions_assessments(ctx: Ctx) -> None:
    interventions(ctx)
    assessments(ctx)


def interventions(ctx: Ctx) -> None:
    st.header("Interventions")
    rows = ctx.doc["interventions"]
    if rows:
        st.dataframe(pd.DataFrame(rows)[["course", "description", "starts_on", "ends_on", "outcome"]],
                     hide_index=True, width="stretch",
                     column_config={"course": "Course or classroom", "description": "Intervention",
                                    "starts_on": "From", "ends_on": "Until", "outcome": "Outcome"})
    else:
        st.caption("No interventions logged.")
    if ctx.can(Action.INTERVENTION):
        with st.expander("Log an intervention"), st.form("plan_intervention", border=False):
            st.text_input("Course or classroom", key="plan_intervention_course")
            st.text_area("Intervention", key="plan_intervention_description", height=80)
            starts, ends = st.columns(2)
            starts.date_input("From", value=None, key="plan_intervention_starts")
            ends.date_input("Until", value=None, key="plan_intervention_ends")
            st.text_area("Outcome", key="plan_intervention_outcome", height=68)
            st.form_submit_button("Log intervention", key="plan_intervention_submit", type="primary",
                                  on_click=log_intervention, args=(ctx,))
        show_error("plan_intervention")


def assessments(ctx: Ctx) -> None:
    st.header("Assessments")
    rows = ctx.doc["assessments"]
    if rows:
        st.dataframe(pd.DataFrame(rows)[["taken_on", "name", "score", "percentile", "note"]], hide_index=True,
                     width="stretch", column_config={"taken_on": "Date", "name": "Assessment", "score": "Score",
                                                     "percentile": "Percentile", "note": "Note"})
    else:
        st.caption("No assessments recorded.")
    if ctx.can(Action.ASSESSMENT):
        with st.expander("Record an assessment"), st.form("plan_assessment", border=False):
            name, taken = st.columns(2)
            name.text_input("Assessment", key="plan_assessment_name", placeholder="CogAT, MAP, state test…")
            taken.date_input("Date", key="plan_assessment_taken_on", max_value=dt.date.today())
            score, percentile = st.columns(2)
            score.text_input("Score", key="plan_assessment_score")
            percentile.number_input("Percentile", min_value=1, max_value=99, value=None, step=1,
                                    key="plan_assessment_percentile")
            st.text_area("Note", key="plan_assessment_note", height=68)
            st.form_submit_button("Record assessment", key="plan_assessment_submit", type="primary",
                                  on_click=record_assessment, args=(ctx,))
        show_error("plan_assessment")


def log_intervention(ctx: Ctx) -> None:
    s = st.session_state
    if write(services.log_intervention, ctx.db, ctx.user.id, ctx.plan_id, course=s["plan_intervention_course"] or "",
             description=s["plan_intervention_description"] or "", starts_on=s["plan_intervention_starts"],
             ends_on=s["plan_intervention_ends"], outcome=s["plan_intervention_outcome"] or "",
             done="Intervention logged.", where="plan_intervention"):
        for f in ("course", "description", "outcome"):
            s[f"plan_intervention_{f}"] = ""


def record_assessment(ctx: Ctx) -> None:
    s = st.session_state
    percentile = s["plan_assessment_percentile"]
    if write(services.record_assessment, ctx.db, ctx.user.id, ctx.student_id, name=s["plan_assessment_name"] or "",
             taken_on=s["plan_assessment_taken_on"], score=s["plan_assessment_score"] or "",
             percentile=None if percentile is None else int(percentile), note=s["plan_assessment_note"] or "",
             done="Assessment recorded.", where="plan_assessment"):
        for f in ("name", "score", "note"):
            s[f"plan_assessment_{f}"] = ""
        s["plan_assessment_percentile"] = None
