"""PlanTable's entrypoint: the shared frame and the router.

It opens the database (creating or upgrading it), decides who is signed in, and gives
each person only the screens they may use: Set up on an empty database, Sign in while
signed out, Choose a new password while an initial password is still in use.
"""

import streamlit as st

from plpcore import accounts
from ui import auth, frame, routes, session, sso
from ui.feedback import show_flash

st.set_page_config(page_title="PlanTable", page_icon="📋", layout="wide")

with session.routed():
    frame.style()
    try:
        db = session.database()
        if accounts.is_empty(db):
            pg = st.navigation(routes.setup_pages())
        else:
            authenticator = auth.authenticator(db)
            signed_in = sso.signed_in_user(db) or auth.signed_in_user(authenticator, db)
            if signed_in is None:
                pg = st.navigation(routes.signed_out_pages())
            else:
                user, must_change_password = signed_in
                pg = st.navigation(routes.choose_password_pages() if must_change_password else routes.pages_for(user))
                frame.sidebar(user, authenticator, db)
            frame.demo_banner(db)
    except session.CookieKeyTooShort as misconfigured:
        st.error(str(misconfigured))
        st.stop()
    frame.title(pg.title)
    frame.new_screen_at_top(pg)
    frame.no_hidden_tab_stops()
    show_flash()
    routes.run(pg)  # an unexpected error: a calm sentence on the page, the traceback in the log
