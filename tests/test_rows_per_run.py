"""Rows loaded per page run: a page that finds its lists by search, a page at a time, loads the
same rows from the database however large the school (bench.sql says how rows are counted)."""

from __future__ import annotations

import pytest

from bench.pages import AppStatements, Visit, one_run
from bench.servers import COOKIE_KEY
from plpcore import demo
from tests.test_queries import TODAY


def rows_per_run(db, students: int, monkeypatch) -> dict[str, int]:
    """The rows one run loads: of each tab of the admin page that lists people, links or students
    (only the open tab runs), opened by the demo school's specialist; of the sign-in page; and of
    a run of its form refusing a wrong password for the demo teacher (the account looked up, the
    throttle read, the attempt kept). One school built for all: a 2,000-student build is slow."""
    from streamlit.testing.v1 import AppTest

    from bench.pages import APP

    school = demo.build_school(db, students=students, today=TODAY)
    specialist = next(username for role, username, _ in school.accounts if role == "specialist")
    teacher = next(username for role, username, _ in school.accounts if role == "teacher")
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
            before = counter.rows
            at = AppTest.from_file(APP, default_timeout=120).run()
            rows["sign-in page"] = counter.rows - before
            next(t for t in at.text_input if t.label == "Username").input(teacher)
            next(t for t in at.text_input if t.label == "Password").input("not the password")
            before = counter.rows
            next(b for b in at.button if b.label == "Sign in").click().run()
            assert at.error, "the wrong password was not refused"
            rows["refused sign-in"] = counter.rows - before
        finally:
            counter.dispose()
    return rows


@pytest.mark.parametrize("students", [86, 2000])
def test_the_admin_page_and_the_sign_in_path_load_the_same_rows_for_86_and_2000_students(db, students, monkeypatch):
    assert rows_per_run(db, students, monkeypatch) == ROWS_PER_RUN[db.engine.dialect.name]


# Counted once and written down, as test_queries.CASELOAD_STATEMENTS is: People, a page of 25
# people; Links, 25 links and the first 25 each of the students and people to link; Students,
# the first 25 students; and in each the few rows of the signed-in account and the school. The
# sign-in page loads no account at all (whether the database is empty, whether it is the demo,
# its sign-in table); a refusal, the one account named and the throttle's counts. Before, each
# run loaded every active account (5,061 at 2,000 students) for the authenticator. A list loaded
# whole shows up here as thousands. PostgreSQL's one more per INSERT is the id its INSERT ...
# RETURNING hands back (SQLite gives it as lastrowid, not as a row).
ROWS_PER_RUN = {
    "sqlite": {"People": 30, "Links": 84, "Students": 30, "sign-in page": 3, "refused sign-in": 7},
    "postgresql": {"People": 30, "Links": 86, "Students": 31, "sign-in page": 3, "refused sign-in": 9},
}
