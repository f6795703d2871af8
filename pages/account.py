"""My account: change my password. Until an initial (or reset) password is changed, it is the only screen."""

import streamlit as st

from plpcore import accounts
from plpcore.db import Database
from ui import auth, routes, session
from ui.account import email_choices
from ui.feedback import flash, refuse, show_error, write

user = session.screen_user()
WELCOMED = "account_welcomed"  # a one-shot flag: the first password of one's own was just chosen

if st.session_state.pop(WELCOMED, False):
    # The callback cannot switch screens; this run, the first after it, does.
    flash("Your password is changed. Welcome to PlanTable.")
    routes.open_home()


def change_password(db: Database, user_id: int, must_change: bool) -> None:
    state = st.session_state
    if state.account_new != state.account_again:
        refuse("new password: the two new passwords differ.", where="account_password")
        return
    changed = write(accounts.change_password, db, user_id, state.account_current, state.account_new,
                    done="" if must_change else "Your password is changed.", where="account_password")
    if changed:
        auth.stay_signed_in()  # the change ended the account's other sessions, not this one
    if changed and must_change:
        st.session_state[WELCOMED] = True


db = session.database()
account = accounts.user_by_name(db, user.username)
must_change = bool(account and account.must_change_password)
if must_change:
    st.title("Choose a new password")
    st.info("Your password was set by someone else. Choose your own before you continue: "
            "only you should know it.")
else:
    st.title("My account")
    st.text(f"{user.name} · {user.username} · {user.kind}" + (" · admin" if user.is_admin else ""))
    if account is not None:
        email_choices(db, account)
    st.header("Change my password")
with st.form("account_password", clear_on_submit=True):
    st.text_input("Current password", type="password", key="account_current")
    st.text_input("New password (at least 8 characters)", type="password", key="account_new")
    st.text_input("New password again", type="password", key="account_again")
    st.form_submit_button("Change password", type="primary", key="account_submit", on_click=change_password,
                          args=(db, user.id, must_change))
show_error("account_password")
