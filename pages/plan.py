"""The student plan: the working document the student's team reads and edits, each within their role.

Which plan comes from the URL (?plan=, or ?student= for that student's current plan) and is
never trusted: plpcore decides. What a role may not change is shown read-only.
"""

import streamlit as st

from ui import session
from ui.feedback import show_flash
from ui.plan import context, goals, header, history, notes, profile, progress, records, supports

user = session.screen_user()
ctx = context.load(session.database(), user)

# Everything above the tabs sits in one container: a message appearing there must not
# move the tabs, or Streamlit would draw them anew on the first tab.
with st.container():
    header.header(ctx)
    show_flash()

# The open tab is kept in the URL (?tab=Goals): after a save, a reload or from a shared
# link the person is still on the tab they were using. Switching tabs needs no rerun.
TABS = {
    "Profile": profile.profile,
    "Career & programming": profile.career,
    "Goals": goals.goals,
    "Progress": progress.progress,
    "Supports": supports.supports,
    "Interventions & assessments": records.interventions_assessments,
    "Notes": notes.notes,
    "History": history.history,
}
for tab, part in zip(st.tabs(list(TABS), key="tab", bind="query-params"), TABS.values(), strict=True):
    with tab:
        part(ctx)
