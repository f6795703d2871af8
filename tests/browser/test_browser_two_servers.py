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

FOLLOWS = 3_000  # ms, as in the meeting room test: the room polls every second


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
    meeting = meetings.schedule_meeting(school.db, school.sam, school.ana_plan, kind="check-in",
                                        scheduled_at=dt.datetime.now().replace(second=0, microsecond=0))
    url = f"/meeting?meeting={meeting}"
    contexts = []
    try:
        pages = {}
        for name, server, username in (("sam", a, "sam"), ("tia", b, "tia")):
            context = browser.new_context(viewport={"width": 1366, "height": 1200})
            context.set_default_timeout(30_000)
            contexts.append(context)
            page = context.new_page()
            open_app(page, server.base)
            sign_in(page, username, school.password)
            page.goto(server.base + url)
            settle(page)
            pages[name] = page
        sam, tia = pages["sam"], pages["tia"]

        # Sam opens the meeting on server A; Tia, waiting on server B, follows.
        sam.get_by_role("button", name="Open the meeting").click()
        tia.get_by_text("Step 1 of 7: Attendance").first.wait_for(timeout=FOLLOWS)
        settle(tia)

        # Tia checks in on server B; Sam sees it on server A.
        tia.get_by_role("button", name="Check in").click()
        sam.get_by_text("Tia · teacher · present, in person").first.wait_for(timeout=FOLLOWS)
        settle(sam)

        # Sam moves the agenda on server A; Tia's screen on server B follows.
        sam.get_by_role("button", name="Check in").click()
        settle(sam)
        sam.get_by_role("button", name="Next: student voice first").click()
        tia.get_by_text("Step 2 of 7: Student voice first").first.wait_for(timeout=FOLLOWS)
    finally:
        for context in contexts:
            context.close()
