"""Render time and SQL statements of each page, per role, through AppTest (the whole app, in process).

The app opens its own Database from PLP_DATABASE_URL and caches it per URL (ui/session.py);
the statements counted are those of THAT engine, found by listening on every Engine of the
process and keeping those for the URL that are not the benchmark's own.
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
from plpcore.db import Database
from ui.routes import BY_URL

APP = str(ROOT / "streamlit_app.py")
# The same statements bench.sql.count_statements leaves out: transaction control is not work.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
RUN_TIMEOUT_S = 900  # a 20,000-student caseload renders slowly; a hung run still ends
# AppTest sets session state from the main thread, which Streamlit warns about three times a run.
# A filter, not a level: Streamlit sets its loggers' levels again when it loads its config.
BARE_MODE_WARNINGS = "streamlit.runtime.scriptrunner_utils.script_run_context"


def _not_bare_mode_warning(record: logging.LogRecord) -> bool:
    return "missing ScriptRunContext" not in record.getMessage()


@dataclasses.dataclass(frozen=True)
class Visit:
    """One page opened by one demo role: the URL path ("" is home) and its query string."""

    page: str
    role: str
    query: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.page or "home"


def visits(plan_student_id: int) -> list[Visit]:
    """Home for every role; the specialist also opens a plan, the reports, the meeting lobby, admin and import."""
    homes = [Visit("", role) for role in ("specialist", "teacher", "guardian", "student", "admin")]
    return homes + [
        Visit("plan", "specialist", {"student": str(plan_student_id)}),
        Visit("reports", "specialist"),
        Visit("meeting", "specialist"),
        Visit("admin", "specialist"),
        Visit("import", "specialist"),
    ]


class AppStatements:
    """Counts the statements the app's engine sends for `url`, leaving out `ours` (the benchmark's
    own Database on the same URL) and transaction control."""

    def __init__(self, url: str, ours: Database):
        self.url = url
        self.ours = ours.engine
        self.count = 0
        self.engines: set[Engine] = set()

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        engine = conn.engine
        if engine is self.ours or engine.url.render_as_string(hide_password=False) != self.url:
            return
        self.engines.add(engine)
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            self.count += 1

    @contextlib.contextmanager
    def listening(self) -> Iterator[AppStatements]:
        event.listen(Engine, "before_cursor_execute", self._seen)
        try:
            yield self
        finally:
            event.remove(Engine, "before_cursor_execute", self._seen)

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
    if visit.page:
        at.switch_page(BY_URL[visit.page].path)
    if visit.query:
        at.query_params.update(visit.query)
    return at


def one_run(visit: Visit, username: str, counter: AppStatements) -> tuple[float, int]:
    """A fresh session opening the page once: (ms, statements). RuntimeError if the page failed."""
    at = app_for(visit, username)
    before = counter.count
    started = time.perf_counter()
    at.run()
    ms = (time.perf_counter() - started) * 1000
    statements = counter.count - before
    if at.exception:
        raise RuntimeError(f"{visit.name} as {visit.role} raised: {at.exception[0].message}")
    if any(b.label == "Sign in" for b in at.button):
        raise RuntimeError(f"{visit.name} as {visit.role} ({username}) showed the sign-in form")
    return ms, statements


def measure_pages(db: Database, usernames: dict[str, str], plan_student_id: int, runs: int,
                  *, progress=print) -> list[dict]:
    """Per visit: one warm-up run, then `runs` runs; the median ms and the statements of one run.

    Rows as {page, role, statements, median_ms}; `statements_varied` is added when the timed
    runs did not all send the same number.
    """
    logging.getLogger(BARE_MODE_WARNINGS).addFilter(_not_bare_mode_warning)  # once: the same filter is kept once
    os.environ["PLP_DATABASE_URL"] = db.url
    os.environ["PLP_COOKIE_KEY"] = COOKIE_KEY
    counter = AppStatements(db.url, db)
    rows = []
    with counter.listening():
        try:
            for visit in visits(plan_student_id):
                username = usernames[visit.role]
                one_run(visit, username, counter)  # warm-up: imports, the app's engine, the database's caches
                timed = [one_run(visit, username, counter) for _ in range(runs)]
                counts = sorted({statements for _, statements in timed})
                row = {"page": visit.name, "role": visit.role, "statements": timed[-1][1],
                       "median_ms": round(statistics.median(ms for ms, _ in timed))}
                if len(counts) > 1:
                    row["statements_varied"] = counts
                progress(f"  {visit.name:<8} {visit.role:<10} {row['statements']:>4} statements "
                         f"{row['median_ms']:>7} ms")
                rows.append(row)
        finally:
            counter.dispose()
    return rows
