"""The keyboard's (and a test's) way from a home into a student's plan: a list of students and a button."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import routes


def plan_id_of(value: Any) -> int | None:
    """A plan id from a students table (pandas holds "no current plan" as NaN)."""
    return None if pd.isna(value) else int(value)


def plan_picker(students: pd.DataFrame, label: str = "Open a student's plan", *, schedule: bool = False) -> None:
    """Choose one of `students` (rows with student_id, name, plan_id) and open their plan, or schedule a meeting."""
    students = students.drop_duplicates("student_id")
    names = {int(i): name for i, name in zip(students.student_id, students["name"], strict=True)}
    plans = {int(i): plan_id_of(plan) for i, plan in zip(students.student_id, students.plan_id, strict=True)}
    left, right = st.columns([3, 2 if schedule else 1], vertical_alignment="bottom")
    student_id = left.selectbox(label, list(names), format_func=lambda i: names[i], index=None,
                                placeholder="Choose a student", key="home_open_student")
    with right.container(horizontal=True):
        opened = st.button("Open plan", key="home_open_plan", disabled=student_id is None)
        scheduled = schedule and st.button("Schedule a meeting", key="home_schedule", disabled=student_id is None)
    if student_id is not None and opened:
        routes.open_plan(student_id, plans[student_id])
    if student_id is not None and scheduled:
        routes.schedule_meeting(student_id)
