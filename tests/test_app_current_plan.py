"""AppTest: issue 13's case on every screen. Ana has an active ALP and a newer draft PLP this school
year, and an archived ALP from last year; the plan page, each kind of home, the caseload and the
meetings lobby all open her active ALP of 2026-27.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from plpcore import accounts, queries, services
from plpcore.models import Meeting
from tests.app_support import app, database_copy, messages, page_text, titles

THIS_YEARS_ALP = "Ana: finish the 6th-grade math unit"  # make_school's goal on her ALP
THIS_YEARS_PLP = "Ana (draft PLP): write and revise a short story"
LAST_YEARS_ALP = "Ana (last year's ALP): master long division"


def set_status(db, school, plan_id: int, status: str) -> None:
    version = queries.student_plan(db, school.sam, plan_id)["plan"]["version"]
    services.set_plan_status(db, school.sam, plan_id, status, version)


@pytest.fixture
def ana(tmp_path, monkeypatch) -> SimpleNamespace:
    """Ana's active ALP (made first), a newer draft PLP this year, and last year's archived ALP."""
    db, school = database_copy(tmp_path, monkeypatch)
    set_status(db, school, school.ana_plan, "active")
    plp = services.create_plan(db, school.sam, school.ana_student, "PLP")
    services.add_goal(db, school.sam, plp, kind="achievement", statement=THIS_YEARS_PLP)
    last_year = accounts.add_school_year(db, school.ada, "2025-26", "2025-08-20", "2026-06-04")
    old = services.create_plan(db, school.sam, school.ana_student, "ALP", school_year_id=last_year)
    services.add_goal(db, school.sam, old, kind="achievement", statement=LAST_YEARS_ALP)
    set_status(db, school, old, "archived")
    return SimpleNamespace(db=db, school=school, student=school.ana_student, alp=school.ana_plan, plp=plp, old=old)


def plan_shown(at) -> tuple[str, str]:
    """The plan screen's plan: the id its URL keeps, and the kind and year its header names."""
    caption = next(c for c in messages(at, "caption") if "you are viewing as" in c)
    return at.query_params["plan"], caption.split(" · ")[0]


def goals_shown(at) -> set[str]:
    """Which of Ana's three plans' goals a home shows."""
    text = page_text(at)
    return {goal for goal in (THIS_YEARS_ALP, THIS_YEARS_PLP, LAST_YEARS_ALP) if goal in text}


@pytest.mark.parametrize("viewer", ["sam", "gus", "ana"], ids=["specialist", "guardian", "student"])
def test_the_plan_page_opened_for_the_student_shows_the_active_alp(ana, viewer):
    at = app("plan", as_user=viewer, query={"student": str(ana.student)}).run()

    assert not at.exception
    assert plan_shown(at) == (str(ana.alp), "ALP 2026-27")


def test_the_parents_home_shows_the_active_alp(ana):
    at = app(as_user="gus").run()

    assert titles(at) == ["Ana Lopez at a glance"]
    assert "Grade 5 · ALP 2026-27 · active" in messages(at, "caption")
    assert goals_shown(at) == {THIS_YEARS_ALP}


def test_the_parents_home_opens_the_active_alp_in_full(ana):
    at = app(as_user="gus").run()
    at.button(key="home_open_plan").click().run()

    assert plan_shown(at) == (str(ana.alp), "ALP 2026-27")


def test_the_students_home_lists_the_goals_of_the_active_alp(ana):
    at = app(as_user="ana").run()

    assert titles(at) == ["My goals"]
    assert goals_shown(at) == {THIS_YEARS_ALP}


def test_the_students_home_opens_the_active_alp_as_the_whole_plan(ana):
    at = app(as_user="ana").run()
    at.button(key="home_open_plan").click().run()

    assert plan_shown(at) == (str(ana.alp), "ALP 2026-27")


def test_the_caseload_row_shows_the_active_alp(ana):
    at = app(as_user="sam").run()

    caseload = at.dataframe(key="home_caseload").value.set_index("name")
    assert caseload.loc["Ana Lopez", "plan"] == "ALP · active"


def test_the_caseload_opens_the_active_alp(ana):
    at = app(as_user="sam").run()
    at.selectbox(key="home_open_student").select(ana.student).run()
    at.button(key="home_open_plan").click().run()

    assert plan_shown(at) == (str(ana.alp), "ALP 2026-27")


def test_the_teachers_home_opens_the_active_alp(ana):
    at = app(as_user="tia").run()
    at.selectbox(key="home_open_student").select(ana.student).run()
    at.button(key="home_open_plan").click().run()

    assert plan_shown(at) == (str(ana.alp), "ALP 2026-27")


def test_a_meeting_scheduled_from_the_lobby_is_on_the_active_alp(ana):
    at = app("meeting", as_user="sam", query={"schedule": str(ana.student)}).run()
    at.button(key="meeting_new_submit").click().run()

    with ana.db.read() as s:
        assert s.scalars(select(Meeting.plan_id)).all() == [ana.alp]
    assert at.query_params["meeting"]  # the room of the new meeting opened
