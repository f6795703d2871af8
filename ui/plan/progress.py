"""Progress toward a plan's goals: recording it, the ratings over time, every entry, and the report sent home."""

from __future__ import annotations

import datetime as dt
import functools

import altair as alt
import pandas as pd
import streamlit as st

from plpcore import documents, queries, services
from plpcore.access import Action
from ui.downloads import download_button
from ui.feedback import md, show_error, write
from ui.plan.context import Ctx
from ui.plan.goals import goal_names
from ui.words import RATING_LABELS, RATING_SCALE

# Who gave a rating, as progress_frame names them, and a colour each (told apart by dash too).
RATERS = {"Student": "#e8710a", "Staff": "#1a73e8", "Family": "#188038"}


def progress(ctx: Ctx) -> None:
    names = goal_names(ctx)
    if not names:
        st.info("No goals yet, so no progress to record.")
        return
    if ctx.can(Action.RECORD_PROGRESS):
        progress_form(ctx)
    progress_report(ctx)
    frame = queries.progress_frame(ctx.doc)
    if frame.empty:
        st.caption("No progress recorded yet.")
        return
    st.header("Ratings over time")
    st.caption(f"{RATING_SCALE}. The student's own ratings are shown beside the staff's.")
    for goal_id, name in names.items():
        rated = frame.loc[(frame.goal_id == goal_id) & frame.rating.notna()]
        if rated.empty:
            continue
        st.text(name)
        chart(rated, f"plan_progress_chart_{goal_id}")
    st.header("All entries")
    table = frame.assign(
        goal=frame.goal_id.map(names),
        rating=frame.rating.map(lambda r: RATING_LABELS.get(int(r)) if pd.notna(r) else None),
        note=[p["note"] for g in ctx.doc["goals"] for p in g["progress"]],
        evidence=[p["evidence_url"] for g in ctx.doc["goals"] for p in g["progress"]],
    ).sort_values("on", ascending=False)
    st.dataframe(table[["on", "goal", "rating", "percent", "who", "author", "note", "evidence"]], hide_index=True,
                 width="stretch", column_config={"on": "Date", "goal": "Goal", "rating": "Rating",
                                                 "percent": "Percent", "who": "Who", "author": "By",
                                                 "note": "Note",
                                                 # plpcore accepts only http(s) addresses here
                                                 "evidence": st.column_config.LinkColumn("Evidence")})


def progress_form(ctx: Ctx) -> None:
    """The "Record progress" form, for those who may record it."""
    names = goal_names(ctx)
    with st.expander("Record progress"), st.form("plan_progress", border=False):
        st.selectbox("Goal", list(names), format_func=names.__getitem__, key="plan_progress_goal")
        on, rating, percent = st.columns(3)
        on.date_input("Date", key="plan_progress_on", max_value=dt.date.today())
        rating.selectbox("Rating", list(RATING_LABELS), format_func=RATING_LABELS.__getitem__, index=None,
                         placeholder="(no rating)", key="plan_progress_rating")
        percent.number_input("Percent", min_value=0, max_value=100, value=None, step=1, key="plan_progress_percent")
        st.text_area("Note", key="plan_progress_note", height=80)
        st.text_input("Evidence link (optional)", key="plan_progress_evidence", placeholder="https://…")
        st.form_submit_button("Record progress", key="plan_progress_submit", type="primary",
                              on_click=record_progress, args=(ctx,))
    show_error("plan_progress")


def record_progress(ctx: Ctx) -> None:
    s = st.session_state
    percent = s["plan_progress_percent"]
    if write(services.record_progress, ctx.db, ctx.user.id, s["plan_progress_goal"], on=s["plan_progress_on"],
             rating=s["plan_progress_rating"], percent=None if percent is None else int(percent),
             note=s["plan_progress_note"] or "", evidence_url=s["plan_progress_evidence"] or None,
             done="Progress recorded.", where="plan_progress"):
        s["plan_progress_note"] = s["plan_progress_evidence"] = ""
        s["plan_progress_rating"] = s["plan_progress_percent"] = None


def chart(rated: pd.DataFrame, key: str, *, height: int = 260) -> None:
    """A goal's ratings over time, and under it the same in words (WCAG 1.1.1): a chart is a picture,
    and a screen reader, or anyone who cannot tell the lines apart, reads the sentence."""
    words = chart_words(rated)
    st.altair_chart(ratings_chart(rated).properties(height=height, description=words), width="stretch", key=key)
    st.caption(md(words))


def chart_words(rated: pd.DataFrame) -> str:
    """What the chart shows: for each kind of rater, how many ratings and the latest."""
    parts = []
    for who in RATERS:
        theirs = rated.loc[rated.who == who].sort_values("on")
        if not theirs.empty:
            last = theirs.iloc[-1]
            parts.append(f"{who}: {len(theirs)} rating{'s' if len(theirs) > 1 else ''}, the latest "
                         f"{RATING_LABELS[int(last.rating)]} on {pd.Timestamp(last.on):%b %d}")
    return "Chart of the ratings over time. " + "; ".join(parts) + "."


def ratings_chart(frame: pd.DataFrame) -> alt.LayerChart | alt.FacetChart:
    """Ratings 1-4 over time: one line per kind of rater, so the student's own sit beside the staff's."""
    data = frame.assign(on=pd.to_datetime(frame.on), rating=frame.rating.astype(int))[["on", "rating", "who", "author"]]
    labels = " : ".join(f"datum.value == {k} ? '{v}'" for k, v in RATING_LABELS.items()) + " : ''"
    raters = alt.Scale(domain=list(RATERS), range=list(RATERS.values()))
    base = alt.Chart(data, height=260).encode(
        x=alt.X("on:T", title=None, axis=alt.Axis(format="%b %d", labelAngle=0, tickCount=6)),
        y=alt.Y("rating:Q", title=None, scale=alt.Scale(domain=[0.8, 4.2]),
                axis=alt.Axis(values=list(RATING_LABELS), labelExpr=labels, grid=True)),
        color=alt.Color("who:N", title="Rated by", scale=raters, legend=alt.Legend(orient="top")),
    )
    points = base.mark_point(filled=True, size=80).encode(
        shape=alt.Shape("who:N", title="Rated by", scale=alt.Scale(domain=list(RATERS))),
        tooltip=[alt.Tooltip("on:T", title="Date"), alt.Tooltip("rating:Q", title="Rating"),
                 alt.Tooltip("who:N", title="Who"), alt.Tooltip("author:N", title="By")],
    )
    return alt.layer(base.mark_line(), points)


def progress_report(ctx: Ctx) -> None:
    """The summary sent home at each reporting period: one period's ratings and notes, per goal, as a PDF."""
    periods = {p["name"]: p for p in ctx.doc["periods"]}
    today = dt.date.today()
    started = [name for name, p in periods.items() if p["starts_on"] <= today]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        name = st.selectbox("Progress report for", [*periods, "the whole year so far"], key="plan_report_period",
                            index=len(started) - 1 if started else len(periods), width=300)
        period = periods.get(name)
        student = ctx.doc["student"]
        download_button("Progress report (PDF)", functools.partial(documents.progress_report_pdf, ctx.doc, period),
                        key="plan_report_pdf", mime="application/pdf", icon=":material/picture_as_pdf:",
                        file_name=f"progress-{student['local_id']}-{(period or {}).get('name', 'year')}.pdf",
                        on_click="ignore")
