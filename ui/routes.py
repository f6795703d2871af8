"""Routes: the one registry of screens, who gets which, and the URL that says which student, plan or meeting.

"Which" travels in the URL alone (`?student=`, `?plan=`, `?meeting=`, `?schedule=`): every
link and switch sets it, session state never overrides it, and a bookmarked or shared URL
opens the same screen after the same permission check in plpcore.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

import streamlit as st
from streamlit.logger import get_logger

from ui.session import SignedIn
from ui.words import parse_id


@dataclass(frozen=True)
class Screen:
    path: str  # the screen's script, relative to the entrypoint
    title: str
    icon: str
    url: str  # its URL path: what a person bookmarks

    def page(self, *, title: str | None = None, default: bool = False, hidden: bool = False) -> st.Page:
        return st.Page(self.path, title=title or self.title, icon=self.icon, url_path=self.url, default=default,
                       visibility="hidden" if hidden else "visible")


HOME = Screen("pages/home.py", "Home", ":material/home:", "home")
PLAN = Screen("pages/plan.py", "Student plan", ":material/description:", "plan")
MEETING = Screen("pages/meeting.py", "Meeting room", ":material/groups:", "meeting")
REPORTS = Screen("pages/reports.py", "Reports", ":material/fact_check:", "reports")
ADMIN = Screen("pages/admin.py", "Admin", ":material/manage_accounts:", "admin")
IMPORT = Screen("pages/import.py", "Import", ":material/upload_file:", "import")
ACCOUNT = Screen("pages/account.py", "My account", ":material/key:", "account")
SIGN_IN = Screen("pages/sign_in.py", "Sign in", ":material/login:", "sign-in")
SETUP = Screen("pages/setup.py", "Set up", ":material/school:", "setup")
STOP_EMAILS = Screen("pages/stop-emails.py", "Stop these e-mails", ":material/unsubscribe:", "stop-emails")
# What the one-time links in e-mail open (plpcore.links.PATHS names the same URLs).
WELCOME = Screen("pages/welcome.py", "Welcome", ":material/waving_hand:", "welcome")
RESET_PASSWORD = Screen("pages/reset-password.py", "Choose a new password", ":material/lock_reset:", "reset-password")
SIGN_RECORD = Screen("pages/sign-record.py", "Read and sign", ":material/draw:", "sign-record")

SIGNED_IN_SCREENS = (HOME, PLAN, MEETING, REPORTS, ADMIN, IMPORT, ACCOUNT)
# What a link in an e-mail opens, signed in or not.
SIGNED_OUT_SCREENS = (STOP_EMAILS, WELCOME, RESET_PASSWORD, SIGN_RECORD)
SIGNED_OUT_URLS = frozenset(screen.url for screen in SIGNED_OUT_SCREENS)
BY_URL = {screen.url: screen for screen in (*SIGNED_IN_SCREENS, SIGN_IN, SETUP, *SIGNED_OUT_SCREENS)}


def pages_for(user: SignedIn) -> list[st.Page]:
    """The screens in this person's navigation; what each shows still depends on their links."""
    screens = [HOME, PLAN, MEETING] + ([REPORTS, ADMIN, IMPORT] if user.manages_people else []) + [ACCOUNT]
    return [screen.page(default=screen is HOME) for screen in screens] + [s.page(hidden=True) for s in SIGNED_OUT_SCREENS]


def signed_out_pages() -> list[st.Page]:
    """Signed out, every screen's URL shows the sign-in form (so a bookmarked link works after
    signing in) and nothing else."""
    return [SIGN_IN.page(default=True)] + [
        st.Page(SIGN_IN.path, title=SIGN_IN.title, url_path=screen.url, visibility="hidden")
        for screen in SIGNED_IN_SCREENS
    ] + [screen.page(hidden=True) for screen in SIGNED_OUT_SCREENS]


def link(screen: Screen, label: str, icon: str, *, signed_in: bool, query_params: dict[str, str] | None = None) -> None:
    """A link to a screen's URL from a screen anyone may open. Signed out, a signed-in screen's URL
    is served by the sign-in form (which then opens that screen), so the link names that page."""
    path = screen.path if signed_in or screen not in SIGNED_IN_SCREENS else SIGN_IN.path
    st.page_link(st.Page(path, title=screen.title, url_path=screen.url), label=label, icon=icon,
                 query_params=query_params)


SOMETHING_WENT_WRONG = "Something went wrong; it has been logged."
SCREEN_LOG = "plantable.screens"  # the server log's name for screens that failed


def run(pg: st.Page) -> None:
    """Run the screen `pg` names. An unexpected error shows one calm sentence; what it was, and
    where, goes to the server log only, never to the page.

    st.stop, st.rerun and st.switch_page pass through untouched: they are BaseExceptions, not
    Exceptions. Streamlit's own handler (client.showErrorDetails = "none") still covers what runs
    outside a screen (callbacks, fragment reruns), with its generic text, also logged.
    """
    try:
        pg.run()
    except Exception:
        get_logger(SCREEN_LOG).exception("The screen %r failed", pg.title)  # Streamlit's log format
        st.error(SOMETHING_WENT_WRONG, icon=":material/error:")


def setup_pages() -> list[st.Page]:
    return [SETUP.page(default=True)]


def choose_password_pages() -> list[st.Page]:
    return [ACCOUNT.page(title="Choose a new password", default=True)]


# --- which student, plan or meeting -----------------------------------------------------------------

BAD = -1  # an id in the URL that is not a number: no screen can show anything for it


def asked(param: str) -> int | None:
    """The id the URL names under `param`: None when it names none, BAD when it is not an id."""
    raw = st.query_params.get(param)
    if raw is None:
        return None
    value = parse_id(raw)
    return BAD if value is None else value


def choose(param: str, value: int | None, *, drop: tuple[str, ...] = ()) -> None:
    """A picker's choice, put in the URL (a callback): `value` under `param`, and the params it replaces dropped."""
    for other in drop:
        st.query_params.pop(other, None)
    if value is None:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(value)


def keep(param: str, value: int) -> None:
    """Make the URL name what the screen shows (a reload, or a shared link, opens it again)."""
    if st.query_params.get(param) != str(value):
        st.query_params[param] = str(value)


def open_plan(student_id: int, plan_id: int | None = None) -> NoReturn:
    """Go to the plan screen for one student (its current plan, unless `plan_id` names another)."""
    params = {"student": str(student_id)} | ({"plan": str(plan_id)} if plan_id is not None else {})
    st.switch_page(PLAN.path, query_params=params)


def open_meeting(meeting_id: int) -> NoReturn:
    """Go to the meeting room for one meeting (the room asks plpcore again before showing anything)."""
    st.switch_page(MEETING.path, query_params={"meeting": str(meeting_id)})


def schedule_meeting(student_id: int) -> NoReturn:
    """Go to the meetings lobby with the schedule form open on one student."""
    st.switch_page(MEETING.path, query_params={"schedule": str(student_id)})


def open_home(child_id: int | None = None) -> NoReturn:
    st.switch_page(HOME.path, query_params={"student": str(child_id)} if child_id is not None else None)
