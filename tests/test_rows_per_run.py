"""Rows loaded per page run: a page that finds its lists by search, a page at a time, loads the
same rows from the database however large the school (bench.sql says how rows are counted)."""

from __future__ import annotations

import pytest

from bench.pages import AppStatements, Visit, one_run
from bench.servers import COOKIE_KEY
from plpcore import demo
from tests.test_queries import TODAY


def admin_page_rows(db, students: int, monkeypatch) -> dict[str, int]:
    """The rows one run of each tab of the admin page loads that lists people, links or students
    (only the open tab runs), opened by the demo school's specialist."""
    school = demo.build_school(db, students=students, today=TODAY)
    specialist = next(username for role, username, _ in school.accounts if role == "specialist")
    monkeypatch.setenv("PLP_DATABASE_URL", db.url)
    monkeypatch.setenv("PLP_COOKIE_KEY", COOKIE_KEY)
    counter = AppStatements(db.url, db)
    rows = {}
    with counter.listening():
        try:
            for tab in ("People", "Links", "Students"):
                visit = Visit("admin", "specialist", tab=tab)
                one_run(visit, specialist, counter)  # as bench warms up: the engine's first connection reads the server
                rows[tab] = one_run(visit, specialist, counter)[2]
        finally:
            counter.dispose()
    return rows


@pytest.mark.parametrize("students", [86, 2000])
def test_the_admin_page_loads_the_same_rows_for_86_and_2000_students(db, students, monkeypatch):
    assert admin_page_rows(db, students, monkeypatch) == ADMIN_PAGE_ROWS[db.engine.dialect.name]


# Counted once and written down, as test_queries.CASELOAD_STATEMENTS is: People, a page of 25
# people; Links, 25 links and the first 25 each of the students and people to link; Students,
# the first 25 students; and in each the few rows of the signed-in account and the school. A
# list loaded whole shows up here as thousands. PostgreSQL's one more per "view" audit event
# is the id its INSERT ... RETURNING hands back (SQLite gives it as lastrowid, not as a row).
ADMIN_PAGE_ROWS = {"sqlite": {"People": 30, "Links": 84, "Students": 30},
                   "postgresql": {"People": 30, "Links": 86, "Students": 31}}
