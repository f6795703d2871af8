"""Sign in: the only screen a signed-out person can reach, whatever URL they open."""

import pandas as pd
import streamlit as st

from plpcore import accounts
from ui import auth, links, session, sso
from ui.feedback import md, show_welcome
from ui.session import StateKeys

session.signed_out_screen()
authenticator = auth.authenticator(session.database())

st.title("PlanTable", anchor=False)
st.caption("Learning plans, worked on together by the student's team.")
show_welcome()
left, right = st.columns([3, 2], gap="large")
with left:
    authenticator.login(location="main", key=auth.FORM_KEY, fields=auth.FORM_FIELDS)
    if st.session_state.get("authentication_status"):
        st.session_state[StateKeys.COOKIE] = "set"
        st.session_state.pop(StateKeys.WELCOME, None)  # read: the person acted on it
        st.rerun()  # draw the signed-in app now, not the form for one more run
    refused = st.session_state.pop(StateKeys.SIGN_IN_ERROR, None)
    if refused:
        st.error(md(refused))
    sso.sign_in_buttons()
    with st.expander("Forgot your password?"):
        links.forgot_password(session.database(), heading="Get a link to choose a new one")

demo_accounts = accounts.demo_sign_ins(session.database())
if demo_accounts:
    with right:  # beside the form, so both are in view while typing
        st.header("Demo sign-ins", anchor=False)
        st.write("Sign in as any of these made-up people. The list stays here while the demo school is loaded.")
        # A plain table, so the passwords can be selected and copied as text.
        st.table(pd.DataFrame(demo_accounts, columns=["role", "username", "password"]).set_index("role"))
