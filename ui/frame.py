"""The frame around every screen: who is signed in, sign out, the demo-school banner, and the app's style."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st
import streamlit_authenticator as stauth

from plpcore import accounts
from plpcore.db import Database
from ui.auth import sign_out
from ui.session import SignedIn

STYLESHEET = Path(__file__).with_name("style.css")


def style() -> None:
    """PlanTable's few style rules (ui/style.css, each with its reason). Streamlit puts a style-only
    st.html in its event container, so this takes no room on the page."""
    st.html(STYLESHEET)


def sidebar(user: SignedIn, auth: stauth.Authenticate, db: Database) -> None:
    with st.sidebar:
        st.caption("Signed in as")
        st.text(f"{user.name} ({user.kind})")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            sign_out(auth, db, user.id)
            st.rerun()


def title(*parts: str) -> None:
    """The browser tab's title, most particular first: "Ana Lopez · Student plan · PlanTable" (WCAG
    2.4.2). The entrypoint names the screen; a screen about one student names them too. Plain text:
    the browser shows a title as written, never as markup."""
    st.set_page_config(page_title=" · ".join((*parts, "PlanTable")))


def demo_banner(db: Database) -> None:
    if accounts.is_demo(db):
        st.warning("**Demo school.** Every student and account here is made up. "
                   "Do not enter real student information.", icon=":material/science:")


def no_hidden_tab_stops() -> None:
    """An iframe is a tab stop, and the sign-in cookie's component (streamlit-authenticator's cookie
    manager) is one that draws nothing: Tab paused on something invisible (WCAG 2.4.3, 2.4.7). Our few
    lines take every iframe that has no size out of the tab order, now and whenever one is added."""
    with st.container(key="frame_tab_stops"):  # hidden by ui/style.css: it draws nothing
        st.html(_NO_HIDDEN_TAB_STOPS, unsafe_allow_javascript=True)


_NO_HIDDEN_TAB_STOPS = """<script>
(() => {
  if (window.plantableTabStops) return;
  window.plantableTabStops = true;
  const quiet = () => {
    for (const frame of document.querySelectorAll('iframe:not([tabindex="-1"])')) {
      const box = frame.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1) frame.tabIndex = -1;
    }
  };
  quiet();
  new MutationObserver(quiet).observe(document.body, {childList: true, subtree: true});
})();
</script>"""


def new_screen_at_top(screen: st.Page) -> None:
    """A screen this browser tab was not showing opens at its top.

    Streamlit starts at the top only when the browser switches pages (a link, st.switch_page),
    because it clears the old page first. Signing in or out draws another screen in place, in a
    rerun, and that screen kept the old one's scroll offset: on a phone, where the demo's sign-ins
    sit under the form, the plan opened halfway down. No Streamlit call resets it (st.switch_page
    to the page being drawn clears nothing), so our own few lines do. They run when their text, the
    screen's title, changes, and scroll only if the tab last showed another screen: a rerun of the
    same screen never moves it.
    """
    with st.container(key="frame_top"):  # hidden by ui/style.css: it draws nothing
        st.html(_TOP.replace("SCREEN", json.dumps(screen.title)), unsafe_allow_javascript=True)


_TOP = """<script>
(() => {
  const screen = SCREEN;
  if (window.plantableScreen === screen) return;
  window.plantableScreen = screen;
  document.querySelector('[data-testid="stMain"]')?.scrollTo(0, 0);
})();
</script>"""
