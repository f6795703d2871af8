"""A goal as a family or a student sees it on their home: the goal, and the latest rating from each side."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from plpcore import queries
from plpcore.rules import goal_is_live
from plpcore.shapes import Goal, PlanDoc
from ui.feedback import md
from ui.words import RATING_LABELS

# Under each card, what the home adds: (the goal, its rated progress entries oldest first).
Below = Callable[[Goal, pd.DataFrame], None]


def goal_cards(doc: PlanDoc, *, own: str, team: str, from_home: bool = False, below: Below) -> None:
    """One card per live goal: the student's own latest rating (`own`), the staff's (`team`) and,
    with `from_home`, the family's; then whatever `below` draws for that goal."""
    goals = [g for g in doc["goals"] if goal_is_live(g["status"])]
    if not goals:
        st.info("No goals yet.")
        return
    for goal in goals:
        with st.container(border=True, key=f"home_goal_{goal['id']}"):
            st.markdown(f"**{md(goal['statement'])}**")
            target = f" · by {goal['target_date']:%b %d}" if goal["target_date"] else ""
            st.caption(md(f"{goal['kind']} goal · {goal['status']}{target}"))
            rated = queries.progress_frame({"goals": [goal]}).dropna(subset=["rating"])
            says = st.columns(3 if from_home else 2)
            says[0].write(md(f"{own}: {_latest(rated, 'Student')}"))
            says[1].write(md(f"{team}: {_latest(rated, 'Staff')}"))
            if from_home:
                says[2].write(f"From home: {_latest(rated, 'Family')}")
            below(goal, rated)


def _latest(rated: pd.DataFrame, who: str) -> str:
    """The latest rating by one kind of rater (as progress_frame names them), with its date."""
    theirs = rated[rated.who == who]
    if theirs.empty:
        return "none yet"
    entry = theirs.iloc[-1]
    return f"{RATING_LABELS[int(entry['rating'])]} ({entry['on']:%b %d})"
