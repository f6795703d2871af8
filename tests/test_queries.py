"""The read side: caseload flags and the cost of the queries pages run on every visit."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.sql import count_statements
from plpcore import demo, meetings, queries, services
from plpcore.db import Database

TODAY = dt.date(2026, 11, 23)  # inside the demo year's second reporting period


def statements_for_caseload(db: Database, students: int) -> tuple[int, int]:
    school = demo.build_school(db, students=students, today=TODAY)
    with count_statements(db) as seen:
        frame = queries.caseload(db, school.specialist_id, today=TODAY)
    return len(frame), len(seen)


@pytest.mark.parametrize("students", [86, 2000])
def test_caseload_costs_the_same_number_of_statements_for_86_and_2000_students(db, students):
    rows, statements = statements_for_caseload(db, students)
    assert rows == students
    assert statements == CASELOAD_STATEMENTS


# Counted once and written down, so a change that adds a query per student (or any
# query) shows up here as a number to look at, not as a slow page months later.
CASELOAD_STATEMENTS = 14


def test_an_idle_poll_tick_is_one_statement(sqlite_db):
    school = demo.build_school(sqlite_db, students=5, today=TODAY)
    plan_id = queries.caseload(sqlite_db, school.specialist_id, today=TODAY).plan_id.dropna().iloc[0]
    with count_statements(sqlite_db) as seen:
        queries.plan_revision(sqlite_db, int(plan_id))
    assert len(seen) == 1


def test_the_whole_plan_costs_the_same_statements_however_many_goals_it_has(sqlite_db):
    from tests.conftest import make_school

    school = make_school(sqlite_db)

    def add(n: int) -> None:
        for i in range(n):
            goal = services.add_goal(sqlite_db, school.sam, school.ana_plan, kind="achievement", statement=f"Goal {i}")
            services.record_progress(sqlite_db, school.tia, goal, rating=2)
            services.propose_support(sqlite_db, school.tia, school.ana_plan, description=f"Support {i}",
                                     setting="classroom", owner_user_id=school.tia)

    add(1)
    with count_statements(sqlite_db) as few:
        queries.student_plan(sqlite_db, school.sam, school.ana_plan)
    add(12)
    with count_statements(sqlite_db) as many:
        queries.student_plan(sqlite_db, school.sam, school.ana_plan)
    assert len(many) == len(few)


# --- flags -------------------------------------------------------------------------------------


@pytest.fixture
def ana(sqlite_db):
    """Ana's plan made active with one achievement and one affective goal."""
    from tests.conftest import make_school

    school = make_school(sqlite_db)
    services.add_goal(sqlite_db, school.sam, school.ana_plan, kind="affective", statement="Ask for help")
    plan = queries.student_plan(sqlite_db, school.sam, school.ana_plan)
    services.set_plan_status(sqlite_db, school.sam, school.ana_plan, "active", plan["plan"]["version"])
    return school


def ana_row(db, school, today):
    frame = queries.caseload(db, school.sam, today=today)
    return frame[frame.student_id == school.ana_student].iloc[0]


def test_a_student_with_no_plan_is_flagged(sqlite_db):
    from tests.conftest import make_school

    school = make_school(sqlite_db)
    sid = services.create_student(sqlite_db, school.sam, local_id="2001", first_name="Cy", last_name="Doe", grade=4)
    frame = queries.caseload(sqlite_db, school.sam, today=TODAY)
    row = frame[frame.student_id == sid].iloc[0]
    assert row.no_active_plan and "No active plan" in row["flags"]


def test_a_draft_plan_is_not_an_active_plan(sqlite_db):
    from tests.conftest import make_school

    school = make_school(sqlite_db)
    assert ana_row(sqlite_db, school, TODAY).no_active_plan


def test_a_plan_without_an_affective_goal_is_flagged_until_one_is_added(sqlite_db):
    from tests.conftest import make_school

    school = make_school(sqlite_db)
    assert ana_row(sqlite_db, school, TODAY).no_affective_goal
    services.add_goal(sqlite_db, school.sam, school.ana_plan, kind="affective", statement="Ask for help")
    assert not ana_row(sqlite_db, school, TODAY).no_affective_goal


def test_a_discontinued_affective_goal_no_longer_counts(sqlite_db, ana):
    goal = next(g for g in queries.student_plan(sqlite_db, ana.sam, ana.ana_plan)["goals"] if g["kind"] == "affective")
    services.set_goal_status(sqlite_db, ana.sam, goal["id"], "discontinued", goal["version"])
    assert ana_row(sqlite_db, ana, TODAY).no_affective_goal


def second_period_start(db) -> dt.date:
    from sqlalchemy import select

    from plpcore.models import ReportingPeriod

    with db.read() as s:
        return s.scalars(select(ReportingPeriod.starts_on).order_by(ReportingPeriod.starts_on)).all()[1]


def test_progress_on_the_first_day_of_the_period_counts_for_that_period(sqlite_db, ana):
    start = second_period_start(sqlite_db)
    services.record_progress(sqlite_db, ana.tia, ana.ana_goal, on=start, rating=3)
    assert not ana_row(sqlite_db, ana, start).no_progress_this_period


def test_progress_on_the_last_day_of_the_previous_period_does_not_count(sqlite_db, ana):
    start = second_period_start(sqlite_db)
    services.record_progress(sqlite_db, ana.tia, ana.ana_goal, on=start - dt.timedelta(days=1), rating=3)
    assert ana_row(sqlite_db, ana, start).no_progress_this_period


def test_progress_dated_after_today_does_not_hide_a_missing_report(sqlite_db, ana):
    start = second_period_start(sqlite_db)
    services.record_progress(sqlite_db, ana.tia, ana.ana_goal, on=start + dt.timedelta(days=200), rating=3)
    assert ana_row(sqlite_db, ana, start).no_progress_this_period


def test_the_annual_meeting_is_overdue_once_the_first_period_ends_without_one(sqlite_db, ana):
    start = second_period_start(sqlite_db)
    assert not ana_row(sqlite_db, ana, start - dt.timedelta(days=1)).meeting_overdue
    assert ana_row(sqlite_db, ana, start).meeting_overdue


def finalized_review(db: Database, school, *, present: tuple[int, ...] | None = None,
                     signers: tuple[int, ...] = ()) -> int:
    """Ana's annual review, run to the end and finalized (which also makes her draft plan active)."""
    present = (school.sam, school.tia, school.gus, school.ana) if present is None else present
    meeting = meetings.schedule_meeting(db, school.sam, school.ana_plan, kind="annual ALP review",
                                        scheduled_at=dt.datetime.combine(TODAY, dt.time(15, 0)))
    meetings.open_meeting(db, school.sam, meeting)
    for person in present:
        meetings.check_in(db, person, meeting)
    for key in services.VOICE_FIRST:
        services.update_section(db, school.ana, school.ana_plan, key, "student", "In my words", 0)
    step = "attendance"
    while step != "review and sign":
        step = meetings.advance(db, school.sam, meeting, step)
    for person in signers:
        meetings.sign(db, person, meeting)
    meetings.finalize(db, school.sam, meeting, "" if school.gus in present else "Gus was travelling")
    return meeting


def test_a_finalized_annual_review_clears_the_overdue_flag(sqlite_db, ana):
    finalized_review(sqlite_db, ana, signers=(ana.sam, ana.tia, ana.gus, ana.ana))
    start = second_period_start(sqlite_db)
    assert not ana_row(sqlite_db, ana, start).meeting_overdue


def test_a_record_someone_present_has_not_signed_is_flagged(sqlite_db, ana):
    finalized_review(sqlite_db, ana, signers=(ana.sam,))
    assert ana_row(sqlite_db, ana, TODAY).record_unsigned


def test_signing_after_the_meeting_clears_the_unsigned_flag(sqlite_db, ana):
    meeting = finalized_review(sqlite_db, ana, signers=(ana.sam,))
    for person in (ana.tia, ana.gus, ana.ana):
        meetings.sign(sqlite_db, person, meeting)
    assert not ana_row(sqlite_db, ana, TODAY).record_unsigned


def test_the_caseload_lists_only_the_specialists_own_students(sqlite_db):
    from tests.conftest import make_school

    school = make_school(sqlite_db)
    frame = queries.caseload(sqlite_db, school.sam, today=TODAY)
    assert list(frame.name) == ["Ana Lopez"]


# --- the admin page's lists: found by search, a page at a time ---------------------------------


def usernames(page) -> list[str]:
    return [row["username"] for row in page.rows]


def add_teachers(db, school, n: int) -> None:
    from plpcore import accounts

    for i in range(n):
        accounts.create_user(db, school.ada, username=f"teacher{i:02}", display_name=f"Teacher {i:02}",
                             password="correct horse", kind="teacher", email=f"t{i:02}@district.example")


def everyone(db, actor_id: int) -> list[dict]:
    """Every person the actor's list holds, in its order: all its pages at the largest page size."""
    from plpcore import accounts

    first = accounts.people_page(db, actor_id, per_page=100)
    return [row for n in range(1, first.pages + 1) for row in accounts.people_page(db, actor_id, page=n, per_page=100).rows]


@pytest.mark.parametrize("who", ["sam", "ada"])
def test_the_pages_of_people_hold_exactly_the_people_the_whole_list_holds(db, school, who):
    from plpcore import accounts

    add_teachers(db, school, 30)
    actor = getattr(school, who)
    pages = [accounts.people_page(db, actor, page=n, per_page=10) for n in (1, 2, 3, 4)]
    assert [row for p in pages for row in p.rows] == everyone(db, actor)


def test_the_second_page_shows_the_next_25_people(db, school):
    from plpcore import accounts

    add_teachers(db, school, 60)
    names = [row["username"] for row in everyone(db, school.ada)]
    second = accounts.people_page(db, school.ada, page=2)
    assert usernames(second) == names[25:50]
    assert (second.first, second.last, second.total) == (26, 50, len(names))


def test_a_page_past_the_last_shows_the_last_page(db, school):
    from plpcore import accounts

    add_teachers(db, school, 30)
    found = accounts.people_page(db, school.ada, page=99)
    assert found.page == found.pages == 2 and len(found.rows) == found.total - 25


def test_a_search_finds_a_person_by_part_of_their_email(db, school):
    from plpcore import accounts

    add_teachers(db, school, 30)
    assert usernames(accounts.people_page(db, school.ada, "T07@DISTRICT")) == ["teacher07"]


def test_a_search_finds_a_person_by_their_name_or_username_in_any_case(db, school):
    from plpcore import accounts

    assert usernames(accounts.people_page(db, school.ada, "TIA")) == ["tia"]
    assert usernames(accounts.people_page(db, school.ada, "specialist")) == ["sam"]


def test_a_search_for_a_percent_sign_finds_only_a_percent_sign(db, school):
    from plpcore import accounts

    assert accounts.people_page(db, school.ada, "%").total == 0


def test_a_specialists_search_never_finds_people_they_do_not_manage(db, school):
    from plpcore import accounts

    assert accounts.people_page(db, school.sam, "ben").total == 0  # Ben's sign-in: a student on Pat's caseload
    found = {row["username"]: row["can_manage"] for row in accounts.people_page(db, school.sam).rows}
    assert "ben" not in found
    assert not found["tom"] and not found["pat"] and found["tia"] and found["gus"]


def test_people_who_can_be_linked_are_staff_and_families_who_can_sign_in(db, school):
    from plpcore import accounts

    accounts.set_active(db, school.ada, school.tom, False)
    linkable = set(usernames(accounts.people_page(db, school.ada, linkable=True)))
    assert linkable == {"sam", "ada", "pat", "tia", "gus", "gia"}


def test_a_specialist_picks_only_students_on_their_caseload(db, school):
    assert [row["name"] for row in queries.student_page(db, school.sam).rows] == ["Ana Lopez"]
    assert queries.student_page(db, school.sam, "okafor").total == 0
    assert queries.student_page(db, school.ada, "okafor").total == 1


def test_a_student_search_matches_each_word_anywhere_in_the_name_or_school_id(db, school):
    assert [row["name"] for row in queries.student_page(db, school.ada, "lop an").rows] == ["Ana Lopez"]
    assert [row["local_id"] for row in queries.student_page(db, school.ada, "1002").rows] == ["1002"]


def test_the_links_page_leaves_out_removed_links_unless_asked(db, school):
    tia = queries.team_links_page(db, school.sam, "tia").rows
    services.unlink_user(db, school.sam, tia[0]["link_id"])
    assert queries.team_links_page(db, school.sam, "tia").total == 0
    assert queries.team_links_page(db, school.sam, "tia", removed_too=True).total == 1


def test_a_specialists_links_page_shows_only_their_students_links(db, school):
    assert {row["student"] for row in queries.team_links_page(db, school.sam).rows} == {"Ana Lopez"}
    assert queries.team_links_page(db, school.sam, "okafor").total == 0
