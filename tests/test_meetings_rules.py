"""The live meeting's rules: agenda order, student voice first, attendance, signing, the final record."""

from __future__ import annotations

import datetime as dt

import pytest

from plpcore import meetings, queries, services
from plpcore.errors import InvalidInput
from plpcore.models import AgendaStep, MeetingRecord
from tests.test_access_matrix import BACKENDS, fresh_team, open_shared_school

AGENDA = [str(step) for step in AgendaStep]
WHEN = dt.datetime(2026, 10, 1, 15, 0)


# Each test gets a fresh student and team in a school its module shares (one per database).
@pytest.fixture(scope="module", params=BACKENDS)
def shared(request, tmp_path_factory):
    w = open_shared_school(request, tmp_path_factory)
    yield w
    w.db.dispose()


@pytest.fixture
def db(shared):
    return shared.db


@pytest.fixture
def school(shared):
    return fresh_team(shared)


def open_meeting(db, s, kind: str = "annual ALP review") -> int:
    meeting = meetings.schedule_meeting(db, s.sam, s.ana_plan, kind=kind, scheduled_at=WHEN)
    meetings.open_meeting(db, s.sam, meeting)
    return meeting


def state(db, s, meeting) -> dict:
    return meetings.meeting_state(db, s.sam, meeting)


def step(db, s, meeting) -> str:
    return state(db, s, meeting)["agenda_step"]


def voice(db, s, key: str, text: str = "", passed: bool = False) -> None:
    doc = queries.student_plan(db, s.sam, s.ana_plan)
    row = next((x for x in doc["sections"] if x["key"] == key and x["voice"] == "student"), None)
    services.update_section(db, s.ana, s.ana_plan, key, "student", text, row["version"] if row else 0, passed=passed)


def student_answers(db, s) -> None:
    voice(db, s, "feelings", "Mostly good")
    voice(db, s, "strengths", "Puzzles")
    voice(db, s, "needs", passed=True)
    voice(db, s, "learning_style", "By building things")


def everyone_checks_in(db, s, meeting) -> None:
    for who in (s.sam, s.tia, s.gus, s.ana):
        meetings.check_in(db, who, meeting)


def go_to(db, s, meeting, target: str) -> None:
    while (current := step(db, s, meeting)) != target:
        meetings.advance(db, s.sam, meeting, current)


def ready_to_sign(db, s, *, everyone: bool = True) -> int:
    """An annual review of Ana's ALP, with an achievement and an affective goal, at review and sign."""
    services.add_goal(db, s.sam, s.ana_plan, kind="affective", statement="Ask for help when stuck")
    meeting = open_meeting(db, s)
    if everyone:
        everyone_checks_in(db, s, meeting)
    else:
        meetings.check_in(db, s.sam, meeting)
        meetings.check_in(db, s.tia, meeting)
    student_answers(db, s)
    go_to(db, s, meeting, "review and sign")
    return meeting


# --- the agenda --------------------------------------------------------------------------------------


def test_the_agenda_goes_through_every_step_in_order_and_stops_at_the_last(db, school):
    meeting = open_meeting(db, school)
    student_answers(db, school)
    seen = [step(db, school, meeting)]
    while seen[-1] != "review and sign":
        seen.append(meetings.advance(db, school.sam, meeting, seen[-1]))

    assert seen == AGENDA
    with pytest.raises(InvalidInput) as refusal:
        meetings.advance(db, school.sam, meeting, "review and sign")
    assert refusal.value.field == "agenda step"


def test_the_agenda_cannot_jump_ahead_over_a_step(db, school):
    meeting = open_meeting(db, school)
    student_answers(db, school)
    with pytest.raises(InvalidInput) as refusal:
        meetings.advance(db, school.sam, meeting, "attendance", to_step="goals")
    assert refusal.value.field == "agenda step"
    assert step(db, school, meeting) == "attendance"


def test_the_specialist_can_go_back_to_an_earlier_step(db, school):
    meeting = open_meeting(db, school)
    student_answers(db, school)
    go_to(db, school, meeting, "goals")
    assert meetings.advance(db, school.sam, meeting, "goals", to_step="attendance") == "attendance"


def test_advancing_from_a_step_someone_already_left_moves_nothing_twice(db, school):
    meeting = open_meeting(db, school)
    meetings.advance(db, school.sam, meeting, "attendance")
    revision = queries.plan_revision(db, school.ana_plan)

    assert meetings.advance(db, school.sam, meeting, "attendance") == "student voice"
    assert queries.plan_revision(db, school.ana_plan) == revision


def test_the_agenda_moves_only_in_an_open_meeting(db, school):
    meeting = meetings.schedule_meeting(db, school.sam, school.ana_plan, kind="check-in", scheduled_at=WHEN)
    with pytest.raises(InvalidInput) as refusal:
        meetings.advance(db, school.sam, meeting, "attendance")
    assert refusal.value.field == "meeting"


# --- student voice first -----------------------------------------------------------------------------


def test_the_meeting_stays_on_student_voice_until_the_student_answered_or_passed_all_four(db, school):
    meeting = open_meeting(db, school)
    meetings.advance(db, school.sam, meeting, "attendance")
    voice(db, school, "feelings", "Mostly good")
    voice(db, school, "strengths", "Puzzles")
    voice(db, school, "needs", "   ")  # blank is not an answer

    with pytest.raises(InvalidInput) as refusal:
        meetings.advance(db, school.sam, meeting, "student voice")
    assert refusal.value.field == "student voice"
    assert "What are your needs?" in refusal.value.message and "How do you learn best?" in refusal.value.message
    assert "learning_style" not in refusal.value.message  # the question, never an internal key
    assert state(db, school, meeting)["voice_waiting"] == ["needs", "learning_style"]

    voice(db, school, "needs", passed=True)
    voice(db, school, "learning_style", "By building things")
    assert meetings.advance(db, school.sam, meeting, "student voice") == "progress review"


def test_during_a_meeting_the_team_writes_a_voice_first_question_only_after_the_student(db, school):
    open_meeting(db, school)
    with pytest.raises(InvalidInput) as refusal:
        services.update_section(db, school.tia, school.ana_plan, "strengths", "team", "Persistent", 0)
    assert refusal.value.field == "What are your strengths?"

    voice(db, school, "strengths", "Puzzles")
    services.update_section(db, school.tia, school.ana_plan, "strengths", "team", "Persistent", 0)
    services.update_section(db, school.tia, school.ana_plan, "interests", "team", "Chess", 0)  # not a voice-first one
    sections = {(x["key"], x["voice"]): x["text"] for x in queries.student_plan(db, school.sam, school.ana_plan)["sections"]}
    assert sections[("strengths", "student")] == "Puzzles"
    assert sections[("strengths", "team")] == "Persistent"


def test_a_student_who_passes_opens_the_teams_side_of_that_question(db, school):
    open_meeting(db, school)
    voice(db, school, "feelings", passed=True)
    services.update_section(db, school.gus, school.ana_plan, "feelings", "team", "She seems happier", 0)


# --- attendance and finalizing ---------------------------------------------------------------------


def test_the_room_shows_which_required_roles_nobody_is_present_for(db, school):
    meeting = open_meeting(db, school)
    assert state(db, school, meeting)["missing_roles"] == ["specialist", "teacher", "guardian", "student"]
    meetings.check_in(db, school.sam, meeting)
    meetings.check_in(db, school.tia, meeting, "video")
    assert state(db, school, meeting)["missing_roles"] == ["guardian", "student"]

    ana = next(a for a in state(db, school, meeting)["attendance"] if a["user_id"] == school.ana)
    meetings.mark_attendance(db, school.sam, ana["id"], "present", "in person")
    meetings.add_guest(db, school.sam, meeting, "Grandma Rosa", "grandparent")
    assert state(db, school, meeting)["missing_roles"] == ["guardian"]


def test_a_student_without_a_sign_in_is_listed_and_counts_as_present_once_marked(db, school):
    cy = services.create_student(db, school.sam, local_id=f"C{school.ana_student}", first_name="Cy", last_name="Moss",
                                 grade=3)
    meeting = meetings.schedule_meeting(db, school.sam, services.create_plan(db, school.sam, cy, "ALP"),
                                        kind="check-in", scheduled_at=WHEN)
    meetings.open_meeting(db, school.sam, meeting)
    [row] = [a for a in state(db, school, meeting)["attendance"] if a["role"] == "student"]
    assert (row["name"], row["user_id"]) == ("Cy Moss", None)

    meetings.mark_attendance(db, school.sam, row["id"], "present", "in person")
    assert "student" not in state(db, school, meeting)["missing_roles"]


def test_finalizing_without_every_required_role_needs_the_reason_why(db, school):
    meeting = ready_to_sign(db, school, everyone=False)
    with pytest.raises(InvalidInput) as refusal:
        meetings.finalize(db, school.sam, meeting)
    assert refusal.value.field == "reason a role is missing"
    assert "guardian" in refusal.value.message and "student" in refusal.value.message
    assert queries.meeting_record(db, school.sam, meeting) is None

    meetings.finalize(db, school.sam, meeting, "Parent conference moved; Ana at a math competition")
    record = queries.meeting_record(db, school.sam, meeting)["snapshot"]["meeting"]
    assert record["missing_roles"] == ["guardian", "student"]
    assert record["missing_role_reason"] == "Parent conference moved; Ana at a math competition"


def test_an_alp_is_finalized_only_with_a_live_achievement_and_affective_goal(db, school):
    meeting = open_meeting(db, school)
    everyone_checks_in(db, school, meeting)
    student_answers(db, school)
    go_to(db, school, meeting, "review and sign")
    services.close_goal(db, school.sam, school.ana_goal, "discontinued", 1)  # a discontinued goal does not count
    refusals = []
    for kind in ("achievement", "affective"):
        with pytest.raises(InvalidInput) as refusal:
            meetings.finalize(db, school.sam, meeting)
        refusals.append((refusal.value.field, kind in refusal.value.message))
        services.add_goal(db, school.sam, school.ana_plan, kind=kind, statement=f"A new {kind} goal")

    assert refusals == [("goals", True), ("goals", True)]
    meetings.finalize(db, school.sam, meeting)
    assert state(db, school, meeting)["status"] == "finalized"


def test_a_meeting_is_finalized_only_at_review_and_sign(db, school):
    meeting = open_meeting(db, school)
    everyone_checks_in(db, school, meeting)
    with pytest.raises(InvalidInput) as refusal:
        meetings.finalize(db, school.sam, meeting)
    assert refusal.value.field == "meeting"


def test_finalizing_an_annual_review_makes_the_draft_plan_active(db, school):
    meeting = ready_to_sign(db, school)
    meetings.finalize(db, school.sam, meeting)
    assert queries.student_plan(db, school.sam, school.ana_plan)["plan"]["status"] == "active"


def test_a_finalized_meeting_takes_no_more_changes(db, school):
    meeting = ready_to_sign(db, school)
    meetings.finalize(db, school.sam, meeting)
    for change in (
        lambda: meetings.check_in(db, school.gus, meeting, "phone"),
        lambda: meetings.add_guest(db, school.sam, meeting, "Late Visitor"),
        lambda: meetings.add_action_item(db, school.sam, meeting, "More", "Sam"),
        lambda: meetings.advance(db, school.sam, meeting, "review and sign", to_step="goals"),
        lambda: meetings.cancel(db, school.sam, meeting),
        lambda: meetings.finalize(db, school.sam, meeting),
    ):
        with pytest.raises(InvalidInput):
            change()
    assert state(db, school, meeting)["agenda_step"] == "review and sign"


# --- the record -------------------------------------------------------------------------------------


def test_the_record_holds_the_plan_goals_agreed_supports_attendance_and_signatures(db, school):
    meeting = ready_to_sign(db, school)
    support = services.propose_support(db, school.sam, school.ana_plan, description="Extension packet",
                                       setting="classroom", owner_user_id=school.tia)
    services.set_support_status(db, school.sam, support, "agreed", 1, meeting_id=meeting)
    services.propose_support(db, school.gus, school.ana_plan, description="Only proposed", setting="home",
                             owner_role="guardian")
    meetings.sign(db, school.tia, meeting)
    meetings.finalize(db, school.sam, meeting)

    snapshot = queries.meeting_record(db, school.gus, meeting)["snapshot"]
    assert {g["kind"] for g in snapshot["goals"]} == {"achievement", "affective"}
    assert [x["description"] for x in snapshot["supports"]] == ["Extension packet"]
    signed = {a["name"]: a["signed_at"] is not None for a in snapshot["attendance"]}
    assert signed == {"Sam Specialist": False, "Tia": True, "Gus": False, "Ana Lopez": False}
    assert {x["key"]: x["text"] for x in snapshot["sections"] if x["voice"] == "student"}["strengths"] == "Puzzles"


def test_the_record_does_not_change_when_the_plan_is_edited_afterwards(db, school):
    meeting = ready_to_sign(db, school)
    meetings.finalize(db, school.sam, meeting)
    before = queries.meeting_record(db, school.sam, meeting)

    goal = next(g for g in queries.student_plan(db, school.sam, school.ana_plan)["goals"] if g["id"] == school.ana_goal)
    services.revise_goal(db, school.sam, school.ana_goal, goal["version"], statement="A new wording after the meeting")
    voice(db, school, "strengths", "Now: robotics")
    services.propose_support(db, school.sam, school.ana_plan, description="New support", setting="school",
                             owner_role="teacher")
    meetings.sign(db, school.gus, meeting)  # a late signature is a row of its own, not a change to the snapshot

    after = queries.meeting_record(db, school.sam, meeting)
    assert (after["snapshot"], after["sha256"]) == (before["snapshot"], before["sha256"])
    assert "A new wording after the meeting" not in str(after["snapshot"])
    assert [(x["name"], x["after_finalizing"]) for x in after["signatures"]] == [("Gus", True)]


def test_a_meeting_record_cannot_be_changed_or_deleted_through_the_orm(db, school):
    meeting = ready_to_sign(db, school)
    record_id = meetings.finalize(db, school.sam, meeting)
    before = queries.meeting_record(db, school.sam, meeting)

    with pytest.raises(InvalidInput), db.write() as s:
        s.get(MeetingRecord, record_id).snapshot = "{}"
    with pytest.raises(InvalidInput), db.write() as s:
        s.delete(s.get(MeetingRecord, record_id))

    assert queries.meeting_record(db, school.sam, meeting) == before


# --- signatures ---------------------------------------------------------------------------------------


def test_signing_opens_only_at_review_and_sign(db, school):
    meeting = open_meeting(db, school)
    everyone_checks_in(db, school, meeting)
    with pytest.raises(InvalidInput) as refusal:
        meetings.sign(db, school.tia, meeting)
    assert refusal.value.field == "signature"


def test_only_attendees_who_are_present_sign(db, school):
    meeting = ready_to_sign(db, school, everyone=False)  # Sam and Tia present; Gus and Ana only invited
    meetings.sign(db, school.tia, meeting)
    for absent in (school.gus, school.ana, school.ada):  # Ada (admin) was not even invited
        with pytest.raises(InvalidInput) as refusal:
            meetings.sign(db, absent, meeting)
        assert refusal.value.field == "signature"
    signed = {a["name"] for a in state(db, school, meeting)["attendance"] if a["signed"]}
    assert signed == {"Tia"}


def test_the_specialist_signs_for_a_present_guest_but_not_for_someone_with_an_account(db, school):
    meeting = ready_to_sign(db, school)
    guest = meetings.add_guest(db, school.sam, meeting, "Dr. Reyes", "counselor")
    meetings.sign_for_guest(db, school.sam, guest)
    tia = next(a for a in state(db, school, meeting)["attendance"] if a["user_id"] == school.tia)
    with pytest.raises(InvalidInput):
        meetings.sign_for_guest(db, school.sam, tia["id"])
    signed = {a["name"] for a in state(db, school, meeting)["attendance"] if a["signed"]}
    assert signed == {"Dr. Reyes"}


# --- presence ------------------------------------------------------------------------------------------


def test_the_room_shows_who_sent_a_heartbeat_recently(db, school):
    meeting = open_meeting(db, school)
    now = dt.datetime(2026, 10, 1, 15, 5)
    assert meetings.heartbeat(db, school.tia, meeting, now) is True
    assert meetings.heartbeat(db, school.tia, meeting, now + dt.timedelta(seconds=2)) is False  # throttled
    meetings.heartbeat(db, school.gus, meeting, now)
    assert meetings.in_room(db, school.sam, meeting, now + dt.timedelta(seconds=10)) == ["Gus", "Tia"]
    meetings.leave(db, school.gus, meeting)
    assert meetings.in_room(db, school.sam, meeting, now + dt.timedelta(seconds=10)) == ["Tia"]
    assert meetings.in_room(db, school.sam, meeting, now + dt.timedelta(minutes=5)) == []
