"""Year rollover on both databases: next year's draft plans start from this year's, with a preview
first; starting twice makes nothing new; making the new year current archives last year's plans."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from plpcore import accounts, export, queries, rollover, services
from plpcore.errors import InvalidInput, NotAllowed, PlanKept
from plpcore.models import AuditEvent, Goal, Plan, PlanSection, PlanStatus, SchoolYear, Support, Voice


@pytest.fixture
def next_year(db, school) -> int:
    """Ana's plan this year: her own words, a goal met, a goal under way with progress, a support in
    place and one only proposed; next year added by the admin."""
    sam, ana_plan = school.sam, school.ana_plan
    services.update_section(db, school.ana, ana_plan, "strengths", "student", "I explain math to my friends.", 0)
    services.update_section(db, sam, ana_plan, "strengths", "team", "Strong number sense.", 0)
    services.update_section(db, sam, ana_plan, "extension", "team", "Math Olympiad club.", 0)
    school.met_goal = services.add_goal(db, sam, ana_plan, kind="affective", statement="Ana: ask for help in class",
                                        status="met")
    services.record_progress(db, school.tia, school.ana_goal, on="2026-10-15", rating=2, note="Half the unit done.")
    support = services.propose_support(db, sam, ana_plan, description="Pre-test and compact the math unit",
                                       setting="classroom", owner_user_id=school.tia, goal_id=school.ana_goal)
    version = services.set_support_status(db, sam, support, "agreed", 1)
    services.set_support_status(db, sam, support, "in place", version)
    services.propose_support(db, sam, ana_plan, description="Weekly check-in with the counselor", setting="school",
                             owner_role="specialist")
    return accounts.add_school_year(db, school.ada, "2027-28", "2027-08-19", "2028-06-02")


def next_plan(db, student_id: int, year_id: int) -> Plan | None:
    with db.read() as s:
        return s.scalar(select(Plan).where(Plan.student_id == student_id, Plan.school_year_id == year_id))


def test_the_preview_lists_the_caseloads_students_with_what_carries_over_and_writes_nothing(db, school, next_year):
    rows = rollover.preview(db, school.sam, next_year)

    assert [(r["name"], r["plan"], r["exists"], r["answers"], r["goals"], r["supports"]) for r in rows] == [
        ("Ana Lopez", "ALP", False, 2, 1, 1)]
    assert rows[0]["continuing_goals"] == ["Ana: finish the 6th-grade math unit"]
    assert next_plan(db, school.ana_student, next_year) is None


def test_starting_the_year_makes_a_draft_plan_for_each_student_with_a_plan(db, school, next_year):
    made = rollover.start_year(db, school.sam, next_year)

    plan = next_plan(db, school.ana_student, next_year)
    assert made == 1
    assert plan is not None and (plan.kind, plan.status) == ("ALP", PlanStatus.DRAFT)
    assert next_plan(db, school.ben_student, next_year) is None  # Pat's caseload, not Sam's


def test_starting_the_year_a_second_time_makes_nothing_new(db, school, next_year):
    rollover.start_year(db, school.sam, next_year)
    with db.read() as s:
        before = s.scalar(select(func.count(AuditEvent.id)))

    assert rollover.start_year(db, school.sam, next_year) == 0
    assert [r["exists"] for r in rollover.preview(db, school.sam, next_year)] == [True]
    with db.read() as s:
        assert s.scalar(select(func.count(Plan.id)).where(Plan.school_year_id == next_year)) == 1
        assert s.scalar(select(func.count(AuditEvent.id))) == before


def test_an_unmet_goal_continues_next_year_and_keeps_its_history(db, school, next_year):
    rollover.start_year(db, school.sam, next_year)

    plan = next_plan(db, school.ana_student, next_year)
    with db.read() as s:
        goals = s.scalars(select(Goal).where(Goal.plan_id == plan.id)).all()
    assert [(g.statement, g.continues_goal_id, str(g.status)) for g in goals] == [
        ("Ana: finish the 6th-grade math unit", school.ana_goal, "not started")]
    goal = queries.student_plan(db, school.sam, plan.id)["goals"][0]
    assert (goal["carried_from"], [p["note"] for p in goal["progress"]]) == ("2026-27", ["Half the unit done."])


def test_the_students_own_words_carry_over_as_the_students_marked_from_last_year(db, school, next_year):
    rollover.start_year(db, school.sam, next_year)

    plan = next_plan(db, school.ana_student, next_year)
    with db.read() as s:
        sections = s.scalars(select(PlanSection).where(PlanSection.plan_id == plan.id).order_by(PlanSection.id)).all()
    assert [(x.key, x.voice, x.text, x.updated_by) for x in sections] == [
        ("strengths", Voice.STUDENT, "I explain math to my friends.", school.ana),
        ("strengths", Voice.TEAM, "Strong number sense.", school.sam)]
    shown = queries.student_plan(db, school.sam, plan.id)["sections"]
    assert [x["carried_from"] for x in shown] == ["2026-27", "2026-27"]


def test_a_support_in_place_is_proposed_again_on_the_continuing_goal(db, school, next_year):
    rollover.start_year(db, school.sam, next_year)

    plan = next_plan(db, school.ana_student, next_year)
    with db.read() as s:
        supports = s.scalars(select(Support).where(Support.plan_id == plan.id)).all()
        goal = s.scalar(select(Goal.id).where(Goal.plan_id == plan.id))
    assert [(x.description, str(x.status), x.owner_user_id, x.goal_id) for x in supports] == [
        ("Pre-test and compact the math unit", "proposed", school.tia, goal)]


def test_every_row_the_start_makes_is_audited(db, school, next_year):
    rollover.start_year(db, school.sam, next_year)

    plan = next_plan(db, school.ana_student, next_year)
    with db.read() as s:
        audited = s.execute(select(AuditEvent.entity, AuditEvent.action).where(
            AuditEvent.student_id == school.ana_student, AuditEvent.actor_id == school.sam,
            AuditEvent.at >= plan.created_at)).all()
    assert sorted(audited) == sorted([("plan", "create"), ("plan_section", "carry over"),
                                      ("plan_section", "carry over"), ("goal", "carry over"),
                                      ("support", "carry over")])


def test_an_admin_starts_the_year_for_the_whole_school(db, school, next_year):
    assert [r["name"] for r in rollover.preview(db, school.ada, next_year, whole_school=True)] == [
        "Ana Lopez", "Ben Okafor"]

    assert rollover.start_year(db, school.ada, next_year, whole_school=True) == 2


def test_a_year_with_no_year_before_it_is_refused_by_name(db, school):
    earlier = accounts.add_school_year(db, school.ada, "2025-26", "2025-08-21", "2026-06-05")

    with pytest.raises(InvalidInput, match="no school year comes before 2025-26"):
        rollover.start_year(db, school.sam, earlier)


def test_a_teacher_cannot_start_the_year(db, school, next_year):
    with pytest.raises(NotAllowed):
        rollover.start_year(db, school.tia, next_year)

    assert next_plan(db, school.ana_student, next_year) is None


def test_making_the_new_year_current_archives_last_years_plans_which_stay_readable(db, school, next_year):
    rollover.start_year(db, school.sam, next_year)

    accounts.set_current_year(db, school.ada, next_year)

    with db.read() as s:
        statuses = dict(s.execute(select(SchoolYear.name, Plan.status).join(Plan, Plan.school_year_id == SchoolYear.id)
                                  .where(Plan.student_id == school.ana_student)).all())
    assert statuses == {"2026-27": PlanStatus.ARCHIVED, "2027-28": PlanStatus.DRAFT}
    last_year = queries.student_plan(db, school.gus, school.ana_plan)
    assert "Ana: ask for help in class" in [g["statement"] for g in last_year["goals"]]


def test_the_year_started_after_it_became_current_carries_last_years_archived_plans(db, school, next_year):
    accounts.set_current_year(db, school.ada, next_year)

    assert rollover.start_year(db, school.sam, next_year) == 1
    assert next_plan(db, school.ana_student, next_year) is not None


def test_last_years_archived_plan_refuses_a_new_goal(db, school, next_year):
    accounts.set_current_year(db, school.ada, next_year)

    with pytest.raises(PlanKept, match="past school year"):
        services.add_goal(db, school.sam, school.ana_plan, kind="achievement", statement="A goal too late")


def test_last_years_archived_plan_refuses_progress_on_its_goal(db, school, next_year):
    accounts.set_current_year(db, school.ada, next_year)

    with pytest.raises(PlanKept):
        services.record_progress(db, school.tia, school.ana_goal, on="2027-09-01", rating=3, note="Late.")


def test_last_years_archived_plan_reads_as_read_only_to_its_specialist(db, school, next_year):
    accounts.set_current_year(db, school.ada, next_year)

    doc = queries.student_plan(db, school.sam, school.ana_plan)

    assert doc["plan"]["kept"] is True
    assert [action for action, allowed in doc["can"].items() if allowed] == ["view"]


def test_the_plan_page_lists_every_year_of_the_students_plans_newest_first(db, school, next_year):
    rollover.start_year(db, school.sam, next_year)

    doc = queries.student_plan(db, school.sam, school.ana_plan)

    assert [(p["year"], p["status"]) for p in doc["plans"]] == [("2027-28", "draft"), ("2026-27", "draft")]


def test_an_archived_plan_of_the_current_year_can_still_be_changed(db, school):
    services.set_plan_status(db, school.sam, school.ana_plan, "archived", 1)

    services.add_goal(db, school.sam, school.ana_plan, kind="achievement", statement="Back to work")

    assert queries.student_plan(db, school.sam, school.ana_plan)["plan"]["kept"] is False


def test_the_whole_record_holds_both_years_plans_once_the_new_year_is_current(db, school, next_year):
    rollover.start_year(db, school.sam, next_year)
    accounts.set_current_year(db, school.ada, next_year)

    record = export.student_record(db, school.sam, school.ana_student)

    assert [(p["plan"]["year"], p["plan"]["status"]) for p in record["plans"]] == [
        ("2026-27", "archived"), ("2027-28", "draft")]
