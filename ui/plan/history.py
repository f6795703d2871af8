"""Who changed what in a student's record, and when: the History tab."""

from __future__ import annotations

import streamlit as st

from plpcore import queries
from ui.plan.context import Ctx


def history(ctx: Ctx) -> None:
    frame = queries.history(ctx.db, ctx.user.id, ctx.student_id)
    if frame.empty:
        st.caption("No changes recorded yet.")
        return
    st.caption("Who changed what, and when (newest first).")
    frame["entity"] = frame["entity"].str.replace("_", " ")
    st.dataframe(frame, height=460, hide_index=True, width="stretch",
                 column_config={"at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
                                "who": "Who", "action": "Did", "entity": "What", "field": "Field",
                                "old": "Before", "new": "After"})
