"""My account: change my password. Until an initial (or reset) password is changed, it is the only page."""

from __future__ import annotations

import streamlit as st

from pages.common import database, flash, home_page, require_user, show_error
from plpcore import accounts
from plpcore.errors import InvalidInput, PlanTableError


def render() -> None:
    user = require_user()
    db = database()
    account = accounts.user_by_name(db, user.username)
    must_change = bool(account and account.must_change_password)
    if must_change:
        st.title("Choose a new password")
        st.info("Your password was set by someone else. Choose your own before you continue: "
                "only you should know it.")
    else:
        st.title("My account")
        st.text(f"{user.name} · {user.username} · {user.kind}" + (" · admin" if user.is_admin else ""))
        st.subheader("Change my password")
    with st.form("account_password", clear_on_submit=True):
        st.text_input("Current password", type="password", key="account_current")
        st.text_input("New password (at least 8 characters)", type="password", key="account_new")
        st.text_input("New password again", type="password", key="account_again")
        submitted = st.form_submit_button("Change password", type="primary", key="account_submit")
    if not submitted:
        return
    state = st.session_state
    try:
        if state.account_new != state.account_again:
            raise InvalidInput("new password", "the two new passwords differ.")
        accounts.change_password(db, user.id, state.account_current, state.account_new)
    except PlanTableError as exc:
        show_error(exc)
        return
    if must_change:
        flash("Your password is changed. Welcome to PlanTable.")
        st.switch_page(home_page())
    flash("Your password is changed.")
    st.rerun()


if __name__ == "__main__":  # opened by URL on a fresh server: see common.run_entrypoint_instead
    from pages.common import run_entrypoint_instead

    run_entrypoint_instead()
