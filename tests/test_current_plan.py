"""The current-plan matrix: for every mix of active, draft and archived plans this school year and
last, every plpcore surface names the same current plan, the one rules.CURRENT_PLAN_RULE picks.

Issue 13's bug: with an active ALP and a newer draft PLP in the same year, the student's home
opened the PLP while the plan page, the parent's home and the caseload opened the ALP.
"""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass
from types import SimpleNamespace

import pandas as pd
import pytest
from sqlalchemy import text

from plpcore import accounts, export, queries, rules, services
from plpcore.db import Database
from plpcore.models import Base
from tests.conftest import make_school

STATUSES = ("active", "draft", "archived")
KINDS = ("ALP", "PLP")  # a year's first plan, then its newer one (one plan per kind and year)


@dataclass(frozen=True)
class Made:
    """One plan a case makes, in the order it makes them (so a later one is the newer)."""

    year: str  # "this" (the school's current year) or "last" (the year before, not current)
    kind: str
    status: str


def year_mixes() -> list[tuple[str, ...]]:
    """A year's plans by status: none, one, or an older and a newer one."""
    return [(), *((s,) for s in STATUSES), *itertools.product(STATUSES, STATUSES)]


def describe(statuses: tuple[str, ...]) -> str:
    if not statuses:
        return "none"
    return "+newer-".join(f"{status}-{kind}" for status, kind in zip(statuses, KINDS, strict=False))


def case(this: tuple[str, ...], last: tuple[str, ...]) -> pytest.param:
    # This year's plans are made first, so last year's have the higher ids: a rule that forgot
    # the year and took "the newest" would open last year's plan.
    made = [Made("this", kind, status) for kind, status in zip(KINDS, this, strict=False)]
    made += [Made("last", kind, status) for kind, status in zip(KINDS, last, strict=False)]
    return pytest.param(tuple(made), id=f"this:{describe(this)},last:{describe(last)}")


MATRIX = [case(this, last) for this in year_mixes() for last in year_mixes()]


def winner(made: tuple[Made, ...]) -> Made | None:
    """The docstring's rule, written out again: this year's plans only, never an archived one;
    an active plan before a draft; the newest among equals."""
    this_year = [p for p in made if p.year == "this" and p.status != "archived"]
    pool = [p for p in this_year if p.status == "active"] or this_year
    return pool[-1] if pool else None


# --- building every case, once per database -----------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def matrix(request, tmp_path_factory) -> SimpleNamespace:
    """make_school's school with a previous school year (2025-26, not current) and one student per
    case, on SQLite and on PostgreSQL. Built once per database: the tests only read, and building
    a school per case took 27 minutes on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("current-plan") / "plantable.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        db = Database(f"sqlite:///{path}")
    else:
        db = Database(request.getfixturevalue("postgres_migrated"))
        with db.engine.begin() as conn:  # as conftest's postgres_db does for one test
            conn.execute(text(f"TRUNCATE {', '.join(t.name for t in Base.metadata.sorted_tables)} RESTART IDENTITY CASCADE"))
    school = make_school(db)
    last_year = accounts.add_school_year(db, school.ada, "2025-26", "2025-08-20", "2026-06-04")
    gwen = accounts.create_user(db, None, username="gwen", display_name="Gwen", password=school.password,
                                kind="guardian")
    cases = {}
    for number, param in enumerate(MATRIX):
        cases[param.values[0]] = build(db, school, {"this": None, "last": last_year}, gwen, number, param.values[0])
    yield SimpleNamespace(db=db, school=school, cases=cases)
    db.dispose()


def build(db: Database, school: SimpleNamespace, years: dict[str, int | None], guardian: int, number: int,
          made: tuple[Made, ...]) -> SimpleNamespace:
    """One case's student (specialist Sam, guardian Gwen, their own sign-in) and their plans as the
    case makes them, each with one goal that has progress (so goals_with_progress shows it)."""
    student = services.create_student(db, school.sam, local_id=f"{2000 + number}", first_name="Zoe",
                                      last_name=f"Case{number:03}", grade=6)
    services.link_user(db, school.sam, student, guardian, "guardian")
    login = accounts.give_student_login(db, school.sam, student, f"zoe{number}", school.password)
    plan_of: dict[Made, int] = {}
    goal_plan: dict[int, int] = {}
    for plan in made:
        plan_id = services.create_plan(db, school.sam, student, plan.kind, school_year_id=years[plan.year])
        goal = services.add_goal(db, school.sam, plan_id, kind="achievement",
                                 statement=f"Goal on {plan.year} year's {plan.status} {plan.kind}")
        services.record_progress(db, school.sam, goal, rating=2)
        if plan.status != "draft":
            version = queries.student_plan(db, school.sam, plan_id)["plan"]["version"]
            services.set_plan_status(db, school.sam, plan_id, plan.status, version)
        plan_of[plan] = plan_id
        goal_plan[goal] = plan_id
    return SimpleNamespace(student=student, plan_of=plan_of, goal_plan=goal_plan,
                           viewers={"specialist": school.sam, "guardian": guardian, "student": login})


def plan_id_or_none(value) -> int | None:
    return None if pd.isna(value) else int(value)


def surfaces(db: Database, school: SimpleNamespace, built: SimpleNamespace) -> dict[str, int | None | tuple[int, ...]]:
    """Which plan each surface takes for the student's current plan: a plan id, None, or (a bug) several."""
    student = built.student
    seen: dict[str, int | None | tuple[int, ...]] = {}
    with db.read() as s:
        seen["rules.current_plan_id"] = rules.current_plan_id(s, student)
    for who, viewer in built.viewers.items():
        seen[f"student_summary as {who}"] = queries.student_summary(db, viewer, student)["current_plan_id"]
        rows = queries.my_students(db, viewer).query("student_id == @student")
        on_rows = sorted({plan_id_or_none(v) for v in rows.plan_id}, key=lambda v: (v is not None, v or 0))
        seen[f"my_students as {who}"] = on_rows[0] if len(on_rows) == 1 else tuple(on_rows)
        goal_plans = sorted({built.goal_plan[int(g)] for g in queries.goals_with_progress(db, viewer, student).goal_id})
        seen[f"goals_with_progress as {who}"] = (goal_plans[0] if len(goal_plans) == 1
                                                 else None if not goal_plans else tuple(goal_plans))
        seen[f"export.student_record as {who}"] = export.student_record(db, viewer, student)["current_plan_id"]
    caseload = queries.caseload(db, school.sam).set_index("student_id")
    seen["caseload"] = plan_id_or_none(caseload.loc[student, "plan_id"])
    return seen


# --- the matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize("made", MATRIX)
def test_every_surface_opens_the_plan_the_rule_picks(matrix, made):
    built = matrix.cases[made]
    expected = winner(made)
    expected_id = built.plan_of[expected] if expected else None

    seen = surfaces(matrix.db, matrix.school, built)

    assert seen == dict.fromkeys(seen, expected_id), f"expected {expected} (plan {expected_id}); plans: {built.plan_of}"


# Kind and status come from the same row as the id; last year matters to them only as
# plans to ignore, so one "none" and one "active and draft" last year are enough.
CASELOAD_CASES = [case(this, last) for this in year_mixes() for last in [(), ("active", "draft")]]


@pytest.mark.parametrize("made", CASELOAD_CASES)
def test_the_caseload_row_shows_the_current_plans_kind_and_status(matrix, made):
    expected = winner(made)

    row = queries.caseload(matrix.db, matrix.school.sam).set_index("student_id").loc[matrix.cases[made].student]

    shown = (None if pd.isna(row.plan_kind) else row.plan_kind, None if pd.isna(row.plan_status) else row.plan_status)
    assert shown == ((expected.kind, expected.status) if expected else (None, None))
    assert bool(row.no_active_plan) is (expected is None or expected.status != "active")


# --- the rule, case by case, in the words of its docstring ---------------------------------------

NAMED = [
    pytest.param(("active", "draft"), ("archived",), "ALP",
                 id="an active ALP beats a newer draft PLP (issue 13's bug), last year's archived plan aside"),
    pytest.param(("draft", "active"), (), "PLP", id="an active PLP beats an older draft ALP"),
    pytest.param(("draft", "draft"), (), "PLP", id="of two drafts the newer wins"),
    pytest.param(("active", "active"), (), "PLP", id="of two active plans the newer wins"),
    pytest.param(("archived", "draft"), (), "PLP", id="a draft beats an archived plan"),
    pytest.param(("archived",), ("active",), None, id="only an archived plan this year means no current plan"),
    pytest.param(("archived", "archived"), (), None, id="two archived plans this year mean no current plan"),
    pytest.param((), ("active", "draft"), None, id="only last year's plans mean no current plan"),
    pytest.param((), (), None, id="no plans at all mean no current plan"),
]


@pytest.mark.parametrize(("this", "last", "kind"), NAMED)
def test_the_current_plan_is_the_one_the_docstring_names(matrix, this, last, kind):
    made = case(this, last).values[0]
    built = matrix.cases[made]
    expected_id = next((built.plan_of[p] for p in made if p.year == "this" and p.kind == kind), None)

    seen = surfaces(matrix.db, matrix.school, built)

    assert seen == dict.fromkeys(seen, expected_id)

