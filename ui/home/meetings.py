"""The meetings on a home: the ones running now or scheduled today (on a day without one, the next)
come first, right under the page's title, with records waiting for my signature; later ones close
the page.

While a meeting of mine is today, a small fragment polls its status (one indexed statement) and
reruns the page when it changed, so "in progress now — Join" appears without a reload. A home
with no meeting today has no fragment and sends no poll.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from plpcore import queries
from plpcore.db import Database
from plpcore.errors import PlanTableError
from plpcore.shapes import UpcomingMeeting
from ui import routes
from ui.feedback import md
from ui.session import SignedIn

UPCOMING_SHOWN = 5  # a home lists the next few; the meetings lobby has them all
# The room polls every second because people edit together there; a home only waits for one
# status to change, once or twice a day, and is open far longer and on many more screens. Every
# three seconds is "within a few seconds" (about 1.5 s on average, 3 s at worst, plus the rerun),
# at a third of the room's statements and ticks; and every tick re-sends the page's widget values,
# so fewer ticks also mean fewer chances for a stale one (see ui.editing.row_picker).
POLL_SECONDS = 3.0


def mine(db: Database, user: SignedIn) -> list[UpcomingMeeting]:
    """Running, then scheduled meetings on my students' plans (none, rather than an error, if refused)."""
    try:
        return queries.upcoming_meetings(db, user.id)
    except PlanTableError:
        return []


def running(meeting: UpcomingMeeting) -> bool:
    return meeting["status"] == "in progress"


def today(meeting: UpcomingMeeting) -> bool:
    """Running, or scheduled for today: the meetings a home follows."""
    return running(meeting) or meeting["scheduled_at"].date() == dt.date.today()


def first(meetings: list[UpcomingMeeting]) -> list[UpcomingMeeting]:
    """What a home shows before anything else: every meeting running now or scheduled today; on a
    day without one, the next meeting to come."""
    now = [m for m in meetings if today(m)]
    if now:
        return now
    return next(([m] for m in meetings if m["scheduled_at"].date() > dt.date.today()), [])


def top(db: Database, user: SignedIn, meetings: list[UpcomingMeeting]) -> None:
    """Right under a home's title: today's meetings (or the next one), then records to sign."""
    for meeting in first(meetings):
        _row(meeting)
    records_to_sign(db, user)


def records_to_sign(db: Database, user: SignedIn) -> None:
    """A finalized meeting I attended and have not signed: reading and signing its record is a click away."""
    try:
        records = queries.records_to_sign(db, user.id)
    except PlanTableError:
        return
    for record in records:
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            st.markdown(md(f"The record of {record['student']}'s {record['kind']} on "
                           f"{record['scheduled_at']:%b %d} is ready for you to read and sign."))
            if st.button("Read and sign", key=f"home_sign_{record['id']}", icon=":material/draw:"):
                routes.open_meeting(record["id"])


def later(meetings: list[UpcomingMeeting]) -> None:
    """At the end of a home: the next few meetings not already shown at the top."""
    shown = {m["id"] for m in first(meetings)}
    rest = [m for m in meetings if m["id"] not in shown]
    if rest:
        st.header("Later meetings", anchor=False)
    for meeting in rest[:UPCOMING_SHOWN]:
        _row(meeting)


def _row(meeting: UpcomingMeeting) -> None:
    at = meeting["scheduled_at"]
    on_today = at.date() == dt.date.today()
    when = f"**{md(f'today at {at:%H:%M}')}**" if on_today else md(f"{at:%a %b %d, %H:%M}")
    words = [md(meeting["student"]), md(meeting["kind"]), when] + ([md(meeting["location"])] if meeting["location"] else [])
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        with st.container(gap="small"):
            st.markdown(" · ".join(words) + (" · :green[**in progress now**]" if running(meeting) else ""))
            if on_today and not running(meeting):
                st.caption("Not started yet. Keep this page open: a Join button appears here when it starts.")
        # One key for the meeting whatever its status: both buttons open the same room, so a click on
        # Details that reaches the run after the card turned into Join (a poll's rerun in between)
        # still opens it, as the person asked, instead of being dropped.
        if running(meeting):
            clicked = st.button("Join the meeting", key=f"home_meeting_{meeting['id']}", type="primary",
                                icon=":material/groups:")
        else:  # not "Open": next to "not started yet" that reads as starting it
            clicked = st.button("Details", key=f"home_meeting_{meeting['id']}", icon=":material/event:",
                                help="The meeting's page: who is invited, and a calendar invitation")
        if clicked:
            routes.open_meeting(meeting["id"])


# --- following today's meetings --------------------------------------------------------------------


def follow(db: Database, meetings: list[UpcomingMeeting]) -> None:
    """While a meeting of mine is today, poll it; without one, draw nothing (no fragment, no poll).

    The fragment lives in the sidebar, under the frame's few fixed elements, so its place is the
    same on every run whatever the page above and below it shows. A fragment that vanished between
    runs (the meeting was finalized, say) could still tick once more and draw where it used to be:
    there, it draws into an empty end of the sidebar, never over a meeting card or a form.
    """
    shown = {m["id"]: m["status"] for m in meetings if today(m)}
    if shown:
        with st.sidebar:
            _poll(db, shown)


@st.fragment(run_every=POLL_SECONDS)
def _poll(db: Database, shown: dict[int, str]) -> None:
    """One indexed statement per tick for the statuses this page showed; a change reruns the page."""
    if queries.meeting_statuses(db, list(shown)) != shown:
        st.rerun(scope="app")
