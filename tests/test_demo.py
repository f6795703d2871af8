"""The demo school: a realistic caseload, accounts that sign in, and no demo on real data."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from sqlalchemy import func, select

from plpcore import accounts, demo, queries, services
from plpcore.db import Database
from plpcore.errors import InvalidInput
from plpcore.models import AuditEvent, Goal, Plan, PlanStatus, School, Student, User
from tests.conftest import make_school

# A day well into the school year, so every caseload flag can show up.
TODAY = dt.date(2026, 11, 16)


@pytest.fixture(scope="module")
def built(sqlite_template, tmp_path_factory):
    """One demo school on SQLite, shared by the tests that only read it."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db, demo.build_school(db, students=86, today=TODAY)
    db.dispose()


@pytest.fixture
def demo_school(db):
    return demo.build_school(db, students=86, today=TODAY)


def count(db, column) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(column)))


def test_demo_builds_a_caseload_of_86_students_across_grades_3_to_12(db, demo_school):
    caseload = queries.caseload(db, demo_school.specialist_id, today=TODAY)

    assert len(caseload) == 86
    assert set(caseload.grade) == set(range(3, 13))


def test_the_demo_caseload_shows_a_mix_of_every_flag(built):
    db, demo_school = built
    caseload = queries.caseload(db, demo_school.specialist_id, today=TODAY)

    for flag in queries.FLAGS:
        assert 0 < caseload[flag].sum() < len(caseload), flag


def test_most_demo_students_have_an_active_plan_and_a_few_have_a_draft_or_none(built):
    db, demo_school = built
    with db.read() as s:
        statuses = [str(st) for st in s.scalars(select(Plan.status))]

    assert statuses.count(PlanStatus.ACTIVE) > 70
    assert 0 < statuses.count(PlanStatus.DRAFT) < 10
    assert len(statuses) < 86


def test_demo_prints_one_or_two_accounts_per_role_and_each_signs_in(built):
    db, demo_school = built
    roles = [role for role, _, _ in demo_school.accounts]

    assert set(roles) == set(demo.ROLES)
    assert all(1 <= roles.count(role) <= 2 for role in demo.ROLES)
    for _role, username, password in demo_school.accounts:
        assert accounts.sign_in(db, username, password)


def test_every_demo_account_of_a_role_shares_that_roles_password(built):
    db, demo_school = built
    shown = {username for _, username, _ in demo_school.accounts}
    with db.read() as s:
        other_guardian = s.scalar(select(User.username).where(User.kind == "guardian", User.username.notin_(shown))
                                  .order_by(User.id.desc()).limit(1))

    assert accounts.sign_in(db, other_guardian, demo_school.passwords["guardian"])


def test_demo_students_rate_their_goals_beside_their_teachers(built):
    db, demo_school = built
    student = next(username for role, username, _ in demo_school.accounts if role == "student")
    user = accounts.user_by_name(db, student)
    with db.read() as s:
        student_id = s.scalar(select(Student.id).where(Student.user_id == user.id))

    progress = queries.goals_with_progress(db, user.id, student_id)

    assert {"Student", "Staff"} <= set(progress.who)


def test_the_demo_school_is_marked_demo_and_leaves_one_audit_event(sqlite_db):
    db, demo_school = sqlite_db, demo.build_school(sqlite_db, students=86, today=TODAY)
    with db.read() as s:
        school = s.get(School, demo_school.school_id)
        events = s.scalars(select(AuditEvent)).all()

    assert school.demo is True
    assert len(events) == 1
    assert '"students": 86' in events[0].new


def test_the_school_keeps_working_after_the_demo_bulk_insert(db, demo_school):
    # On PostgreSQL the bulk insert sets explicit ids; new rows must not collide with them.
    student_id = services.create_student(db, demo_school.specialist_id, local_id="new-1", first_name="Nia",
                                         last_name="Walker", grade=6)
    plan_id = services.create_plan(db, demo_school.specialist_id, student_id)

    assert services.add_goal(db, demo_school.specialist_id, plan_id, kind="affective", statement="Join a club")


def test_demo_refuses_a_database_that_holds_a_real_school(db):
    make_school(db)
    students = count(db, Student.id)

    with pytest.raises(InvalidInput, match="real school"):
        demo.build_school(db, students=5)

    assert count(db, Student.id) == students
    with db.read() as s:
        assert not s.scalar(select(func.count(School.id)).where(School.demo.is_(True)))


def test_demo_refuses_to_build_a_second_demo_school(built):
    db, _ = built
    with pytest.raises(InvalidInput, match="already holds the demo"):
        demo.build_school(db, students=5)

    assert count(db, Student.id) == 86


def test_demo_builds_2000_students_in_one_go(sqlite_db):
    school = demo.build_school(sqlite_db, students=2000)

    assert count(sqlite_db, Student.id) == 2000
    assert len(queries.caseload(sqlite_db, school.specialist_id)) == 2000


def test_every_demo_goal_that_says_by_a_month_is_due_in_that_month(built):
    db, _ = built
    with db.read() as s:
        goals = s.execute(select(Goal.statement, Goal.target_date)).all()
    said = [(statement, due) for statement, due in goals if re.search(r"by (March|April|May)\.$", statement)]

    assert said  # the demo's achievement goals all name a month
    assert [(statement, due) for statement, due in said if f"by {due:%B}." not in statement] == []
