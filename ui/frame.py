"""The frame around every screen: who is signed in, sign out, and the demo-school banner."""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth

from plpcore import accounts
from plpcore.db import Database
from ui.auth import sign_out
from ui.session import SignedIn


def sidebar(user: SignedIn, auth: stauth.Authenticate, db: Database) -> None:
    with st.sidebar:
        st.caption("Signed in as")
        st.text(f"{user.name} ({user.kind})")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            sign_out(auth, db, user.id)
            st.rerun()


def demo_banner(db: Database) -> None:
    if accounts.is_demo(db):
        st.warning("**Demo school.** Every student and account here is made up. "
                   "Do not enter real student information.", icon=":material/science:")
