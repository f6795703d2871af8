"""What a meeting records is what happened (issue 14): the student speaks first at every meeting,
the held-at time, who is invited by default, late check-ins, the homes' poll, and the person
whose save won a conflict is told."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.sql import count_statements
from plpcore import accounts, meetings, queries, services
from plpcore.errors import InvalidInput
from plpcore.services import VOICE_FIRST
from tests.test_access_matrix import BACKENDS, fresh_team, open_shared_school

SEPTEMBER = dt.datetime(2026, 9, 15, 15, 0)
JANUARY = dt.datetime(2027, 1, 6, 15, 0)


@pytest.fixture(scope="module", params=BACKENDS)
def shared(request, tmp_path_factory):
    w = open_shared_school(request, tmp_path_factory)
    yield w
    w.db.dispose()


@pytest.fixture
def db(shared):
    return shared.db


@pytest.fixture
def s(shared):
    return fresh_team(shared)


def answer(db, s, key: str, text: str = "", passed: bool = False) -> None:
    doc = queries.student_plan(db, s.sam, s.ana_plan)
    row = next((x for x in doc["sections"] if x["key"] == key and x["voice"] == "student"), None)
    services.update_section(db, s.ana, s.ana_plan, key, "student", text, row["version"] if row else 0, passed=passed)


def held(db, s, when: dt.datetime = JANUARY) -> int:
    meeting = meetings.schedule_meeting(db, s.sam, s.ana_plan, kind="check-in", scheduled_at=when)
    meetings.open_meeting(db, s.sam, meeting)
    return meeting


def at_voice(db, s) -> int:
    meeting = held(db, s)
    meetings.advance(db, s.sam, meeting, "attendance")
    return meeting


def finish(db, s, meeting: int) -> None:
    meetings.cancel(db, s.sam, meeting)


def answered_in_september(db, s) -> None:
    """The student answered every voice-first question at an earlier meeting."""
    first = held(db, s, SEPTEMBER)
    meetings.advance(db, s.sam, first, "attendance")
    for key in VOICE_FIRST:
        answer(db, s, key, f"September: {key}")
    finish(db, s, first)


def team_writes(db, s, key: str = "strengths") -> int:
    return services.update_section(db, s.tia, s.ana_plan, key, "team", "Persistent with puzzles", 0)


# --- student voice first, at every meeting -----------------------------------------------------------


def test_at_a_second_meeting_the_teams_side_stays_locked_though_the_student_answered_in_september(db, s):
    answered_in_september(db, s)
    at_voice(db, s)
    with pytest.raises(InvalidInput) as refusal:
        team_writes(db, s)
    assert refusal.value.field == "What are your strengths?"


def test_the_student_saying_still_true_opens_the_teams_side_of_that_question_only(db, s):
    answered_in_september(db, s)
    meeting = at_voice(db, s)
    meetings.confirm_voice(db, s.ana, meeting, "strengths")
    team_writes(db, s, "strengths")
    with pytest.raises(InvalidInput):
        team_writes(db, s, "needs")


def test_updating_or_passing_at_this_meeting_opens_the_teams_side(db, s):
    answered_in_september(db, s)
    meeting = at_voice(db, s)
    answer(db, s, "needs", "More time for projects")
    answer(db, s, "learning_style", passed=True)
    assert meetings.meeting_state(db, s.sam, meeting)["voice_waiting"] == ["feelings", "strengths"]


def test_the_specialist_cannot_move_past_the_voice_step_before_the_student_confirms_and_the_refusal_names_the_question(
        db, s):
    answered_in_september(db, s)
    meeting = at_voice(db, s)
    for key in ("feelings", "strengths", "needs"):
        meetings.confirm_voice(db, s.ana, meeting, key)
    with pytest.raises(InvalidInput) as refusal:
        meetings.advance(db, s.sam, meeting, "student voice")
    assert "“How do you learn best?”" in refusal.value.message
    assert "learning_style" not in str(refusal.value)


def test_once_the_student_has_confirmed_every_question_the_meeting_moves_on(db, s):
    answered_in_september(db, s)
    meeting = at_voice(db, s)
    for key in VOICE_FIRST:
        meetings.confirm_voice(db, s.ana, meeting, key)
    assert meetings.advance(db, s.sam, meeting, "student voice") == "progress review"


def test_the_specialist_may_record_still_true_for_a_student_typing_beside_them(db, s):
    answered_in_september(db, s)
    meeting = at_voice(db, s)
    meetings.confirm_voice(db, s.sam, meeting, "feelings")
    assert "feelings" not in meetings.meeting_state(db, s.sam, meeting)["voice_waiting"]


def test_a_teacher_cannot_say_still_true_for_the_student(db, s):
    answered_in_september(db, s)
    meeting = at_voice(db, s)
    with pytest.raises(Exception):  # noqa: B017 (NotAllowed: the student's words are the student's)
        meetings.confirm_voice(db, s.tia, meeting, "feelings")


def test_still_true_needs_an_earlier_answer_and_says_which_question(db, s):
    meeting = at_voice(db, s)
    with pytest.raises(InvalidInput) as refusal:
        meetings.confirm_voice(db, s.ana, meeting, "needs")
    assert refusal.value.field == "What are your needs?"


def test_the_plan_tells_the_team_which_voice_questions_wait_so_no_edit_button_is_offered_in_vain(db, s):
    answered_in_september(db, s)
    meeting = at_voice(db, s)
    meetings.confirm_voice(db, s.ana, meeting, "feelings")
    assert queries.student_plan(db, s.tia, s.ana_plan)["voice_waiting"] == ["strengths", "needs", "learning_style"]


def test_outside_a_meeting_nothing_waits_for_the_student(db, s):
    answered_in_september(db, s)
    assert queries.student_plan(db, s.tia, s.ana_plan)["voice_waiting"] == []
    team_writes(db, s)


def test_still_true_is_audited_and_moves_the_plan_so_every_screen_follows(db, s):
    answered_in_september(db, s)
    meeting = at_voice(db, s)
    before = queries.plan_revision(db, s.ana_plan)
    meetings.confirm_voice(db, s.ana, meeting, "feelings")
    assert queries.plan_revision(db, s.ana_plan) == before + 1
    trail = queries.audit_events(db, s.sam, s.ana_student)
    assert (trail[-1]["action"], trail[-1]["field"], trail[-1]["new"]) == ("confirm", "feelings (student)", "still true")


# --- when it was held -----------------------------------------------------------------------------------


def test_a_meeting_held_early_records_when_it_was_held_and_keeps_when_it_was_scheduled(db, s):
    meeting = held(db, s, JANUARY)
    state = meetings.meeting_state(db, s.sam, meeting)
    assert state["scheduled_at"] == JANUARY
    assert state["opened_at"] is not None and state["opened_at"].date() == dt.datetime.now(dt.UTC).date()


def test_opening_the_room_again_keeps_the_first_held_at_time(db, s):
    meeting = held(db, s)
    first = meetings.meeting_state(db, s.sam, meeting)["opened_at"]
    meetings.open_meeting(db, s.sam, meeting)
    assert meetings.meeting_state(db, s.sam, meeting)["opened_at"] == first


def test_the_next_check_in_may_come_before_the_scheduled_date_of_a_meeting_held_early(db, s):
    meeting = held(db, s, JANUARY)
    version = meetings.meeting_state(db, s.sam, meeting)["version"]
    soon = dt.date.today() + dt.timedelta(days=14)  # before January 6
    meetings.set_next_steps(db, s.sam, meeting, version, next_check_in=soon)
    assert meetings.meeting_state(db, s.sam, meeting)["next_check_in"] == soon


# --- who is invited by default --------------------------------------------------------------------------


@pytest.fixture
def second_teacher(db, s, shared):
    n = next(shared.counter)
    teacher = accounts.create_user(db, None, username=f"una{n}", display_name="Una Uninvolved", password=s.password,
                                   kind="teacher")
    services.link_user(db, s.sam, s.ana_student, teacher, "teacher", "Art")
    return teacher


def invited(db, s, meeting: int) -> set[int]:
    return {a["user_id"] for a in meetings.meeting_state(db, s.sam, meeting)["attendance"] if a["user_id"]}


def owns_a_support(db, s, teacher: int) -> None:
    services.propose_support(db, s.sam, s.ana_plan, description="Math extension packet", setting="classroom",
                             owner_user_id=teacher)


def test_a_meeting_invites_the_core_team_and_not_a_teacher_who_owns_no_support(db, s, second_teacher):
    owns_a_support(db, s, s.tia)
    meeting = meetings.schedule_meeting(db, s.sam, s.ana_plan, kind="check-in", scheduled_at=JANUARY)
    assert invited(db, s, meeting) == {s.sam, s.tia, s.gus, s.ana}


def test_while_no_teacher_owns_a_support_every_linked_teacher_is_invited(db, s, second_teacher):
    meeting = meetings.schedule_meeting(db, s.sam, s.ana_plan, kind="check-in", scheduled_at=JANUARY)
    assert invited(db, s, meeting) == {s.sam, s.tia, second_teacher, s.gus, s.ana}


def test_the_specialist_may_tick_a_teacher_outside_the_core_team(db, s, second_teacher):
    owns_a_support(db, s, s.tia)
    everyone = [s.sam, s.tia, second_teacher, s.gus, s.ana]
    meeting = meetings.schedule_meeting(db, s.sam, s.ana_plan, kind="check-in", scheduled_at=JANUARY,
                                        invite_user_ids=everyone)
    assert invited(db, s, meeting) == set(everyone)


def test_the_invitee_list_marks_the_core_team_for_the_lobby_to_tick(db, s, second_teacher):
    owns_a_support(db, s, s.tia)
    core = {p["user_id"]: p["core"] for p in queries.meeting_invitees(db, s.sam, s.ana_plan)}
    assert core == {s.sam: True, s.tia: True, second_teacher: False, s.gus: True, s.ana: True}


# --- late and remote participants ---------------------------------------------------------------------


def test_a_parent_who_joins_at_review_and_sign_checks_in_with_the_time_and_signs(db, s):
    meeting = held(db, s)
    while (step := meetings.meeting_state(db, s.sam, meeting)["agenda_step"]) != "review and sign":
        if step == "student voice":
            for key in VOICE_FIRST:
                answer(db, s, key, passed=True)
        meetings.advance(db, s.sam, meeting, step)
    meetings.check_in(db, s.gus, meeting, "video")
    meetings.sign(db, s.gus, meeting)
    gus = next(a for a in meetings.meeting_state(db, s.sam, meeting)["attendance"] if a["user_id"] == s.gus)
    assert (gus["status"], gus["mode"], gus["signed"]) == ("present", "video", True)
    trail = [e for e in queries.audit_events(db, s.sam, s.ana_student) if e["action"] == "check in"]
    assert trail[-1]["actor_id"] == s.gus


def test_a_home_page_poll_sees_a_meeting_start_in_one_statement(db, s):
    meeting = meetings.schedule_meeting(db, s.sam, s.ana_plan, kind="check-in", scheduled_at=JANUARY)
    assert queries.meeting_statuses(db, [meeting]) == {meeting: "scheduled"}
    meetings.open_meeting(db, s.sam, meeting)
    with count_statements(db) as seen:
        assert queries.meeting_statuses(db, [meeting]) == {meeting: "in progress"}
    assert len(seen) == 1


# --- an edit set aside in a conflict ---------------------------------------------------------------------


def test_the_person_whose_save_won_is_told_whose_edit_was_set_aside(db, s):
    goal = queries.student_plan(db, s.sam, s.ana_plan)["goals"][0]
    services.revise_goal(db, s.sam, goal["id"], goal["version"], statement="Ana: finish the unit by March")
    services.set_aside(db, s.tia, "goal", goal["id"])  # Tia saved from the older version: parked for her
    notices = queries.student_plan(db, s.sam, s.ana_plan)["set_aside"]
    assert [(n["by"], n["what"]) for n in notices] == [("Tia", "the goal “Ana: finish the unit by March”")]


def test_nobody_else_sees_the_set_aside_notice(db, s):
    goal = queries.student_plan(db, s.sam, s.ana_plan)["goals"][0]
    services.revise_goal(db, s.sam, goal["id"], goal["version"], statement="Ana: finish the unit by March")
    services.set_aside(db, s.tia, "goal", goal["id"])
    assert queries.student_plan(db, s.gus, s.ana_plan)["set_aside"] == []
    assert queries.student_plan(db, s.tia, s.ana_plan)["set_aside"] == []


def test_the_notice_ends_when_the_other_person_has_merged(db, s):
    goal = queries.student_plan(db, s.sam, s.ana_plan)["goals"][0]
    services.revise_goal(db, s.sam, goal["id"], goal["version"], statement="Ana: finish the unit by March")
    services.set_aside(db, s.tia, "goal", goal["id"])
    services.settle_set_aside(db, s.tia, "goal", goal["id"])
    assert queries.student_plan(db, s.sam, s.ana_plan)["set_aside"] == []


def test_a_second_conflict_on_the_same_row_is_told_once(db, s):
    goal = queries.student_plan(db, s.sam, s.ana_plan)["goals"][0]
    services.revise_goal(db, s.sam, goal["id"], goal["version"], statement="Ana: finish the unit by March")
    services.set_aside(db, s.tia, "goal", goal["id"])
    services.set_aside(db, s.tia, "goal", goal["id"])
    assert len(queries.student_plan(db, s.sam, s.ana_plan)["set_aside"]) == 1


def test_a_section_set_aside_is_named_by_its_question(db, s):
    services.update_section(db, s.sam, s.ana_plan, "interests", "team", "Chess club", 0)
    section = next(x for x in queries.student_plan(db, s.sam, s.ana_plan)["sections"] if x["key"] == "interests")
    services.set_aside(db, s.gus, "plan_section", section["id"])
    assert queries.student_plan(db, s.sam, s.ana_plan)["set_aside"][0]["what"] == "“What are your interests?”"
