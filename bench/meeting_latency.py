"""Edit-to-visible latency in the meeting room, and what one idle poll tick costs.

    python -m bench.meeting_latency [--edits 20] [--url DATABASE_URL] [--servers 1|2] [--json FILE]

Builds the demo school in an empty database (a temporary SQLite file unless --url names
one), starts one `streamlit run` per --servers over it, and opens two browser profiles in
Debian's Chromium: the specialist on the first server, a teacher of the same student on the
last. With the meeting at "student voice first", the specialist saves the student's answer
--edits times; each time the clock runs from the click on Save until the teacher's screen
shows the new words. Reports the median and the worst, the poll interval, and the SQL
statements of one idle poll tick (counted on the engine, not timed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.driving import open_app, settle, sign_in
from bench.servers import start_server
from bench.sql import count_statements
from plpcore import accounts, demo, meetings, queries
from plpcore.db import Database, init_schema
from ui.meeting.room import POLL_SECONDS

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1366, "height": 1600}


def idle_tick_statements(db: Database, plan_id: int) -> int:
    """The statements one poll tick sends when nothing changed: what `live` in ui/meeting/room.py runs."""
    with count_statements(db) as seen:
        queries.plan_revision(db, plan_id)
    return len(seen)


def prepare(db: Database) -> tuple[dict, int, int, int]:
    """The demo school, and a meeting at "student voice first" with a specialist and a teacher
    checked in: (accounts by role, specialist id, meeting id, plan id)."""
    init_schema(db)
    school = demo.build_school(db, students=86)
    shown = {role: username for role, username, _ in school.accounts}
    teacher = accounts.user_by_name(db, shown["teacher"])
    plan_id = int(queries.my_students(db, teacher.id).dropna(subset=["plan_id"]).iloc[0].plan_id)
    meeting = meetings.schedule_meeting(db, school.specialist_id, plan_id, kind="annual ALP review",
                                        scheduled_at=dt.datetime.now().replace(second=0, microsecond=0))
    meetings.open_meeting(db, school.specialist_id, meeting)
    for user_id in (school.specialist_id, teacher.id):
        meetings.check_in(db, user_id, meeting)
    meetings.advance(db, school.specialist_id, meeting, "attendance")
    logins = {role: (username, school.passwords[role]) for role, username in shown.items()}
    return logins, school.specialist_id, meeting, plan_id


def signed_in(browser, base: str, username: str, password: str, url: str):
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.set_default_timeout(30_000)
    open_app(page, base)
    sign_in(page, username, password)
    page.goto(base + url)
    page.get_by_text("Step 2 of 7").first.wait_for()
    settle(page)
    return page


def measure(bases: list[str], logins: dict, meeting: int, edits: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    url = f"/meeting?meeting={meeting}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        editor = signed_in(browser, bases[0], *logins["specialist"], url)
        watcher = signed_in(browser, bases[-1], *logins["teacher"], url)
        question = editor.locator(".st-key-meeting_voice_feelings")
        seconds = []
        for i in range(1, edits + 1):
            words = f"Edit {i}: math still feels too easy ({time.time_ns()})"
            question.get_by_role("button", name=re.compile(r"^(Edit|Write)$")).first.click()
            settle(editor)
            question.get_by_role("textbox").fill(words)
            started = time.perf_counter()
            question.get_by_role("button", name="Save").click()
            watcher.get_by_text(words).first.wait_for(timeout=30_000)
            seconds.append(time.perf_counter() - started)
            settle(editor)
            settle(watcher)
        browser.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.meeting_latency", description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--url", help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--servers", type=int, choices=(1, 2), default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="plantable-bench-"))
    url = args.url or f"sqlite:///{work / 'bench.db'}"
    db = Database(url)
    logins, specialist, meeting, plan_id = prepare(db)
    servers = [start_server(url, work / f"streamlit-{i}.log") for i in range(args.servers)]
    try:
        seconds = measure([s.base for s in servers], logins, meeting, args.edits)
    finally:
        for server in servers:
            server.stop()
    ticks = idle_tick_statements(db, plan_id)
    db.dispose()

    row = {"db": db.engine.dialect.name, "servers": args.servers, "figure": "edit_to_visible",
           "edits": len(seconds), "poll_seconds": POLL_SECONDS,
           "median_ms": round(statistics.median(seconds) * 1000), "worst_ms": round(max(seconds) * 1000),
           "best_ms": round(min(seconds) * 1000), "idle_tick_statements": ticks}
    print(f"{'db':<10} {'servers':>7} {'edits':>5} {'poll':>5} {'median':>8} {'worst':>8} {'best':>8} {'tick SQL':>8}")
    print(f"{row['db']:<10} {args.servers:>7} {row['edits']:>5} {POLL_SECONDS:>4}s {row['median_ms']:>6}ms "
          f"{row['worst_ms']:>6}ms {row['best_ms']:>6}ms {ticks:>8}")
    if args.json:
        args.json.write_text(json.dumps([row], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
