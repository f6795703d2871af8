"""Working on one plan together: stale saves become conflicts, and every write moves the revision."""

from __future__ import annotations

import datetime as dt
import inspect
import threading

import pytest
from sqlalchemy import func, select

from plpcore import meetings, queries, services
from plpcore.errors import EditConflict
from plpcore.models import AuditEvent
from tests.test_access_matrix import BACKENDS, fresh_team, open_shared_school


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


def plan_of(db, school, plan_id=None) -> dict:
    return queries.student_plan(db, school.sam, plan_id or school.ana_plan)


def goal_in(doc: dict, goal_id: int) -> dict:
    return next(g for g in doc["goals"] if g["id"] == goal_id)


def answer(doc: dict, key: str, voice: str) -> dict | None:
    return next((x for x in doc["sections"] if x["key"] == key and x["voice"] == voice), None)


def audit_count(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action != "view"))


# --- goals ------------------------------------------------------------------------------------------


def test_the_second_person_revising_a_goal_from_the_same_version_gets_a_conflict_with_both_texts(db, school):
    start = goal_in(plan_of(db, school), school.ana_goal)["version"]
    services.revise_goal(db, school.sam, school.ana_goal, start, statement="Sam: finish the unit by March")

    with pytest.raises(EditConflict) as conflict:
        services.revise_goal(db, school.tia, school.ana_goal, start, statement="Tia: finish the unit by April")

    assert conflict.value.entity == "goal" and conflict.value.entity_id == school.ana_goal
    assert conflict.value.stored["statement"] == "Sam: finish the unit by March"
    assert conflict.value.attempted["statement"] == "Tia: finish the unit by April"
    assert conflict.value.stored_version == start + 1
    assert conflict.value.stored_by == "Sam Specialist"
    goal = goal_in(plan_of(db, school), school.ana_goal)
    assert goal["statement"] == "Sam: finish the unit by March"
    assert [h["statement"] for h in goal["history"]] == ["Ana: finish the 6th-grade math unit"]


def save_at_once(db, goal: int, version: int, saves: dict[int, str]) -> dict[int, object]:
    """Each actor revises the goal from `version` in their own thread, released together."""
    barrier = threading.Barrier(len(saves))
    outcomes: dict[int, object] = {}

    def save(actor: int, text: str) -> None:
        barrier.wait()
        try:
            outcomes[actor] = services.revise_goal(db, actor, goal, version, statement=text)
        except EditConflict as conflict:
            outcomes[actor] = conflict

    threads = [threading.Thread(target=save, args=item) for item in saves.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_people_saving_one_goal_at_the_same_moment_one_wins_and_the_other_gets_a_conflict(db, school):
    for round_ in range(3):
        start = goal_in(plan_of(db, school), school.ana_goal)["version"]
        outcomes = save_at_once(db, school.ana_goal, start, {who: f"round {round_} by {who}" for who in (school.sam, school.tia)})

        conflicts = [o for o in outcomes.values() if isinstance(o, EditConflict)]
        assert len(conflicts) == 1, outcomes
        winner = next(who for who, o in outcomes.items() if not isinstance(o, EditConflict))
        assert goal_in(plan_of(db, school), school.ana_goal)["statement"] == f"round {round_} by {winner}"
        assert conflicts[0].stored["statement"] == f"round {round_} by {winner}"


def test_edits_to_different_goals_from_the_same_plan_revision_both_succeed(db, school):
    other = services.add_goal(db, school.sam, school.ana_plan, kind="affective", statement="Ask for help when stuck")
    doc = plan_of(db, school)

    services.revise_goal(db, school.sam, school.ana_goal, goal_in(doc, school.ana_goal)["version"], statement="Math A")
    services.revise_goal(db, school.tia, other, goal_in(doc, other)["version"], statement="Ask for help twice a week")

    after = plan_of(db, school)
    assert goal_in(after, school.ana_goal)["statement"] == "Math A"
    assert goal_in(after, other)["statement"] == "Ask for help twice a week"
    assert after["plan"]["revision"] == doc["plan"]["revision"] + 2


# --- plan sections --------------------------------------------------------------------------------


def test_the_students_words_and_the_teams_additions_to_one_question_never_conflict(db, school):
    doc = plan_of(db, school)
    assert answer(doc, "strengths", "student") is None and answer(doc, "strengths", "team") is None

    student_v = services.update_section(db, school.ana, school.ana_plan, "strengths", "student", "I build things", 0)
    team_v = services.update_section(db, school.tia, school.ana_plan, "strengths", "team", "Persistent in math", 0)
    services.update_section(db, school.ana, school.ana_plan, "strengths", "student", "I build and fix things", student_v)
    services.update_section(db, school.gus, school.ana_plan, "strengths", "team", "Persistent; kind to others", team_v)

    after = plan_of(db, school)
    assert answer(after, "strengths", "student")["text"] == "I build and fix things"
    assert answer(after, "strengths", "student")["author"] == "Ana Lopez"
    assert answer(after, "strengths", "team")["text"] == "Persistent; kind to others"


def test_two_people_answering_an_empty_question_at_once_the_second_gets_a_conflict(db, school):
    services.update_section(db, school.gus, school.ana_plan, "interests", "team", "Loves chess", 0)

    with pytest.raises(EditConflict) as conflict:
        services.update_section(db, school.tia, school.ana_plan, "interests", "team", "Robotics club", 0)

    assert conflict.value.stored["text"] == "Loves chess"
    assert conflict.value.attempted["text"] == "Robotics club"
    assert answer(plan_of(db, school), "interests", "team")["text"] == "Loves chess"


def test_saving_an_answer_from_a_stale_version_raises_a_conflict_and_keeps_the_newer_text(db, school):
    v1 = services.update_section(db, school.sam, school.ana_plan, "extension", "team", "Math olympiad", 0)
    services.update_section(db, school.sam, school.ana_plan, "extension", "team", "Math olympiad, chess club", v1)
    revision = plan_of(db, school)["plan"]["revision"]

    with pytest.raises(EditConflict) as conflict:
        services.update_section(db, school.ada, school.ana_plan, "extension", "team", "Science fair", v1)

    assert conflict.value.stored["text"] == "Math olympiad, chess club"
    assert conflict.value.attempted["text"] == "Science fair"
    after = plan_of(db, school)
    assert answer(after, "extension", "team")["text"] == "Math olympiad, chess club"
    assert after["plan"]["revision"] == revision


# --- every versioned edit -------------------------------------------------------------------------


def _support(db, s):
    return services.propose_support(db, s.sam, s.ana_plan, description="Extension packet", setting="classroom",
                                    owner_role="teacher")


def _meeting(db, s):
    return meetings.schedule_meeting(db, s.sam, s.ana_plan, kind="check-in", scheduled_at="2026-10-01 15:00")


def _first_answer(db, s):
    services.update_section(db, s.sam, s.ana_plan, "enrichment", "team", "Art club", 0)
    return s.ana_plan


def _meeting_version(db, s, meeting):
    return meetings.meeting_state(db, s.sam, meeting)["version"]


# (name, make the row -> id, current version of the row, save with a given version)
VERSIONED_EDITS = {
    "plan status": (
        lambda db, s: s.ana_plan,
        lambda db, s, row: plan_of(db, s)["plan"]["version"],
        lambda db, s, row, v: services.set_plan_status(db, s.sam, row, "active", v)),
    "plan section": (
        lambda db, s: _first_answer(db, s),
        lambda db, s, row: answer(plan_of(db, s), "enrichment", "team")["version"],
        lambda db, s, row, v: services.update_section(db, s.sam, row, "enrichment", "team", "Art and music", v)),
    "goal wording": (
        lambda db, s: s.ana_goal,
        lambda db, s, row: goal_in(plan_of(db, s), row)["version"],
        lambda db, s, row, v: services.revise_goal(db, s.sam, row, v, statement="New wording")),
    "goal status": (
        lambda db, s: s.ana_goal,
        lambda db, s, row: goal_in(plan_of(db, s), row)["version"],
        lambda db, s, row, v: services.set_goal_status(db, s.sam, row, "in progress", v)),
    "closing a goal": (
        lambda db, s: s.ana_goal,
        lambda db, s, row: goal_in(plan_of(db, s), row)["version"],
        lambda db, s, row, v: services.close_goal(db, s.sam, row, "met", v)),
    "support status": (
        _support,
        lambda db, s, row: next(x for x in plan_of(db, s)["supports"] if x["id"] == row)["version"],
        lambda db, s, row, v: services.set_support_status(db, s.sam, row, "agreed", v)),
    "meeting notes": (
        _meeting,
        _meeting_version,
        lambda db, s, row, v: meetings.set_next_steps(db, s.sam, row, v, notes="Talked about the packet")),
}


@pytest.mark.parametrize("what", VERSIONED_EDITS)
def test_every_versioned_edit_refuses_a_stale_version_and_writes_nothing(db, school, what):
    make, current, save = VERSIONED_EDITS[what]
    row = make(db, school)
    seen = current(db, school, row)
    save(db, school, row, seen)  # someone else saves first
    stored, stored_version, audits = plan_of(db, school), current(db, school, row), audit_count(db)

    with pytest.raises(EditConflict):
        save(db, school, row, seen)

    assert plan_of(db, school) == stored
    assert current(db, school, row) == stored_version
    assert audit_count(db) == audits


# --- every write moves the revision ---------------------------------------------------------------


def _writes(db, s):
    """Every kind of write to a plan, in an order a real year could have. Yields (service, call)."""
    st = {}

    def version_of_goal(goal):
        return goal_in(plan_of(db, s), goal)["version"]

    yield services.set_plan_status, lambda: services.set_plan_status(db, s.sam, s.ana_plan, "active",
                                                                      plan_of(db, s)["plan"]["version"])
    yield services.update_section, lambda: services.update_section(db, s.ana, s.ana_plan, "feelings", "student",
                                                                    "Good, a bit bored in math", 0)
    yield services.add_goal, lambda: st.update(goal=services.add_goal(db, s.sam, s.ana_plan, kind="affective",
                                                                      statement="Speak up once a class"))
    yield services.propose_goal, lambda: services.propose_goal(db, s.ana, s.ana_plan, kind="career", statement="Visit a lab")
    yield services.revise_goal, lambda: services.revise_goal(db, s.tia, st["goal"], version_of_goal(st["goal"]),
                                                              statement="Speak up twice a class")
    yield services.set_goal_status, lambda: services.set_goal_status(db, s.sam, st["goal"], "in progress",
                                                                      version_of_goal(st["goal"]))
    yield services.record_progress, lambda: services.record_progress(db, s.ana, st["goal"], rating=2, note="Tried")
    yield services.close_goal, lambda: services.close_goal(db, s.sam, s.ana_goal, "met", version_of_goal(s.ana_goal))
    yield services.propose_support, lambda: st.update(support=services.propose_support(
        db, s.gus, s.ana_plan, description="Quiet reading corner", setting="classroom", owner_user_id=s.tia))
    yield services.set_support_status, lambda: services.set_support_status(db, s.sam, st["support"], "agreed", 1)
    yield services.acknowledge_support, lambda: services.acknowledge_support(db, s.tia, st["support"])
    yield services.log_support, lambda: services.log_support(db, s.tia, st["support"], note="Done Monday")
    yield services.log_intervention, lambda: services.log_intervention(db, s.tia, s.ana_plan, course="Math 5",
                                                                        description="Compacted unit")
    yield services.record_assessment, lambda: services.record_assessment(db, s.sam, s.ana_student, name="CogAT",
                                                                          taken_on="2026-09-01", percentile=98)
    yield services.add_note, lambda: services.add_note(db, s.gus, s.ana_plan, "She liked the packet")
    yield services.check_in_at_home, lambda: services.check_in_at_home(
        db, s.gus, s.ana_goal, prompt="What is getting in the way?", note="Too many clubs", rating=2)
    yield services.acknowledge_plan, lambda: services.acknowledge_plan(db, s.gus, s.ana_plan)
    yield services.set_aside, lambda: services.set_aside(db, s.tia, "goal", st["goal"])  # Tia's edit lost to Sam's
    yield services.settle_set_aside, lambda: services.settle_set_aside(db, s.tia, "goal", st["goal"])
    yield meetings.schedule_meeting, lambda: st.update(meeting=meetings.schedule_meeting(
        db, s.sam, s.ana_plan, kind="annual ALP review", scheduled_at="2026-10-01 15:00"))
    yield meetings.open_meeting, lambda: meetings.open_meeting(db, s.sam, st["meeting"])
    yield meetings.check_in, lambda: meetings.check_in(db, s.tia, st["meeting"], "video")
    yield meetings.mark_attendance, lambda: meetings.mark_attendance(db, s.sam, _attendance(db, s, st["meeting"], s.gus),
                                                                      "present", "in person")
    yield meetings.add_guest, lambda: st.update(guest=meetings.add_guest(db, s.sam, st["meeting"], "Dr. Reyes", "counselor"))
    yield meetings.advance, lambda: meetings.advance(db, s.sam, st["meeting"], "attendance")
    yield meetings.confirm_voice, lambda: meetings.confirm_voice(db, s.ana, st["meeting"], "feelings")  # September's answer
    for key in ("strengths", "needs", "learning_style"):
        yield services.update_section, lambda key=key: services.update_section(db, s.ana, s.ana_plan, key, "student",
                                                                               "", 0, passed=True)
    for step in ("student voice", "progress review", "goals", "supports"):
        yield meetings.advance, lambda step=step: meetings.advance(db, s.sam, st["meeting"], step)
    yield meetings.set_next_steps, lambda: meetings.set_next_steps(
        db, s.sam, st["meeting"], _meeting_version(db, s, st["meeting"]), next_check_in=dt.date.today() + dt.timedelta(days=42))
    yield meetings.add_action_item, lambda: meetings.add_action_item(db, s.tia, st["meeting"], "Send packet", "Tia")
    yield meetings.advance, lambda: meetings.advance(db, s.sam, st["meeting"], "next steps")
    yield meetings.sign, lambda: meetings.sign(db, s.tia, st["meeting"])
    yield meetings.sign_for_guest, lambda: meetings.sign_for_guest(db, s.sam, st["guest"])
    yield meetings.finalize, lambda: meetings.finalize(db, s.sam, st["meeting"], "Ana was at a competition")
    yield meetings.schedule_meeting, lambda: st.update(check_in=_meeting(db, s))
    yield meetings.reschedule, lambda: meetings.reschedule(db, s.sam, st["check_in"], _meeting_version(db, s, st["check_in"]),
                                                           scheduled_at="2026-11-05 08:30", location="Room 4")
    yield meetings.cancel, lambda: meetings.cancel(db, s.sam, st["check_in"])


def _attendance(db, s, meeting, user):
    return next(a["id"] for a in meetings.meeting_state(db, s.sam, meeting)["attendance"] if a["user_id"] == user)


def test_plan_revision_moves_by_one_and_one_audit_event_is_written_on_every_kind_of_write(db, school):
    for service, write in _writes(db, school):
        revision, audits = queries.plan_revision(db, school.ana_plan), audit_count(db)
        write()
        assert queries.plan_revision(db, school.ana_plan) == revision + 1, service.__name__
        # A home check-in writes two rows in one write (the note and the rating), each with its audit event.
        rows = 2 if service is services.check_in_at_home else 1
        assert audit_count(db) == audits + rows, service.__name__


def test_a_new_plan_starts_at_revision_one_with_one_audit_event(db, school):
    audits = audit_count(db)
    plan = services.create_plan(db, school.sam, school.ana_student, "PLP")
    assert queries.plan_revision(db, plan) == 1
    assert audit_count(db) == audits + 1


def public_services(module) -> set[str]:
    return {
        f"{module.__name__.rsplit('.', 1)[-1]}.{name}"
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__ and not name.startswith("_")
        and next(iter(inspect.signature(fn).parameters), None) == "db"
    }


def test_the_revision_test_covers_every_service_that_writes_to_a_plan():
    covered = {f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}" for fn, _ in _writes(None, None)}
    not_plan_writes = {
        "services.create_student", "services.link_user", "services.unlink_user",  # the student, not a plan
        "services.create_plan",  # tested on its own: a new plan starts at revision 1
        "meetings.heartbeat", "meetings.leave",  # presence is not plan content
        "meetings.in_room", "meetings.meeting_state", "meetings.notice_log", "meetings.calendar_file",  # reads
    }
    assert covered | not_plan_writes == public_services(services) | public_services(meetings)


def test_every_kind_of_write_is_audited_with_who_what_which_field_and_the_new_value(db, school):
    incomplete = []
    for service, write in _writes(db, school):
        with db.read() as s:
            last = s.scalar(select(func.max(AuditEvent.id))) or 0
        write()
        with db.read() as s:
            events = s.scalars(select(AuditEvent).where(AuditEvent.id > last, AuditEvent.action != "view")).all()
        for e in events:
            missing = [name for name in ("actor_id", "entity", "entity_id", "field", "new", "student_id")
                       if getattr(e, name) in (None, "")]
            if missing:
                incomplete.append(f"{service.__name__}: {e.action} {e.entity} lacks {', '.join(missing)}")
    assert incomplete == [], "\n".join(incomplete)
