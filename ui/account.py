"""My account's e-mail choices, and the page a "stop these e-mails" link opens."""

from __future__ import annotations

import streamlit as st

from plpcore import accounts, reminders
from plpcore.db import Database
from plpcore.models import User
from ui.feedback import show_error, write


def email_choices(db: Database, account: User) -> None:
    st.header("E-mail from PlanTable")
    if not account.email:
        st.write("PlanTable has no e-mail address for you, so it sends you nothing. "
                 "Ask your school to add one.")
        return
    st.text(f"We write to {account.email}.")
    with st.form("account_email"):
        st.checkbox("Reminders: home check-ins, supports to log, records to sign, meetings tomorrow "
                    "(at most one e-mail a day)", value=account.email_reminders, key="account_email_reminders")
        st.checkbox("Meeting notices and meeting records", value=account.email_notices, key="account_email_notices",
                    help="If you turn this off, your school gives you notices another way, such as on paper.")
        st.form_submit_button("Save my choices", key="account_email_submit", on_click=_save, args=(db, account.id))
    show_error("account_email")
    if account.email_choice_at:
        chosen = account.email_choice_at
        st.caption(f"You chose these on {chosen:%B} {chosen.day}, {chosen.year}.")


def _save(db: Database, user_id: int) -> None:
    state = st.session_state
    write(accounts.set_email_choices, db, user_id, reminders=state.account_email_reminders,
          notices=state.account_email_notices, done="Your e-mail choices are saved.", where="account_email")


def stop_emails_page(db: Database) -> None:
    """What a "stop these e-mails" link opens, signed in or not. It shows nothing of anyone: the
    same words whether the link is someone's or not, and a button, so a mail scanner that opens
    every link in a message does not stop anyone's e-mail."""
    token = st.query_params.get("token", "")
    st.title("Stop these e-mails")
    if st.session_state.get("stop_emails_done") == token:
        st.success("Done. PlanTable will send you no more reminders. "
                   "Meeting notices still come, as your school must send them.")
        st.button("Undo: send me reminders again", key="stop_emails_undo", on_click=_undo, args=(db, token))
        return
    st.write("PlanTable sends reminders: home check-ins, supports to log, records to sign and meetings "
             "tomorrow. Stop them with the button below. You can turn them on again under My account.")
    st.button("Stop reminder e-mails", type="primary", key="stop_emails_button", on_click=_stop, args=(db, token))


def _stop(db: Database, token: str) -> None:
    reminders.stop_emails(db, token)
    st.session_state["stop_emails_done"] = token


def _undo(db: Database, token: str) -> None:
    reminders.stop_emails(db, token, stop=False)
    st.session_state.pop("stop_emails_done", None)
    st.toast("Reminders are on again.")
