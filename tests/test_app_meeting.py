"""The meeting room in AppTest, for each role at the key steps, on a fresh SQLite copy per test.

The whole app runs (entrypoint and router), opened at /meeting with the meeting (or the
student to schedule for) in the URL and the person signed in the way a valid cookie does;
plpcore and the database are the real ones.
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from plpcore import meetings, queries, services
from tests.app_support import app, database_copy, messages, page_text
from ui.session import database

WHEN = dt.datetime(2026, 10, 1, 15, 0)


@pytest.fixture
def school(tmp_path, monkeypatch) -> SimpleNamespace:
    """The two-team school on this test's own copy, with the app pointed at it."""
    db, school = database_copy(tmp_path, monkeypatch)
    yield SimpleNamespace(**vars(school), db=db)
    database().dispose()


def room(school: SimpleNamespace, who: str, meeting_id: int | None = None, **query) -> AppTest:
    """Open /meeting as `who`: the room of `meeting_id` (in the URL), or the lobby."""
    if meeting_id is not None:
        query["meeting"] = str(meeting_id)
    at = app("meeting", as_user=who, query=query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return rerun(at)


def scheduled(school) -> int:
    return meetings.schedule_meeting(school.db, school.sam, school.ana_plan, kind="annual ALP review",
                                     scheduled_at=WHEN, location="Room 12")


def opened(school) -> int:
    meeting = scheduled(school)
    meetings.open_meeting(school.db, school.sam, meeting)
    return meeting


def step(school, meeting: int) -> str:
    return meetings.meeting_state(school.db, school.sam, meeting)["agenda_step"]


def go_to(school, meeting: int, target: str) -> None:
    while (current := step(school, meeting)) != target:
        meetings.advance(school.db, school.sam, meeting, current)


def voice(school, key: str, text: str = "", passed: bool = False) -> None:
    doc = queries.student_plan(school.db, school.sam, school.ana_plan)
    row = next((x for x in doc["sections"] if x["key"] == key and x["voice"] == "student"), None)
    services.update_section(school.db, school.ana, school.ana_plan, key, "student", text, row["version"] if row else 0,
                            passed=passed)


def student_answers(school) -> None:
    voice(school, "feelings", "Mostly good")
    voice(school, "strengths", "Puzzles")
    voice(school, "needs", passed=True)
    voice(school, "learning_style", "By building things")


def past_student_voice(school, target: str) -> int:
    """A meeting open at `target`, the student having answered every voice-first question."""
    meeting = opened(school)
    go_to(school, meeting, "student voice")
    student_answers(school)
    go_to(school, meeting, target)
    return meeting


def everyone_checks_in(school, meeting: int) -> None:
    for who in (school.sam, school.tia, school.gus, school.ana):
        meetings.check_in(school.db, who, meeting)


def at_review(school, *, everyone: bool = True) -> int:
    services.add_goal(school.db, school.sam, school.ana_plan, kind="affective", statement="Ask for help when stuck")
    meeting = opened(school)
    if everyone:
        everyone_checks_in(school, meeting)
    else:
        meetings.check_in(school.db, school.sam, meeting)
    go_to(school, meeting, "student voice")
    student_answers(school)
    go_to(school, meeting, "review and sign")
    return meeting


def shown(at: AppTest) -> str:
    """What a person reads on the page (bold marks taken out)."""
    return page_text(at).replace("**", "")


def downloads(at: AppTest) -> list[str]:
    return [d.label for d in at.get("download_button")]


def buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def errors(at: AppTest) -> list[str]:
    return [e.value.replace("\\", "") for e in at.error]


def invited(at: AppTest) -> list[int]:
    """The user ids whose invitation box is ticked on the schedule form."""
    return sorted(int(c.key.rsplit("_", 1)[1]) for c in at.checkbox
                  if str(c.key).startswith("meeting_new_invite_") and c.value)


def check_in_button(at: AppTest):
    return next(b for b in at.button if str(b.key).startswith("meeting_check_in_v"))


# --- before the meeting ------------------------------------------------------------------------------


def test_a_long_list_of_upcoming_meetings_shows_the_next_thirty_and_finds_others_by_name(school):
    for _ in range(31):
        scheduled(school)
    at = room(school, "sam")
    assert sum(1 for b in at.button if b.key.startswith("meeting_join_")) == 30
    assert "The next 30 of 31 meetings. Type a name to find others." in shown(at)

    at.text_input(key="meeting_find").input("nobody here").run()
    assert not [b for b in at.button if b.key.startswith("meeting_join_")]
    assert "The next 0 of 0 meetings for that name." in shown(at)


def test_specialist_schedules_a_meeting_inviting_the_team_and_a_guest(school):
    at = room(school, "sam")
    at.selectbox(key="meeting_new_student").set_value(school.ana_student)
    at = rerun(at)
    assert invited(at) == sorted([school.tia, school.gus, school.ana])
    at.date_input(key="meeting_new_day").set_value(dt.date.today() + dt.timedelta(days=7))
    at.text_input(key="meeting_new_location").input("Room 12")
    at.text_area(key="meeting_new_guests").input("Dr. Rivera, school counselor")
    at = click(at, "meeting_new_submit")
    assert not errors(at)
    meeting = int(at.query_params["meeting"])
    assert "schedule" not in at.query_params
    state = meetings.meeting_state(school.db, school.sam, meeting)
    assert [a["name"] for a in state["attendance"]] == ["Sam Specialist", "Tia", "Gus", "Ana Lopez", "Dr. Rivera"]
    assert state["status"] == "scheduled" and state["location"] == "Room 12"
    assert "Open the meeting" in buttons(at)
    assert downloads(at) == ["Add to my calendar (.ics)"]


def test_an_invited_parent_finds_the_meeting_and_waits_until_the_specialist_opens_it(school):
    meeting = scheduled(school)
    at = room(school, "gus")
    assert "Ana Lopez" in shown(at)
    at = click(at, f"meeting_join_{meeting}")
    assert "The meeting has not started yet" in shown(at)
    assert "Open the meeting" not in buttons(at)
    assert downloads(at) == ["Add to my calendar (.ics)"]


def test_all_my_meetings_leads_back_from_a_room_to_the_list(school):
    meeting = scheduled(school)
    at = click(room(school, "tia", meeting), "meeting_all")
    assert "Meetings" in [t.value for t in at.title]
    assert f"meeting_join_{meeting}" in [b.key for b in at.button]
    assert "meeting" not in at.query_params


def test_opening_a_meeting_from_the_lobby_puts_it_in_the_url(school):
    meeting = scheduled(school)
    at = click(room(school, "gus"), f"meeting_join_{meeting}")
    assert at.query_params["meeting"] == str(meeting)
    assert "Meeting room · Ana Lopez" in shown(at)


def test_leaving_a_running_meeting_goes_back_to_the_list(school):
    meeting = opened(school)
    meetings.check_in(school.db, school.tia, meeting)
    at = click(room(school, "tia", meeting), "meeting_leave")
    assert "You left the meeting room." in messages(at, "success")
    assert "Meetings" in [t.value for t in at.title]
    assert "meeting" not in at.query_params


def test_the_schedule_form_opens_on_the_student_the_url_names(school):
    at = room(school, "sam", schedule=str(school.ana_student))
    assert at.selectbox(key="meeting_new_student").value == school.ana_student
    assert invited(at) == sorted([school.tia, school.gus, school.ana])


def test_choosing_a_student_to_schedule_for_puts_them_in_the_url(school):
    at = room(school, "sam")
    at.selectbox(key="meeting_new_student").set_value(school.ana_student)
    at = rerun(at)
    assert at.query_params["schedule"] == str(school.ana_student)


def test_a_schedule_link_for_someone_elses_student_shows_nothing_of_them(school):
    at = room(school, "sam", schedule=str(school.ben_student))
    assert errors(at) == ["Not found, or you are not allowed to see it."]
    assert "Ben" not in shown(at)
    assert "meeting_new_submit" not in [b.key for b in at.button]


def test_a_meeting_is_scheduled_on_the_students_current_plan(school):
    """An active ALP wins over a newer draft PLP of the same year (plpcore's one rule)."""
    version = queries.student_plan(school.db, school.sam, school.ana_plan)["plan"]["version"]
    services.set_plan_status(school.db, school.sam, school.ana_plan, "active", version)
    services.create_plan(school.db, school.sam, school.ana_student, "PLP")
    at = room(school, "sam", schedule=str(school.ana_student))
    at = click(at, "meeting_new_submit")
    assert not errors(at)
    meeting = int(at.query_params["meeting"])
    assert meetings.meeting_state(school.db, school.sam, meeting)["plan_id"] == school.ana_plan


def test_a_student_without_a_plan_this_year_cannot_have_a_meeting_scheduled(school):
    version = queries.student_plan(school.db, school.sam, school.ana_plan)["plan"]["version"]
    services.set_plan_status(school.db, school.sam, school.ana_plan, "archived", version)
    at = room(school, "sam", schedule=str(school.ana_student))
    assert "This student has no plan for this school year yet." in [i.value for i in at.info]
    assert "meeting_new_submit" not in [b.key for b in at.button]


def test_a_meeting_link_that_is_not_a_number_is_not_found_and_leads_back_to_the_list(school):
    scheduled(school)
    at = room(school, "sam", meeting="12abc")
    assert errors(at) == ["Not found, or you are not allowed to see it."]
    at = click(at, "meeting_not_found_back")
    assert "Meetings" in [t.value for t in at.title]
    assert "meeting" not in at.query_params


def test_a_teacher_of_another_student_cannot_open_the_meeting_by_its_link(school):
    meeting = opened(school)
    at = room(school, "tom", meeting=str(meeting))
    assert errors(at) == ["Not found, or you are not allowed to see it."]
    assert "Ana" not in shown(at)


def test_a_meeting_by_video_offers_its_link_to_everyone_invited(school):
    meeting = meetings.schedule_meeting(school.db, school.sam, school.ana_plan, kind="check-in", scheduled_at=WHEN,
                                        location="https://meet.example.org/ana-check-in")
    at = room(school, "gus", meeting)
    assert [(b.label, b.proto.url) for b in at.get("link_button")] == [
        ("Open the video call", "https://meet.example.org/ana-check-in")]


def test_a_place_that_is_not_a_web_address_is_shown_as_text_only(school):
    meeting = meetings.schedule_meeting(school.db, school.sam, school.ana_plan, kind="check-in", scheduled_at=WHEN,
                                        location="javascript:alert(1)")
    at = room(school, "gus", meeting)
    assert not at.get("link_button")
    assert "javascript:alert(1)" in shown(at)


def test_specialist_opens_the_meeting_and_it_starts_at_attendance(school):
    meeting = scheduled(school)
    at = room(school, "sam", meeting)
    at = click(at, "meeting_open")
    assert step(school, meeting) == "attendance"
    assert "Step 1 of 7: Attendance" in shown(at)


# --- 1. attendance -------------------------------------------------------------------------------------


def test_a_teacher_checks_in_by_video_and_shows_as_present(school):
    meeting = opened(school)
    at = room(school, "tia", meeting)
    at.radio(key="meeting_mode").set_value("video")
    check_in_button(at).click()
    at = rerun(at)
    assert "Tia · teacher · present, video" in shown(at)
    assert not [b.key for b in at.button if str(b.key).startswith("meeting_check_in")]


def test_the_room_says_which_required_roles_are_still_missing(school):
    meeting = opened(school)
    meetings.check_in(school.db, school.sam, meeting)
    meetings.check_in(school.db, school.tia, meeting)
    at = room(school, "gus", meeting)
    assert [w.value for w in at.warning] == ["Not here yet: a parent or guardian and the student."]


def test_specialist_marks_the_parent_present_and_adds_a_guest(school):
    meeting = opened(school)
    gus = next(a for a in meetings.meeting_state(school.db, school.sam, meeting)["attendance"] if a["name"] == "Gus")
    at = room(school, "sam", meeting)
    at.selectbox(key=f"meeting_attendance_{gus['id']}_v{gus['version']}").set_value("present")
    at = rerun(at)
    at.text_input(key="meeting_guest_name").input("Dr. Rivera")
    at.text_input(key="meeting_guest_role").input("school counselor")
    at = click(at, "meeting_guest_submit")
    text = shown(at)
    assert "Gus · guardian · present" in text
    assert "Dr. Rivera · school counselor · present" in text


def test_a_poll_tick_sent_before_the_specialists_screen_drew_a_check_in_does_not_undo_it(school):
    """Every poll tick re-sends the values the browser shows. A tick sent while Sam's screen still
    showed Ana as not checked in (before it drew the rerun her check-in caused) must not mark her
    back: Sam never touched that picker. (The tick is replayed with AppTest's private _run, the only
    way to send an older screen's widget values; the race itself is timing in a real browser.)"""
    meeting = opened(school)
    sam = room(school, "sam", meeting)
    shown_before = sam._tree.get_widget_states()  # Sam's browser: Ana's row says "invited"
    meetings.check_in(school.db, school.ana, meeting)
    rerun(sam)  # the room's poll saw the new revision and reran Sam's screen
    sam._run(shown_before)  # the next tick, sent before Sam's browser drew that rerun
    assert not sam.exception
    ana = next(a for a in meetings.meeting_state(school.db, school.sam, meeting)["attendance"]
               if a["user_id"] == school.ana)
    assert (ana["status"], ana["mode"]) == ("present", "in person")


def test_a_next_click_delivered_again_after_the_step_moved_does_not_move_the_meeting_twice(school):
    """Streamlit can deliver a button's trigger to the run after its own (a run cut short by the
    room's poll). Replayed after the meeting moved, Sam's one click on "Next: goals" moves it once.
    (The replay uses AppTest's private _run, the only way to send an older screen's values.)"""
    meeting = past_student_voice(school, "progress review")
    sam = room(school, "sam", meeting)
    sam.button(key="meeting_next_from_progress_review").click()
    clicked = sam._tree.get_widget_states()  # what Sam's browser sent: the click on this step's Next
    rerun(sam)
    assert step(school, meeting) == "goals"
    sam._run(clicked)  # the same click, delivered again to the next run
    assert not sam.exception
    assert step(school, meeting) == "goals"


def test_only_the_specialist_moves_the_agenda(school):
    meeting = opened(school)
    assert "Next: student voice first" in buttons(room(school, "sam", meeting))
    parent = room(school, "gus", meeting)
    assert not any(label.startswith(("Next", "Back")) for label in buttons(parent))
    assert "your screen follows" in shown(parent)


# --- 2. student voice first ------------------------------------------------------------------------------


def test_the_team_side_stays_closed_until_the_student_answers(school):
    meeting = opened(school)
    go_to(school, meeting, "student voice")
    at = room(school, "tia", meeting)
    assert shown(at).count("Opens after Ana Lopez has confirmed, updated or passed on this question.") == 4
    assert "plan_section_feelings_team_edit" not in [b.key for b in at.button]


def test_the_student_writes_in_their_own_words_and_the_team_side_opens_beside_them(school):
    meeting = opened(school)
    go_to(school, meeting, "student voice")
    at = click(room(school, "ana", meeting), "plan_section_feelings_student_edit")
    at.text_area(key="plan_section_feelings_student_text").input("Good, but math is too easy")
    at = click(at, "plan_section_feelings_student_save")
    assert "Good, but math is too easy" in [t.value for t in at.text]
    teacher = room(school, "tia", meeting)
    assert "plan_section_feelings_team_edit" in [b.key for b in teacher.button]
    assert "Good, but math is too easy" in [t.value for t in teacher.text]
    assert "AL · Ana Lopez" in shown(teacher)  # who wrote it


def test_the_specialist_cannot_move_on_before_the_student_has_answered_or_passed(school):
    meeting = opened(school)
    go_to(school, meeting, "student voice")
    voice(school, "feelings", "Mostly good")
    at = room(school, "sam", meeting)
    assert at.button(key="meeting_next_from_student_voice").disabled
    assert [i.value.replace("\\", "") for i in at.info] == [
        "Next opens when Ana has confirmed, updated or passed on “What are your strengths?”; "
        "“What are your needs?”; “How do you learn best?”."]


# --- 4. goals, 5. supports, 6. next steps ---------------------------------------------------------------


def test_a_teacher_adds_an_affective_goal_in_the_meeting_and_it_shows_who_wrote_it(school):
    meeting = past_student_voice(school, "goals")
    at = room(school, "tia", meeting)
    assert "An ALP needs at least one affective goal." in [w.value for w in at.warning]
    at.selectbox(key="plan_add_goal_kind").set_value("affective")
    at.text_area(key="plan_add_goal_statement").input("Ask for help when stuck, twice a week")
    at = click(at, "plan_add_goal_submit")
    assert "Ask for help when stuck, twice a week" in [t.value for t in at.text]
    assert "Last change: T · Tia" in shown(at)
    assert not at.warning


def test_the_specialist_agrees_a_proposed_support_in_this_meeting(school):
    meeting = past_student_voice(school, "supports")
    support = services.propose_support(school.db, school.gus, school.ana_plan, description="Reading time at home",
                                       setting="home", owner_role="guardian", frequency="daily")
    at = click(room(school, "sam", meeting), f"meeting_support_{support}_agree")
    assert "Status: agreed in this meeting" in shown(at)
    stored = next(x for x in queries.student_plan(school.db, school.sam, school.ana_plan)["supports"]
                  if x["id"] == support)
    assert (stored["status"], stored["agreed_meeting_id"]) == ("agreed", meeting)


def test_a_parent_sees_supports_but_cannot_agree_them(school):
    meeting = past_student_voice(school, "supports")
    support = services.propose_support(school.db, school.tia, school.ana_plan, description="Extension problems",
                                       setting="classroom", owner_role="teacher")
    at = room(school, "gus", meeting)
    assert "Extension problems" in [t.value for t in at.text]
    assert f"meeting_support_{support}_agree" not in [b.key for b in at.button]


def test_a_teacher_adds_an_action_item_with_its_owner(school):
    meeting = past_student_voice(school, "next steps")
    at = room(school, "tia", meeting)
    at.text_input(key="meeting_action_description").input("Send the extension unit home")
    at.text_input(key="meeting_action_owner").input("Tia")
    at = click(at, "meeting_action_submit")
    assert "Send the extension unit home — Tia · added by T" in shown(at)


def test_two_people_setting_the_next_check_in_at_once_get_the_conflict_view(school):
    meeting = past_student_voice(school, "next steps")
    sam = click(room(school, "sam", meeting), "meeting_next_edit")
    tia = click(room(school, "tia", meeting), "meeting_next_edit")
    tia.text_area(key="meeting_next_notes").input("Tia's notes")
    click(tia, "meeting_next_save")
    sam.text_area(key="meeting_next_notes").input("Sam's notes")
    sam = click(sam, "meeting_next_save")
    assert "Keep mine" in buttons(sam)
    assert "Sam's notes" in shown(sam) and "Tia's notes" in shown(sam)
    click(sam, "meeting_next_conflict_keep_mine")
    assert meetings.meeting_state(school.db, school.sam, meeting)["notes"] == "Sam's notes"


# --- 7. review and sign, finalize -----------------------------------------------------------------------


def test_a_present_parent_signs_the_summary(school):
    meeting = at_review(school)
    at = room(school, "gus", meeting)
    assert "Ask for help when stuck" in shown(at)
    at = click(at, "meeting_sign")
    assert "Gus (guardian): :green[signed]" in shown(at)
    assert "meeting_finalize_submit" not in [b.key for b in at.button]


def test_finalizing_with_a_role_missing_needs_a_reason(school):
    meeting = at_review(school, everyone=False)
    at = room(school, "sam", meeting)
    at = click(at, "meeting_finalize_submit")
    assert any("record why to finalize" in e for e in errors(at))
    at.text_area(key="meeting_finalize_reason").input("Parent on a night shift; called the day before")
    at = click(at, "meeting_finalize_submit")
    assert meetings.meeting_state(school.db, school.sam, meeting)["status"] == "finalized"
    assert ("Nobody was present as a teacher, a parent or guardian and the student. "
            "Reason recorded: Parent on a night shift") in shown(at)


def test_a_finalized_meeting_offers_its_record_and_the_next_check_in(school):
    meeting = at_review(school)
    version = meetings.meeting_state(school.db, school.sam, meeting)["version"]
    check_in = dt.date.today() + dt.timedelta(days=42)
    meetings.set_next_steps(school.db, school.sam, meeting, version, next_check_in=check_in)
    at = click(room(school, "sam", meeting), "meeting_finalize_submit")
    assert downloads(at) == ["Meeting record (PDF)", "Meeting record (JSON)", f"Next check-in {check_in:%b %d} (.ics)"]
    record = queries.meeting_record(school.db, school.sam, meeting)
    assert json.loads(json.dumps(record, default=str))["snapshot"]["meeting"]["next_check_in"] == check_in.isoformat()
    parent = room(school, "gus", meeting)
    assert "This record does not change" in shown(parent)
    assert not [b.key for b in parent.button if str(b.key).startswith(("meeting_next_from", "meeting_back_from"))]


def test_a_finalized_meeting_shows_what_was_agreed_even_after_the_plan_changes(school):
    meeting = at_review(school)
    meetings.finalize(school.db, school.sam, meeting)
    goal = queries.student_plan(school.db, school.sam, school.ana_plan)["goals"][0]
    services.revise_goal(school.db, school.sam, goal["id"], goal["version"], statement="Ana: a later wording")

    parent = room(school, "gus", meeting)
    assert "achievement: Ana: finish the 6th-grade math unit (not started)" in [t.value for t in parent.text]
    assert "Ana: a later wording" not in shown(parent)


# --- from the home page ---------------------------------------------------------------------------------


def test_a_parent_joins_a_running_meeting_from_their_home_page(tmp_path, monkeypatch):
    db, school = database_copy(tmp_path, monkeypatch)
    meeting = meetings.schedule_meeting(db, school.sam, school.ana_plan, kind="check-in", scheduled_at=WHEN)
    meetings.open_meeting(db, school.sam, meeting)
    at = app(as_user="gus").run()
    assert "Ana Lopez · check-in · Thu Oct 01, 15:00 · :green[in progress now]" in shown(at)
    at.button(key=f"home_meeting_{meeting}").click().run()
    assert not at.exception
    assert "Meeting room · Ana Lopez" in shown(at)
    assert "Step 1 of 7: Attendance" in shown(at)
    database().dispose()


def test_a_teacher_of_another_student_does_not_see_the_meeting_on_their_home_page(tmp_path, monkeypatch):
    db, school = database_copy(tmp_path, monkeypatch)
    meetings.schedule_meeting(db, school.sam, school.ana_plan, kind="check-in", scheduled_at=WHEN)
    at = app(as_user="tom").run()
    assert "Upcoming meetings" not in shown(at) and "Ana" not in shown(at)
    database().dispose()
