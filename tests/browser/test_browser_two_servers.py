"""In a real browser: two Streamlit server processes over one PostgreSQL, as a district runs
PlanTable behind a load balancer. A meeting participant on one server sees what another saved
on the other: the room keeps nothing in a process, only in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from bench.driving import open_app, settle, sign_in
from bench.servers import start_server
from plpcore import meetings
from plpcore.models import User
from tests.conftest import make_school

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

FOLLOWS = 10_000  # ms, as in the meeting room test: "follows by itself", not a speed check


@pytest.fixture
def two_servers(postgres_db, tmp_path):
    school = make_school(postgres_db)
    school.db = postgres_db
    with postgres_db.write() as s:  # the accounts' first passwords count as chosen: no forced change here
        s.execute(update(User).values(must_change_password=False))
    servers = [start_server(postgres_db.url, tmp_path / f"streamlit-{name}.log") for name in "ab"]
    yield school, servers
    for server in servers:
        server.stop()


def test_a_participant_on_one_server_sees_an_edit_made_on_the_other(two_servers, browser):
    school, (a, b) = two_servers
    edits_cross(browser, school, {"sam": (a.base, []), "tia": (b.base, [])})


def edits_cross(browser, school, where: dict[str, tuple[str, list[dict]]]) -> None:
    """Sam and Tia in one meeting, each at their own address (with cookies to start with): each
    sees what the other does within FOLLOWS ms. Also run through nginx (test_browser_nginx.py)."""
    meeting = meetings.schedule_meeting(school.db, school.sam, school.ana_plan, kind="check-in",
                                        scheduled_at=dt.datetime.now().replace(second=0, microsecond=0))
    url = f"/meeting?meeting={meeting}"
    contexts = []
    try:
        pages = {}
        for username, (base, cookies) in where.items():
            context = browser.new_context(viewport={"width": 1366, "height": 1200})
            context.set_default_timeout(30_000)
            context.add_cookies(cookies)
            contexts.append(context)
            page = context.new_page()
            open_app(page, base)
            sign_in(page, username, school.password)
            page.goto(base + url)
            settle(page)
            pages[username] = page
        sam, tia = pages["sam"], pages["tia"]

        # Sam opens the meeting on his server; Tia, waiting on hers, follows.
        sam.get_by_role("button", name="Open the meeting").click()
        tia.get_by_text("Step 1 of 7: Attendance").first.wait_for(timeout=FOLLOWS)
        settle(tia)

        # Tia checks in; Sam sees it.
        tia.get_by_role("button", name="Check in").click()
        sam.get_by_text("Tia · teacher · present, in person").first.wait_for(timeout=FOLLOWS)
        settle(sam)

        # Sam moves the agenda; Tia's screen follows.
        sam.get_by_role("button", name="Check in").click()
        settle(sam)
        sam.get_by_role("button", name="Next: student voice first").click()
        tia.get_by_text("Step 2 of 7: Student voice first").first.wait_for(timeout=FOLLOWS)
    finally:
        for context in contexts:
            context.close()
