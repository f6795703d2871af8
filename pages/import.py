"""Import: a roster or assessments file (CSV, tab-separated text or Excel), its columns matched to PlanTable's, previewed line by line,
then imported all or nothing.

For specialists and admins. plpcore reads the file, decides what every line would do, checks
permissions, writes and audits; this screen shows what it decided and asks for the go-ahead.
"""

import streamlit as st

from ui import session
from ui.feedback import NOT_FOUND
from ui.imports import (
    CONFIRMED,
    FILE,
    FILE_TYPES,
    KIND,
    KINDS,
    commit,
    fingerprint,
    forget_result,
    make_preview,
    read_columns,
    show_preview,
    show_result,
)

user = session.screen_user()
st.title("Import")
if not user.manages_people:
    st.error(NOT_FOUND)
    st.stop()
db = session.database()
name = st.segmented_control("What is in the file", list(KINDS), format_func=lambda k: KINDS[k].label,
                            default="roster", required=True, key=KIND)
kind = KINDS[name]
st.caption(kind.help())
# Choosing another file forgets the last import's sign-ins.
upload = st.file_uploader("Roster or assessments file (CSV, text or Excel)", type=FILE_TYPES, key=FILE,
                          on_change=forget_result)
result_area = st.container()

if upload is not None:
    data = upload.getvalue()
    mapping = read_columns(name, kind, data)
    preview = None if mapping is None else make_preview(db, user, kind, data, mapping)
    if mapping is not None and preview is not None:
        pressed_on = fingerprint(name, data, mapping)
        confirmed = st.session_state.pop(CONFIRMED, None)
        if confirmed == (pressed_on, preview.summary()) and preview.ok:
            with result_area:
                commit(db, user, kind, preview)
            preview = make_preview(db, user, kind, data, mapping)  # the screen shows the database as it now is
        elif confirmed is not None:
            st.warning("The preview changed after you pressed Import (the file, its columns, or these students "
                       "changed). Nothing was imported: check the preview again.")
        if preview is not None:
            show_preview(preview, pressed_on)

with result_area:
    show_result()
