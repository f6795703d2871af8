"""What the one-time links in e-mail open, signed in or not: choose a password (welcome, reset),
read and sign a record; and the "Forgot your password?" form.

Opening a link only reads whether it works: it is used by a button, because a mail scanner opens
every link in a message. An expired, used or unknown link gets the same plain words and a way to
ask for a new one.
"""

from __future__ import annotations

import streamlit as st

from plpcore import links
from plpcore.db import Database
from plpcore.errors import InvalidInput, LinkRefused
from plpcore.models import LinkPurpose
from ui import routes
from ui.feedback import field_problem, md, show_error
from ui.session import current_user

DONE = "links_done"  # {token: username} of the password just chosen, for the "you can sign in now" page
FORGOT_ANSWER = "links_forgot_answer"
SIGN_DONE = "links_sign_done"  # {token: meeting id} of the sign link just used
WHERE = "links_password"  # the choose-a-password form


def _token() -> str:
    return st.query_params.get("token", "")


def choose_password_page(db: Database, purpose: LinkPurpose) -> None:
    """A welcome or reset link: choose a password, typed twice; then sign in with it."""
    token = _token()
    welcome = purpose is LinkPurpose.INVITATION
    st.title("Welcome to PlanTable" if welcome else "Choose a new password", anchor=False)
    username = st.session_state.get(DONE, {}).get(token)
    if username is not None:
        st.success(md(f"Your password is set. You can sign in now, with the username {username} and your new "
                      "password."), icon=":material/check_circle:")
        _to_sign_in()
        return
    if not links.works(db, token, purpose):
        refused_page(db)
        return
    st.write("Choose the password you will sign in with: at least 8 characters. A short sentence is easy "
             "to remember and hard to guess." if welcome else
             "Choose your new password: at least 8 characters. A short sentence is easy to remember and hard to guess.")
    with st.form(WHERE, border=False):
        st.text_input("New password", type="password", key="links_password_new", max_chars=72)
        field_problem(WHERE, "new password", "links_password_new", required="Choose a password.")
        st.text_input("New password again", type="password", key="links_password_again", max_chars=72)
        field_problem(WHERE, "new password again", "links_password_again", required="Type the password again.")
        st.form_submit_button("Set my password", type="primary", key="links_password_set", on_click=_set_password,
                              args=(db, token, purpose))
    show_error(WHERE, marked=("new password", "new password again"))


def _set_password(db: Database, token: str, purpose: LinkPurpose) -> None:
    state = st.session_state
    for key in (f"{WHERE}_error", f"{WHERE}_problems"):
        state.pop(key, None)
    try:
        used = links.use(db, token, purpose, password=state.links_password_new,
                         password_again=state.links_password_again)
    except InvalidInput as refused:
        state[f"{WHERE}_error"] = str(refused)
        state[f"{WHERE}_problems"] = {p.field: p.message for p in getattr(refused, "problems", [refused])}
        state[f"{WHERE}_focus"] = True
        return
    except LinkRefused:
        return  # the next run finds the link spent, and says so
    state[DONE] = {token: used.username}
    state.pop("links_password_new", None)
    state.pop("links_password_again", None)


def _to_sign_in() -> None:
    if current_user() is None:
        routes.link(routes.SIGN_IN, "Sign in", ":material/login:", signed_in=False)
    else:
        routes.link(routes.HOME, "Go to your home page", ":material/home:", signed_in=True)


def sign_record_page(db: Database) -> None:
    """A read-and-sign link: on to the record, after signing in."""
    token = _token()
    st.title("Read and sign a meeting record", anchor=False)
    done = st.session_state.get(SIGN_DONE, {})
    if token not in done and not links.works(db, token, LinkPurpose.SIGN):
        refused_page(db)
        return
    if token not in done:
        st.write("A meeting record is ready for you to read and sign. You sign in to PlanTable to read it.")
        st.button("Continue", type="primary", key="links_sign_continue", on_click=_use_sign_link, args=(db, token))
        return
    signed_in = current_user() is not None
    st.write("Read the record, then sign it at the bottom of the page." if signed_in else
             "Sign in, and the record opens. Read it, then sign it at the bottom of the page.")
    meeting_id = done[token]
    if meeting_id is None:  # a link for no one meeting: the home page lists every record to sign
        routes.link(routes.HOME, "Open your home page" if signed_in else "Sign in", ":material/home:",
                    signed_in=signed_in)
        return
    routes.link(routes.MEETING, "Open the record" if signed_in else "Sign in to read the record",
                ":material/description:", signed_in=signed_in, query_params={"meeting": str(meeting_id)})


def _use_sign_link(db: Database, token: str) -> None:
    try:
        used = links.use(db, token, LinkPurpose.SIGN)
    except LinkRefused:
        return  # the next run finds the link spent, and says so
    st.session_state[SIGN_DONE] = {token: used.meeting_id}


def refused_page(db: Database) -> None:
    """An expired, used or unknown link: plain words, and the way to ask for a new one."""
    st.error(str(LinkRefused()), icon=":material/link_off:")
    forgot_password(db, heading="Ask for a new link")


def forgot_password(db: Database, *, heading: str = "Forgot your password?") -> None:
    """Ask for a reset link by username or address. The answer is the same whether or not there is such an account."""
    st.header(heading, anchor=False)
    answer = st.session_state.get(FORGOT_ANSWER)
    if answer:
        st.info(answer, icon=":material/mail:")
        return
    st.caption("Type your username, or the e-mail address the school has for you. A link to choose a "
               "password comes by e-mail.")
    with st.form("links_forgot", border=False):
        st.text_input("Your username or e-mail address", key="links_forgot_who", max_chars=254)
        st.form_submit_button("E-mail me a link", key="links_forgot_send", on_click=_request_reset, args=(db,))
    show_error("links_forgot")


def _request_reset(db: Database) -> None:
    st.session_state.pop("links_forgot_error", None)
    try:
        st.session_state[FORGOT_ANSWER] = links.request_reset(db, st.session_state.links_forgot_who)
    except InvalidInput as refused:
        st.session_state["links_forgot_error"] = str(refused)
