"""Issue 14 in AppTest: the student speaks first at every meeting (a second meeting for a student who
answered at the first one), someone who joins late checks in and signs, the lobby invites the core
team, and the room says when the meeting was held.

The whole app runs, opened at /meeting (or /plan) with the person signed in the way a valid cookie
does; plpcore and the database are the real ones.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from plpcore import clock, meetings, queries, services
from tests.app_support import app, database_copy
from tests.test_app_meeting import (
    WHEN,
    check_in_button,
    click,
    go_to,
    invited,
    opened,
    past_student_voice,
    rerun,
    room,
    shown,
    student_answers,
)
from ui.session import database

LOCKED = "Opens after Ana Lopez has confirmed, updated or passed on this question."
QUESTION = {"feelings": "How do you feel about school right now?", "strengths": "What are your strengths?",
            "needs": "What are your needs?", "learning_style": "How do you learn best?"}


@pytest.fixture
def school(tmp_path, monkeypatch) -> SimpleNamespace:
    """The two-team school on this test's own copy, with the app pointed at it."""
    db, school = database_copy(tmp_path, monkeypatch)
    yield SimpleNamespace(**vars(school), db=db)
    database().dispose()


def second_meeting(school) -> int:
    """Ana answered every voice-first question at an earlier meeting (then cancelled); a second meeting
    is open at the voice step."""
    first = opened(school)
    go_to(school, first, "student voice")
    student_answers(school)  # feelings, strengths and learning style in words; needs passed
    meetings.cancel(school.db, school.sam, first)
    meeting = opened(school)
    go_to(school, meeting, "student voice")
    return meeting


def button_keys(at) -> list[str]:
    return [str(b.key) for b in at.button]


def voice_button(at, key: str, what: str):
    """The student's "still_true" or "pass" button of one question (its key names meeting and version)."""
    prefix = f"plan_section_{key}_student_{what}_"
    return next(b for b in at.button if str(b.key).startswith(prefix))


def waiting(school, meeting: int) -> list[str]:
    return meetings.meeting_state(school.db, school.sam, meeting)["voice_waiting"]


def student_row(school, key: str) -> dict:
    doc = queries.student_plan(school.db, school.sam, school.ana_plan)
    return next(x for x in doc["sections"] if x["key"] == key and x["voice"] == "student")


# --- student voice first, at every meeting ---------------------------------------------------------


def test_at_a_second_meeting_the_teams_side_stays_locked_in_the_room_although_the_student_answered_before(school):
    meeting = second_meeting(school)
    teacher = room(school, "tia", meeting)
    assert shown(teacher).count(LOCKED) == 4
    assert not [k for k in button_keys(teacher) if k.endswith("_team_edit")]
    assert "Mostly good" in [t.value for t in teacher.text]  # the earlier words are shown, waiting
    assert "Written before this meeting; Ana has not yet said whether it is still true." in shown(teacher)


def test_at_a_second_meeting_the_plan_page_offers_the_team_no_edit_on_a_waiting_question(school):
    meeting = second_meeting(school)
    plan = app("plan", as_user="tia", query={"plan": str(school.ana_plan)})
    plan.run()
    assert not plan.exception
    keys = button_keys(plan)
    assert not [k for q in QUESTION for k in keys if k == f"plan_section_{q}_team_edit"]
    assert "plan_section_interests_team_edit" in keys  # a question that is not voice-first stays open
    assert shown(plan).count(LOCKED) == 4
    meetings.confirm_voice(school.db, school.ana, meeting, "feelings")
    assert "plan_section_feelings_team_edit" in button_keys(rerun(plan))


def test_still_true_opens_the_teams_side_of_that_question(school):
    meeting = second_meeting(school)
    student = room(school, "ana", meeting)
    assert "Written before this meeting. Is this still true?" in shown(student)
    assert shown(student).count("Opens once you have said whether this is still true, updated it or passed.") == 4
    voice_button(student, "feelings", "still_true").click()
    student = rerun(student)
    assert "Still true at this meeting." in shown(student)
    assert waiting(school, meeting) == ["strengths", "needs", "learning_style"]
    teacher = room(school, "tia", meeting)
    assert "plan_section_feelings_team_edit" in button_keys(teacher)
    assert shown(teacher).count(LOCKED) == 3


def test_pass_opens_the_teams_side_and_keeps_the_earlier_words(school):
    meeting = second_meeting(school)
    student = room(school, "ana", meeting)
    voice_button(student, "strengths", "pass").click()
    student = rerun(student)
    assert "Passed at this meeting; the words above are from before." in shown(student)
    assert "strengths" not in waiting(school, meeting)
    assert (student_row(school, "strengths")["text"], student_row(school, "strengths")["passed"]) == ("Puzzles", True)
    assert "plan_section_strengths_team_edit" in button_keys(room(school, "tia", meeting))


def test_a_question_passed_on_before_is_passed_again_or_answered_not_still_true(school):
    meeting = second_meeting(school)
    student = room(school, "ana", meeting)
    assert not [k for k in button_keys(student) if k.startswith("plan_section_needs_student_still_true_")]
    voice_button(student, "needs", "pass").click()
    assert "Passed at this meeting." in shown(rerun(student))
    assert "needs" not in waiting(school, meeting)


def test_updating_an_earlier_answer_at_this_meeting_opens_the_teams_side(school):
    meeting = second_meeting(school)
    student = click(room(school, "ana", meeting), "plan_section_learning_style_student_edit")
    student.text_area(key="plan_section_learning_style_student_text").input("By building and then explaining")
    student = click(student, "plan_section_learning_style_student_save")
    assert "Updated at this meeting." in shown(student)
    assert "learning_style" not in waiting(school, meeting)


def test_the_specialist_says_still_true_for_the_student_typing_beside_them(school):
    meeting = second_meeting(school)
    specialist = room(school, "sam", meeting)
    assert "Written before this meeting. Ask Ana: is this still true?" in shown(specialist)
    voice_button(specialist, "feelings", "still_true").click()
    assert "Still true at this meeting." in shown(rerun(specialist))
    assert "feelings" not in waiting(school, meeting)


def test_a_teacher_is_offered_no_still_true_or_pass_for_the_student(school):
    meeting = second_meeting(school)
    teacher = room(school, "tia", meeting)
    assert not [k for k in button_keys(teacher) if "_student_" in k]


def test_next_waits_for_the_student_and_names_the_questions_still_waiting(school):
    meeting = second_meeting(school)
    meetings.confirm_voice(school.db, school.ana, meeting, "feelings")
    specialist = room(school, "sam", meeting)
    assert specialist.button(key="meeting_next_from_student_voice").disabled
    notice = [i.value.replace("\\", "") for i in specialist.info]
    assert notice == ["Next opens when Ana has confirmed, updated or passed on “What are your strengths?”; "
                      "“What are your needs?”; “How do you learn best?”."]
    assert "learning_style" not in notice[0]
    for key in ("strengths", "needs", "learning_style"):
        meetings.confirm_voice(school.db, school.ana, meeting, key)
    specialist = rerun(specialist)
    assert not specialist.button(key="meeting_next_from_student_voice").disabled
    click(specialist, "meeting_next_from_student_voice")
    assert meetings.meeting_state(school.db, school.sam, meeting)["agenda_step"] == "progress review"


# --- checking in late, and signing ---------------------------------------------------------------------


def test_a_parent_who_joins_at_supports_checks_in_from_the_bar_at_the_top(school):
    meeting = past_student_voice(school, "supports")
    parent = room(school, "gus", meeting)
    assert "Step 5 of 7: Supports" in shown(parent)
    parent.radio(key="meeting_mode").set_value("phone")
    check_in_button(parent).click()
    parent = rerun(parent)
    assert not [k for k in button_keys(parent) if k.startswith("meeting_check_in")]
    gus = next(a for a in meetings.meeting_state(school.db, school.sam, meeting)["attendance"]
               if a["user_id"] == school.gus)
    assert (gus["status"], gus["mode"]) == ("present", "phone")


def test_a_parent_who_joins_at_review_and_sign_is_told_to_check_in_then_checks_in_and_signs(school):
    services.add_goal(school.db, school.sam, school.ana_plan, kind="affective", statement="Ask for help when stuck")
    meeting = past_student_voice(school, "review and sign")
    parent = room(school, "gus", meeting)
    assert "Check in to sign the record: only people present sign it." in shown(parent)
    assert "meeting_sign" not in button_keys(parent)
    check_in_button(parent).click()
    parent = click(rerun(parent), "meeting_sign")
    assert "Gus (guardian): :green[signed]" in shown(parent)


def test_someone_checked_in_sees_no_check_in_bar_at_any_step(school):
    meeting = past_student_voice(school, "goals")
    meetings.check_in(school.db, school.tia, meeting)
    assert not [k for k in button_keys(room(school, "tia", meeting)) if k.startswith("meeting_check_in")]


# --- the lobby invites the core team -------------------------------------------------------------------


def test_the_lobby_ticks_the_core_team_only_and_says_why_the_others_are_not(school):
    services.link_user(school.db, school.sam, school.ana_student, school.tom, "teacher", "Art 5")
    services.propose_support(school.db, school.sam, school.ana_plan, description="Extension problems",
                             setting="classroom", owner_user_id=school.tia)
    at = room(school, "sam", schedule=str(school.ana_student))
    assert invited(at) == sorted([school.tia, school.gus, school.ana])
    assert f"meeting_new_invite_{school.ana_plan}_{school.tom}" in [str(c.key) for c in at.checkbox]
    assert "Not ticked: Tom. Only the core team is invited by default" in shown(at)
    at = click(at, "meeting_new_submit")
    meeting = int(at.query_params["meeting"])
    names = [a["name"] for a in meetings.meeting_state(school.db, school.sam, meeting)["attendance"]]
    assert "Tom" not in names and "Tia" in names


def test_the_specialist_ticks_someone_outside_the_core_team_and_they_are_invited(school):
    services.link_user(school.db, school.sam, school.ana_student, school.tom, "teacher", "Art 5")
    services.propose_support(school.db, school.sam, school.ana_plan, description="Extension problems",
                             setting="classroom", owner_user_id=school.tia)
    at = room(school, "sam", schedule=str(school.ana_student))
    at.checkbox(key=f"meeting_new_invite_{school.ana_plan}_{school.tom}").check()
    at = click(at, "meeting_new_submit")
    meeting = int(at.query_params["meeting"])
    assert "Tom" in [a["name"] for a in meetings.meeting_state(school.db, school.sam, meeting)["attendance"]]


# --- the room header --------------------------------------------------------------------------------


def test_a_meeting_held_on_another_day_than_scheduled_says_both(school):
    meeting = opened(school)  # scheduled for WHEN, opened today
    opened_at = meetings.meeting_state(school.db, school.sam, meeting)["opened_at"]  # UTC
    held = clock.stamp(opened_at, ZoneInfo("America/Denver"))  # at the school
    assert held.date() != WHEN.date()
    text = shown(room(school, "gus", meeting))
    assert (f"Held {held:%A, %B} {held.day}, {held.year} (scheduled for Thursday, October 1, 2026 at 15:00 MDT)"
            in text)


def test_a_meeting_held_on_its_day_says_only_when_it_was_scheduled(school):
    # The school's today (it is in Denver): in the hours after midnight UTC, the machine's date is already tomorrow.
    today = dt.datetime.combine(dt.datetime.now(ZoneInfo("America/Denver")).date(), dt.time(15, 0))
    meeting = meetings.schedule_meeting(school.db, school.sam, school.ana_plan, kind="check-in", scheduled_at=today)
    meetings.open_meeting(school.db, school.sam, meeting)
    text = shown(room(school, "gus", meeting))
    assert f"{today:%A, %B} {today.day}, {today.year} at 15:00" in text
    assert "Held " not in text


def test_the_room_tells_the_person_whose_save_won_that_anothers_edit_was_set_aside(school):
    meeting = past_student_voice(school, "goals")
    goal = queries.student_plan(school.db, school.sam, school.ana_plan)["goals"][0]
    services.revise_goal(school.db, school.sam, goal["id"], goal["version"], statement="Finish the unit by May")
    services.set_aside(school.db, school.tia, "goal", goal["id"])  # Tia's edit lost to Sam's and waits
    text = shown(room(school, "sam", meeting))
    assert "Tia's edit of the goal “Finish the unit by May” was set aside" in text
    assert "was set aside" not in shown(room(school, "gus", meeting))
