"""PlanTable's entrypoint: opens the database (creating or upgrading it) and says so.

The sign-in, navigation and pages come with the app issue; this placeholder proves the
embedded SQLite default works on a fresh machine.
"""

import streamlit as st

from plpcore.accounts import is_empty
from plpcore.db import Database, init_schema


@st.cache_resource
def database(url: str | None = None) -> Database:
    db = Database(url)
    init_schema(db)
    return db


st.set_page_config(page_title="PlanTable", page_icon="📋", layout="wide")
st.title("PlanTable")
db = database()
st.success(f"Database ready ({db.engine.dialect.name}).")
if is_empty(db):
    st.info("No school is set up yet. Run `python -m plpcore demo` for a demo school.")
