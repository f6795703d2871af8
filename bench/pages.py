"""Render time, SQL statements and rows loaded of each page, per role, through AppTest (the whole
app, in process).

The app opens its own Database from PLP_DATABASE_URL and caches it per URL (ui/session.py);
the statements and rows counted are those of THAT engine, found by listening on every Engine
of the process and keeping those for the URL that are not the benchmark's own. Rows are
counted as bench.sql counts them: what the driver's cursor hands to SQLAlchemy.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import statistics
import time
from collections.abc import Iterator

from sqlalchemy import Engine, event
from streamlit.testing.v1 import AppTest

from bench.servers import COOKIE_KEY, ROOT
from bench.sql import Tally, count_rows_of, sent
from plpcore.db import Database
from plpcore.models import utcnow
from ui.routes import BY_URL
from ui.session import StateKeys

APP = str(ROOT / "streamlit_app.py")
RUN_TIMEOUT_S = 900  # a 20,000-student caseload renders slowly; a hung run still ends
# AppTest sets session state from the main thread, which Streamlit warns about three times a run.
# A filter, not a level: Streamlit sets its loggers' levels again when it loads its config.
BARE_MODE_WARNINGS = "streamlit.runtime.scriptrunner_utils.script_run_context"


def _not_bare_mode_warning(record: logging.LogRecord) -> bool:
    return "missing ScriptRunContext" not in record.getMessage()


@dataclasses.dataclass(frozen=True)
class Visit:
    """One page opened by one demo role: the URL path ("" is home), its query string, and the tab
    open on it (a page whose tabs run only when open, as admin's: "" is its first)."""

    page: str
    role: str
    query: dict[str, str] = dataclasses.field(default_factory=dict)
    tab: str = ""

    @property
    def name(self) -> str:
        """The page, as --pages names it; `label` adds the tab."""
        return self.page or "home"

    @property
    def label(self) -> str:
        return f"{self.name}:{self.tab.split()[0].lower()}" if self.tab else self.name


ADMIN_TAB = "admin_tab"  # pages/admin.py's st.tabs key: the tab a session has open


def visits(plan_student_id: int) -> list[Visit]:
    """Home for every role; the specialist also opens a plan, the reports, the meeting lobby, admin (each
    of its tabs that lists people, links or students) and import; the admin opens admin too (the whole school)."""
    homes = [Visit("", role) for role in ("specialist", "teacher", "guardian", "student", "admin")]
    return homes + [
        Visit("plan", "specialist", {"student": str(plan_student_id)}),
        Visit("reports", "specialist"),
        Visit("meeting", "specialist"),
        Visit("admin", "specialist"),
        Visit("admin", "specialist", tab="Links"),
        Visit("admin", "specialist", tab="Students"),
        Visit("admin", "admin"),
        Visit("import", "specialist"),
    ]


class AppStatements:
    """Counts the statements the app's engine sends for `url`, and the rows their results load,
    leaving out `ours` (the benchmark's own Database on the same URL) and transaction control."""

    def __init__(self, url: str, ours: Database):
        self.url = url
        self.ours = ours.engine
        self.tally = Tally()
        self.engines: set[Engine] = set()

    @property
    def count(self) -> int:
        return len(self.tally.statements)

    @property
    def rows(self) -> int:
        return self.tally.rows

    def _the_apps(self, engine: Engine) -> bool:
        return engine is not self.ours and engine.url.render_as_string(hide_password=False) == self.url

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not self._the_apps(conn.engine):
            return
        self.engines.add(conn.engine)
        if sent(statement):
            self.tally.statements.append(statement)

    def _executed(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self._the_apps(conn.engine):
            count_rows_of(context, self.tally)

    @contextlib.contextmanager
    def listening(self) -> Iterator[AppStatements]:
        event.listen(Engine, "before_cursor_execute", self._seen)
        event.listen(Engine, "after_cursor_execute", self._executed)
        try:
            yield self
        finally:
            event.remove(Engine, "before_cursor_execute", self._seen)
            event.remove(Engine, "after_cursor_execute", self._executed)

    def dispose(self) -> None:
        """Close the app's pooled connections (before its tables are dropped, or its file removed).
        The app's cached Database stays usable: a disposed engine opens new connections."""
        for engine in self.engines:
            engine.dispose()


def app_for(visit: Visit, username: str) -> AppTest:
    """The whole app signed in as `username` the way a valid cookie does, at the visit's URL
    (as tests/app_support.py builds it)."""
    at = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT_S)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state[StateKeys.SIGNED_IN_AT] = utcnow()  # the sign-in is not older than a sign-out elsewhere
    if visit.page:
        at.switch_page(BY_URL[visit.page].path)
    if visit.query:
        at.query_params.update(visit.query)
    if visit.tab:
        at.session_state[ADMIN_TAB] = visit.tab
    return at


def one_run(visit: Visit, username: str, counter: AppStatements) -> tuple[float, int, int]:
    """A fresh session opening the page once: (ms, statements, rows). RuntimeError if the page failed."""
    at = app_for(visit, username)
    before, rows_before = counter.count, counter.rows
    started = time.perf_counter()
    at.run()
    ms = (time.perf_counter() - started) * 1000
    statements, rows = counter.count - before, counter.rows - rows_before
    if at.exception:
        raise RuntimeError(f"{visit.label} as {visit.role} raised: {at.exception[0].message}")
    if any(b.label == "Sign in" for b in at.button):
        raise RuntimeError(f"{visit.label} as {visit.role} ({username}) showed the sign-in form")
    return ms, statements, rows


def measure_pages(db: Database, usernames: dict[str, str], plan_student_id: int, runs: int,
                  *, pages: set[str] | None = None, progress=print) -> list[dict]:
    """Per visit: one warm-up run, then `runs` runs; the median ms, and the statements and rows of one run.

    Rows as {page, role, statements, rows, median_ms}; `statements_varied` is added when the timed
    runs did not all send the same number. `pages` (names, "home" for home) keeps only those visits.
    """
    logging.getLogger(BARE_MODE_WARNINGS).addFilter(_not_bare_mode_warning)  # once: the same filter is kept once
    os.environ["PLP_DATABASE_URL"] = db.url
    os.environ["PLP_COOKIE_KEY"] = COOKIE_KEY
    counter = AppStatements(db.url, db)
    rows = []
    with counter.listening():
        try:
            for visit in visits(plan_student_id):
                if pages is not None and visit.name not in pages:
                    continue
                username = usernames[visit.role]
                one_run(visit, username, counter)  # warm-up: imports, the app's engine, the database's caches
                timed = [one_run(visit, username, counter) for _ in range(runs)]
                counts = sorted({statements for _, statements, _ in timed})
                row = {"page": visit.label, "role": visit.role, "statements": timed[-1][1], "rows": timed[-1][2],
                       "median_ms": round(statistics.median(ms for ms, _, _ in timed))}
                if len(counts) > 1:
                    row["statements_varied"] = counts
                progress(f"  {visit.label:<14} {visit.role:<10} {row['statements']:>4} statements "
                         f"{row['rows']:>7} rows {row['median_ms']:>7} ms")
                rows.append(row)
        finally:
            counter.dispose()
    return rows
