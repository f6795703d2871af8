"""Between meetings, in plpcore: the compliance report, a parent's check-in at home, records left to sign."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest
from sqlalchemy import select

from plpcore import accounts, meetings, queries, services
from plpcore.db import Database
from plpcore.errors import InvalidInput
from plpcore.models import ReportingPeriod
from tests.conftest import make_school
from tests.test_queries import TODAY, finalized_review

PROMPT = "How can we support you at home?"


@pytest.fixture
def ana(sqlite_db) -> SimpleNamespace:
    """The small school, with an affective goal on Ana's plan so that a meeting on it can be finalized."""
    school = make_school(sqlite_db)
    school.affective_goal = services.add_goal(sqlite_db, school.sam, school.ana_plan, kind="affective",
                                              statement="Ana: ask for help when stuck")
    return school


def ana_compliance(db: Database, school, today: dt.date = TODAY, year_id: int | None = None) -> pd.Series:
    frame = queries.compliance(db, school.sam, year_id, today)
    return frame[frame.student_id == school.ana_student].iloc[0]


def plan_version(db: Database, school) -> int:
    return queries.student_plan(db, school.sam, school.ana_plan)["plan"]["version"]


def goal_version(db: Database, school, goal_id: int) -> int:
    goals = queries.student_plan(db, school.sam, school.ana_plan)["goals"]
    return next(g["version"] for g in goals if g["id"] == goal_id)


def make_compliant(db: Database, school, *, leave_out: str | None = None) -> None:
    """Ana's plan meets every compliance check, or every one but `leave_out`."""
    if leave_out != "no_progress_this_period":
        services.record_progress(db, school.tia, school.ana_goal, on=TODAY, rating=3)
    if leave_out == "no_annual_meeting":
        services.set_plan_status(db, school.sam, school.ana_plan, "active", plan_version(db, school))
    else:
        finalized_review(db, school, signers=(school.sam, school.tia, school.gus, school.ana))
    if leave_out == "no_active_plan":
        services.set_plan_status(db, school.sam, school.ana_plan, "draft", plan_version(db, school))
    goal = {"no_achievement_goal": school.ana_goal, "no_affective_goal": school.affective_goal}.get(leave_out)
    if goal is not None:
        services.set_goal_status(db, school.sam, goal, "discontinued", goal_version(db, school, goal))


def second_period_start(db: Database) -> dt.date:
    with db.read() as s:
        return s.scalars(select(ReportingPeriod.starts_on).order_by(ReportingPeriod.starts_on)).all()[1]


# --- compliance ------------------------------------------------------------------------------------


@pytest.mark.parametrize("check", list(queries.COMPLIANCE_CHECKS))
def test_a_student_missing_one_check_is_listed_with_that_check(sqlite_db, ana, check):
    make_compliant(sqlite_db, ana, leave_out=check)
    row = ana_compliance(sqlite_db, ana)
    assert not row.compliant
    assert row.missing == queries.COMPLIANCE_CHECKS[check]


def test_a_student_meeting_every_check_counts_as_compliant(sqlite_db, ana):
    make_compliant(sqlite_db, ana)
    row = ana_compliance(sqlite_db, ana)
    assert row.compliant
    assert row.missing == ""


def test_progress_on_the_first_day_of_the_current_period_counts_for_compliance(db, school):
    start = second_period_start(db)
    services.record_progress(db, school.tia, school.ana_goal, on=start, rating=3)
    assert not ana_compliance(db, school, today=start).no_progress_this_period


def test_progress_on_the_last_day_of_the_previous_period_does_not_count_for_compliance(db, school):
    start = second_period_start(db)
    services.record_progress(db, school.tia, school.ana_goal, on=start - dt.timedelta(days=1), rating=3)
    row = ana_compliance(db, school, today=start)
    assert row.no_progress_this_period
    assert "No progress this period" in row.missing


def past_year_goal(db: Database, school) -> tuple[int, int]:
    """Last school year (a fall and a spring period) with a plan for Ana and one goal on it."""
    year = accounts.add_school_year(db, school.ada, "2025-26", "2025-08-20", "2026-06-04",
                                    periods=[("Fall", "2025-08-20", "2026-01-16"), ("Spring", "2026-01-20", "2026-06-04")])
    plan = services.create_plan(db, school.sam, school.ana_student, "ALP", school_year_id=year)
    goal = services.add_goal(db, school.sam, plan, kind="achievement", statement="Ana: multiply fractions")
    return year, goal


def test_a_past_school_year_counts_progress_in_its_last_reporting_period(db, school):
    year, goal = past_year_goal(db, school)
    services.record_progress(db, school.tia, goal, on="2026-03-02", rating=3)
    assert not ana_compliance(db, school, year_id=year).no_progress_this_period


def test_a_past_school_year_with_progress_only_before_its_last_period_is_missing_progress(db, school):
    year, goal = past_year_goal(db, school)
    services.record_progress(db, school.tia, goal, on="2026-01-16", rating=3)
    assert ana_compliance(db, school, year_id=year).no_progress_this_period


def test_a_past_years_plan_archived_at_the_end_of_that_year_counts_as_its_plan(db, school):
    year, goal = past_year_goal(db, school)
    plan = queries.student_plan(db, school.sam, queries.student_summary(db, school.sam, school.ana_student)["plans"][-1]["id"])
    assert plan["plan"]["year_id"] == year
    services.set_plan_status(db, school.sam, plan["plan"]["id"], "active", plan["plan"]["version"])
    version = queries.student_plan(db, school.sam, plan["plan"]["id"])["plan"]["version"]
    services.set_plan_status(db, school.sam, plan["plan"]["id"], "archived", version)
    assert not ana_compliance(db, school, year_id=year).no_active_plan


def test_a_finalized_annual_review_clears_no_finalized_annual_meeting(sqlite_db, ana):
    assert ana_compliance(sqlite_db, ana).no_annual_meeting
    finalized_review(sqlite_db, ana)
    row = ana_compliance(sqlite_db, ana)
    assert not row.no_annual_meeting
    assert "No annual meeting" not in row.missing


def test_the_summary_counts_each_specialist_and_its_total_row_adds_them_up(db, school):
    services.add_goal(db, school.sam, school.ana_plan, kind="affective", statement="Ana: ask for help when stuck")
    frame = queries.compliance(db, school.ada, today=TODAY, whole_school=True)
    summary = queries.compliance_summary(frame).set_index("specialist")
    assert list(summary.index) == ["Pat", "Sam Specialist", "All students"]
    assert summary["no_affective_goal"].to_dict() == {"Pat": 1, "Sam Specialist": 0, "All students": 1}
    by_specialist = summary.drop(index="All students")
    assert (summary.loc["All students"] == by_specialist.sum()).all()


def test_a_specialists_compliance_lists_only_their_own_caseload_even_when_asking_for_the_whole_school(db, school):
    frame = queries.compliance(db, school.sam, today=TODAY, whole_school=True)
    assert list(frame.name) == ["Ana Lopez"]


# --- a check-in at home -----------------------------------------------------------------------------


def test_a_home_check_in_puts_the_note_and_the_rating_on_the_goal_with_the_guardian_as_author(db, school):
    services.check_in_at_home(db, school.gus, school.ana_goal, prompt=PROMPT, note="A quiet table after dinner.",
                              rating=3)
    doc = queries.student_plan(db, school.sam, school.ana_plan)
    assert [(n["goal_id"], n["kind"], n["prompt"], n["text"], n["author"], n["author_role"]) for n in doc["notes"]] == [
        (school.ana_goal, "home note", PROMPT, "A quiet table after dinner.", "Gus", "guardian")]
    progress = doc["goals"][0]["progress"]
    assert [(p["rating"], p["author"], p["author_role"]) for p in progress] == [(3, "Gus", "guardian")]


def test_a_home_check_in_with_neither_a_note_nor_a_rating_is_refused_and_writes_nothing(db, school):
    with pytest.raises(InvalidInput) as refused:
        services.check_in_at_home(db, school.gus, school.ana_goal, prompt=PROMPT, note="", rating=None)
    assert refused.value.field == "note"
    doc = queries.student_plan(db, school.sam, school.ana_plan)
    assert doc["notes"] == [] and doc["goals"][0]["progress"] == []


def test_a_home_check_in_of_only_spaces_is_refused_and_writes_nothing(db, school):
    with pytest.raises(InvalidInput) as refused:
        services.check_in_at_home(db, school.gus, school.ana_goal, prompt=PROMPT, note="   \n ")
    assert refused.value.field == "note"
    assert queries.student_plan(db, school.sam, school.ana_plan)["notes"] == []


def test_a_home_check_in_with_a_bad_rating_does_not_write_its_note(db, school):
    with pytest.raises(InvalidInput) as refused:
        services.check_in_at_home(db, school.gus, school.ana_goal, prompt=PROMPT, note="We talked.", rating=7)
    assert refused.value.field == "rating"
    assert queries.student_plan(db, school.sam, school.ana_plan)["notes"] == []


def test_a_home_check_in_with_a_note_too_long_does_not_write_its_rating(db, school):
    with pytest.raises(InvalidInput) as refused:
        services.check_in_at_home(db, school.gus, school.ana_goal, prompt=PROMPT, note="x" * 4001, rating=3)
    assert refused.value.field == "note"
    assert queries.student_plan(db, school.sam, school.ana_plan)["goals"][0]["progress"] == []


def test_the_caseload_shows_a_home_check_in_as_the_last_note_from_home_at_once(db, school):
    assert pd.isna(queries.caseload(db, school.sam, TODAY).last_home_note.iloc[0])
    services.check_in_at_home(db, school.gus, school.ana_goal, prompt=PROMPT, note="Reading every night.")
    assert not pd.isna(queries.caseload(db, school.sam, TODAY).last_home_note.iloc[0])


# --- records to sign ----------------------------------------------------------------------------------


def test_a_finalized_record_someone_attended_and_has_not_signed_is_theirs_to_sign(sqlite_db, ana):
    meeting = finalized_review(sqlite_db, ana, signers=(ana.sam,))
    assert [(r["id"], r["student"], r["kind"]) for r in queries.records_to_sign(sqlite_db, ana.gus)] == [
        (meeting, "Ana Lopez", "annual ALP review")]


def test_signing_a_record_takes_it_off_the_list_to_sign(sqlite_db, ana):
    meeting = finalized_review(sqlite_db, ana, signers=(ana.sam,))
    meetings.sign(sqlite_db, ana.gus, meeting)
    assert queries.records_to_sign(sqlite_db, ana.gus) == []


def test_a_record_is_not_for_someone_who_was_absent_to_sign(sqlite_db, ana):
    meeting = finalized_review(sqlite_db, ana, present=(ana.sam, ana.tia, ana.ana), signers=(ana.sam,))
    assert queries.records_to_sign(sqlite_db, ana.gus) == []
    assert [r["id"] for r in queries.records_to_sign(sqlite_db, ana.tia)] == [meeting]
