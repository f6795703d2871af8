"""Who may do what to a student: every service, tried by everyone outside the student's team.

One school is built per database and shared by the module (a refusal writes nothing but
its audit row, and every allowed call here leaves the outsiders outside). Each row of
CELLS is one service called on Ana's data; the matrix is CELLS x people.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import itertools
import shutil
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select, text

from plpcore import accounts, export, identities, imports, meetings, queries, services
from plpcore.access import ALLOWED, Action
from plpcore.db import Database
from plpcore.errors import NotAllowed
from plpcore.models import (
    Attendance,
    AuditEvent,
    AuthorRole,
    Base,
    Goal,
    Identity,
    Link,
    Meeting,
    Plan,
    PlanSection,
    SchoolYear,
    Support,
)
from tests.conftest import make_school

S, T, G, ST, A = AuthorRole.SPECIALIST, AuthorRole.TEACHER, AuthorRole.GUARDIAN, AuthorRole.STUDENT, AuthorRole.ADMIN

# People outside Ana's team: Ben's specialist, teacher, guardian, Ben himself, an id that
# is nobody, and Ana's former teacher whose account was disabled.
OUTSIDERS = ("pat", "tom", "gia", "ben", "unknown", "inactive")
NOT_STAFF = ("tom", "gia", "ben", "unknown", "inactive")  # for verbs any specialist may use
# Ana's team, each holding exactly one role toward her.
TEAM = {"sam": S, "tia": T, "gus": G, "ana": ST, "ada": A}
UNKNOWN_USER = 999_999


# --- the shared school ------------------------------------------------------------------------
# (also used by the meeting, conflict and bad-input tests: a whole school per test would
# spend most of the suite's time setting up)

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def open_shared_school(request, tmp_path_factory) -> SimpleNamespace:
    """conftest's two-team school in a database of its own, for a module's tests to share."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("shared") / "shared.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        db = Database(f"sqlite:///{path}")
    else:
        db = Database(request.getfixturevalue("postgres_migrated"))
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(t.name for t in Base.metadata.sorted_tables)} RESTART IDENTITY CASCADE"))
    w = make_school(db)
    w.db, w.counter = db, itertools.count(1)
    return w


def fresh_team(w) -> SimpleNamespace:
    """A new student Ana Lopez (with a sign-in, an ALP and one achievement goal) and Sam, Tia
    and Gus as her team, in the shared school: the attributes of conftest's `school`."""
    n = next(w.counter)
    team = SimpleNamespace(**vars(w))
    team.ana_student = services.create_student(w.db, w.sam, local_id=f"T{n}", first_name="Ana", last_name="Lopez",
                                               grade=5, gifted_areas=["math"])
    services.link_user(w.db, w.sam, team.ana_student, w.tia, "teacher", "Math 5")
    services.link_user(w.db, w.sam, team.ana_student, w.gus, "guardian")
    team.ana = accounts.give_student_login(w.db, w.sam, team.ana_student, f"ana{n}", w.password)
    team.ana_plan = services.create_plan(w.db, w.sam, team.ana_student, "ALP")
    team.ana_goal = services.add_goal(w.db, w.sam, team.ana_plan, kind="achievement",
                                      statement="Ana: finish the 6th-grade math unit")
    return team


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory) -> SimpleNamespace:
    w = open_shared_school(request, tmp_path_factory)
    db = w.db
    w.unknown = UNKNOWN_USER
    w.tess = accounts.create_user(db, w.ada, username="tess", display_name="Tess", password=w.password, kind="teacher")
    w.inactive = accounts.create_user(db, w.ada, username="old", display_name="Old", password=w.password, kind="teacher")
    services.link_user(db, w.sam, w.ana_student, w.inactive, "teacher", "Art")
    accounts.set_active(db, w.ada, w.inactive, False)
    w.ana_support = services.propose_support(db, w.sam, w.ana_plan, description="Extension packet",
                                             setting="classroom", owner_user_id=w.tia, frequency="weekly")
    services.set_support_status(db, w.sam, w.ana_support, "agreed", 1)
    w.ana_meeting = meetings.schedule_meeting(db, w.sam, w.ana_plan, kind="check-in",
                                              scheduled_at=dt.datetime(2026, 10, 1, 15, 0))
    meetings.open_meeting(db, w.sam, w.ana_meeting)
    w.ana_guest = meetings.add_guest(db, w.sam, w.ana_meeting, "Ms. Counselor", "counselor")
    with db.read() as s:
        w.tia_attendance = s.scalar(select(Attendance.id).where(
            Attendance.meeting_id == w.ana_meeting, Attendance.user_id == w.tia))
    yield w
    db.dispose()


def version(w, model, row_id: int) -> int:
    with w.db.read() as s:
        return s.scalar(select(model.version).where(model.id == row_id))


def section_version(w, key: str, voice: str) -> int:
    with w.db.read() as s:
        return s.scalar(select(PlanSection.version).where(
            PlanSection.plan_id == w.ana_plan, PlanSection.key == key, PlanSection.voice == voice)) or 0


def snapshot(db: Database, tables: tuple[str, ...]) -> dict[str, list]:
    """Every row of the tables a call could write, to compare before and after."""
    with db.engine.connect() as conn:
        return {
            name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            for name in tables
            for table in [Base.metadata.tables[name]]
        }


def last_audit_id(db: Database) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))


def audit_since(db: Database, after: int) -> list:
    with db.engine.connect() as conn:
        return conn.execute(select(AuditEvent.__table__).where(AuditEvent.id > after).order_by(AuditEvent.id)).all()


# --- the matrix rows -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cell:
    """One service called on Ana's data. `prepare` runs first (unmeasured) and returns the
    call's fresh arguments; `allowed` is the team roles that may call it (None: refused
    to everyone outside, no positive cells)."""

    fn: Callable
    call: Callable[[Any, int, dict], Any]
    tables: tuple[str, ...] = ()
    allowed: frozenset[AuthorRole] | None = None
    outsiders: tuple[str, ...] = OUTSIDERS
    prepare: Callable[[Any], dict] = lambda w: {}
    label: str = ""

    @property
    def name(self) -> str:
        return f"{self.fn.__module__.rsplit('.', 1)[-1]}.{self.fn.__name__}{self.label}"


def scheduled(w) -> dict:
    """A check-in on Ana's plan, scheduled and not yet open, with its version: what reschedule moves."""
    meeting = meetings.schedule_meeting(w.db, w.sam, w.ana_plan, kind="check-in", scheduled_at="2026-11-03 08:00")
    return {"m": meeting, "v": version(w, Meeting, meeting)}


def current_year(w) -> int:
    with w.db.read() as s:
        return s.scalar(select(SchoolYear.id).where(SchoolYear.is_current.is_(True)))


def roster_csv(w) -> bytes:
    return f"student_id,first_name,last_name,grade\nR{next(w.counter)},Rita,Roe,4\n".encode()


def assessments_csv(w) -> bytes:
    return f"student_id,assessment,date,score\n1001,Quiz {next(w.counter)},2026-09-02,88\n".encode()


def answered(w, key: str) -> dict:
    """Ana has an answer to a voice-first question for "Still true" to confirm."""
    doc = queries.student_plan(w.db, w.sam, w.ana_plan)
    if not any(x["key"] == key and x["voice"] == "student" and x["text"] for x in doc["sections"]):
        services.update_section(w.db, w.ana, w.ana_plan, key, "student", "Good, mostly", 0)
    return {}


def new_goal(w) -> dict:
    goal = services.add_goal(w.db, w.sam, w.ana_plan, kind="other", statement="A goal to close")
    return {"goal": goal, "v": version(w, Goal, goal)}


def school_sign_in(w) -> int:
    """A school sign-in linked to Tia's account, for an admin to remove."""
    with w.db.write() as s:
        identity = Identity(user_id=w.tia, issuer="https://login.district.example", subject=f"tia-{next(w.counter)}")
        s.add(identity)
        s.flush()
        return identity.id


def new_year(w) -> dict:
    n = next(w.counter)
    return {"year": accounts.add_school_year(w.db, w.ada, f"Y{n}", dt.date(2030 + n, 8, 20), dt.date(2031 + n, 6, 1))}


def tess_link(w) -> dict:
    return {"link": services.link_user(w.db, w.sam, w.ana_student, w.tess, "teacher", "Art")}


ANYONE = frozenset(TEAM.values())
STAFF = frozenset({S, T, A})

CELLS = [
    # services: students and links
    Cell(services.create_student, lambda w, a, p: services.create_student(
        w.db, a, local_id=f"X{p['n']}", first_name="Cy", last_name="New", grade=4),
        ("student", "link"), frozenset({S, A}), NOT_STAFF, lambda w: {"n": next(w.counter)}),
    Cell(services.link_user, lambda w, a, p: services.link_user(w.db, a, w.ana_student, w.tess, "teacher", "Art"),
         ("link",), ALLOWED[Action.MANAGE_LINKS]),
    Cell(services.unlink_user, lambda w, a, p: services.unlink_user(w.db, a, p["link"]),
         ("link",), ALLOWED[Action.MANAGE_LINKS], prepare=tess_link),
    # plans and sections
    Cell(services.create_plan, lambda w, a, p: services.create_plan(w.db, a, w.ana_student, "PLP", p["year"]),
         ("plan",), ALLOWED[Action.EDIT_PLAN], prepare=new_year),
    Cell(services.set_plan_status, lambda w, a, p: services.set_plan_status(w.db, a, w.ana_plan, "draft", p["v"]),
         ("plan",), ALLOWED[Action.EDIT_PLAN], prepare=lambda w: {"v": version(w, Plan, w.ana_plan)}),
    Cell(services.update_section, lambda w, a, p: services.update_section(
        w.db, a, w.ana_plan, "interests", "student", "Chess and rockets", p["v"]),
        ("plan_section",), ALLOWED[Action.STUDENT_VOICE],
        prepare=lambda w: {"v": section_version(w, "interests", "student")}, label="[student voice]"),
    Cell(services.update_section, lambda w, a, p: services.update_section(
        w.db, a, w.ana_plan, "interests", "team", "Robotics club", p["v"]),
        ("plan_section",), ALLOWED[Action.TEAM_VOICE],
        prepare=lambda w: {"v": section_version(w, "interests", "team")}, label="[team voice]"),
    Cell(services.update_section, lambda w, a, p: services.update_section(
        w.db, a, w.ana_plan, "career_interests", "team", "Engineering", p["v"]),
        ("plan_section",), ALLOWED[Action.EDIT_PLAN],
        prepare=lambda w: {"v": section_version(w, "career_interests", "team")}, label="[career]"),
    # goals and progress
    Cell(services.add_goal, lambda w, a, p: services.add_goal(w.db, a, w.ana_plan, kind="affective",
                                                                statement="Speak up in class"),
         ("goal",), ALLOWED[Action.EDIT_GOALS]),
    Cell(services.propose_goal, lambda w, a, p: services.propose_goal(w.db, a, w.ana_plan, kind="career",
                                                                        statement="Visit a lab"),
         ("goal",), ALLOWED[Action.PROPOSE_GOAL]),
    Cell(services.revise_goal, lambda w, a, p: services.revise_goal(w.db, a, w.ana_goal, p["v"],
                                                                      statement="Finish the unit by March"),
         ("goal", "goal_revision"), ALLOWED[Action.EDIT_GOALS], prepare=lambda w: {"v": version(w, Goal, w.ana_goal)}),
    Cell(services.set_goal_status, lambda w, a, p: services.set_goal_status(w.db, a, w.ana_goal, "in progress", p["v"]),
         ("goal",), ALLOWED[Action.EDIT_GOALS], prepare=lambda w: {"v": version(w, Goal, w.ana_goal)}),
    Cell(services.close_goal, lambda w, a, p: services.close_goal(w.db, a, p["goal"], "met", p["v"]),
         ("goal",), ALLOWED[Action.EDIT_GOALS], prepare=new_goal),
    Cell(services.record_progress, lambda w, a, p: services.record_progress(w.db, a, w.ana_goal, rating=3,
                                                                              on="2026-09-15"),
         ("progress_entry",), ALLOWED[Action.RECORD_PROGRESS]),
    # supports
    Cell(services.propose_support, lambda w, a, p: services.propose_support(
        w.db, a, w.ana_plan, description="Reading time at home", setting="home", owner_role="guardian"),
        ("support",), ALLOWED[Action.PROPOSE_SUPPORT]),
    Cell(services.set_support_status, lambda w, a, p: services.set_support_status(
        w.db, a, w.ana_support, "agreed", p["v"]),
        ("support",), ALLOWED[Action.MANAGE_SUPPORTS], prepare=lambda w: {"v": version(w, Support, w.ana_support)}),
    # Only the support's owner (Tia) acknowledges it; its owner or the specialist logs it.
    Cell(services.acknowledge_support, lambda w, a, p: services.acknowledge_support(w.db, a, w.ana_support),
         ("support",), frozenset({T})),
    Cell(services.log_support, lambda w, a, p: services.log_support(w.db, a, w.ana_support, done_on="2026-09-16"),
         ("support_log",), frozenset({S, T})),
    # interventions, assessments, notes, acknowledgement
    Cell(services.log_intervention, lambda w, a, p: services.log_intervention(
        w.db, a, w.ana_plan, course="Math 5", description="Compacted unit"),
        ("intervention",), ALLOWED[Action.INTERVENTION]),
    Cell(services.record_assessment, lambda w, a, p: services.record_assessment(
        w.db, a, w.ana_student, name=f"MAP {p['n']}", taken_on="2026-09-10", score="231", percentile=97),
        ("assessment", "plan"), ALLOWED[Action.ASSESSMENT], prepare=lambda w: {"n": next(w.counter)}),
    Cell(services.check_in_at_home, lambda w, a, p: services.check_in_at_home(
        w.db, a, w.ana_goal, prompt="How can we support you at home?", note="Quiet time after dinner.", rating=3),
         ("note", "progress_entry"), ALLOWED[Action.ADD_NOTE]),
    Cell(services.add_note, lambda w, a, p: services.add_note(w.db, a, w.ana_plan, "We read together tonight."),
         ("note",), ALLOWED[Action.ADD_NOTE]),
    Cell(services.acknowledge_plan, lambda w, a, p: services.acknowledge_plan(w.db, a, w.ana_plan),
         ("plan_acknowledgement",), ALLOWED[Action.ACKNOWLEDGE]),
    # meetings (Ana's check-in is open, at the attendance step)
    Cell(meetings.schedule_meeting, lambda w, a, p: meetings.schedule_meeting(
        w.db, a, w.ana_plan, kind="check-in", scheduled_at="2026-11-02 08:00"),
        ("meeting", "attendance", "message"), ALLOWED[Action.RUN_MEETING]),
    Cell(meetings.reschedule, lambda w, a, p: meetings.reschedule(
        w.db, a, p["m"], p["v"], scheduled_at="2026-11-04 09:30", location="Room 4"),
        ("meeting", "message"), ALLOWED[Action.RUN_MEETING], prepare=lambda w: scheduled(w)),
    Cell(meetings.notice_log, lambda w, a, p: meetings.notice_log(w.db, a, w.ana_meeting), (),
         ALLOWED[Action.RUN_MEETING]),
    Cell(meetings.calendar_file, lambda w, a, p: meetings.calendar_file(w.db, a, w.ana_meeting), (),
         ALLOWED[Action.VIEW]),
    # Opening an open meeting and advancing from a step it is not at both change nothing.
    Cell(meetings.open_meeting, lambda w, a, p: meetings.open_meeting(w.db, a, w.ana_meeting),
         ("meeting",), ALLOWED[Action.RUN_MEETING]),
    Cell(meetings.advance, lambda w, a, p: meetings.advance(w.db, a, w.ana_meeting, "review and sign"),
         ("meeting",), ALLOWED[Action.RUN_MEETING]),
    Cell(meetings.confirm_voice, lambda w, a, p: meetings.confirm_voice(w.db, a, w.ana_meeting, "feelings"),
         ("voice_confirmation",), ALLOWED[Action.STUDENT_VOICE], prepare=lambda w: answered(w, "feelings")),
    Cell(meetings.check_in, lambda w, a, p: meetings.check_in(w.db, a, w.ana_meeting, "video"),
         ("attendance",), ALLOWED[Action.ATTEND_MEETING]),
    Cell(meetings.mark_attendance, lambda w, a, p: meetings.mark_attendance(w.db, a, w.tia_attendance, "present"),
         ("attendance",), ALLOWED[Action.RUN_MEETING]),
    Cell(meetings.add_guest, lambda w, a, p: meetings.add_guest(w.db, a, w.ana_meeting, "Grandma Rosa", "grandparent"),
         ("attendance",), ALLOWED[Action.RUN_MEETING]),
    Cell(meetings.set_next_steps, lambda w, a, p: meetings.set_next_steps(w.db, a, w.ana_meeting, p["v"],
                                                                           notes="Try the extension packet."),
         ("meeting",), ALLOWED[Action.EDIT_GOALS], prepare=lambda w: {"v": version(w, Meeting, w.ana_meeting)}),
    Cell(meetings.add_action_item, lambda w, a, p: meetings.add_action_item(w.db, a, w.ana_meeting,
                                                                             "Send the packet", "Tia"),
         ("action_item",), ALLOWED[Action.EDIT_GOALS]),
    # Signing, finalizing and cancelling depend on the meeting's step: test_meetings_rules.py.
    Cell(meetings.sign, lambda w, a, p: meetings.sign(w.db, a, w.ana_meeting), ("attendance",)),
    Cell(meetings.sign_for_guest, lambda w, a, p: meetings.sign_for_guest(w.db, a, w.ana_guest), ("attendance",)),
    Cell(meetings.finalize, lambda w, a, p: meetings.finalize(w.db, a, w.ana_meeting, "testing"),
         ("meeting", "meeting_record")),
    Cell(meetings.cancel, lambda w, a, p: meetings.cancel(w.db, a, w.ana_meeting), ("meeting",)),
    Cell(meetings.heartbeat, lambda w, a, p: meetings.heartbeat(w.db, a, w.ana_meeting),
         ("presence",), ALLOWED[Action.ATTEND_MEETING]),
    Cell(meetings.in_room, lambda w, a, p: meetings.in_room(w.db, a, w.ana_meeting), (), ALLOWED[Action.VIEW]),
    Cell(meetings.leave, lambda w, a, p: meetings.leave(w.db, a, w.ana_meeting),
         ("presence",), ALLOWED[Action.ATTEND_MEETING]),
    Cell(meetings.meeting_state, lambda w, a, p: meetings.meeting_state(w.db, a, w.ana_meeting),
         (), ALLOWED[Action.VIEW]),
    # the read side
    Cell(queries.student_plan, lambda w, a, p: queries.student_plan(w.db, a, w.ana_plan), (), ALLOWED[Action.VIEW]),
    # Anyone who may see the plan may lose a conflict on it, and settle that
    Cell(services.set_aside, lambda w, a, p: services.set_aside(w.db, a, "goal", w.ana_goal), ("set_aside",),
         ALLOWED[Action.VIEW]),
    Cell(services.settle_set_aside, lambda w, a, p: services.settle_set_aside(w.db, a, "goal", w.ana_goal),
         ("set_aside",), ALLOWED[Action.VIEW]),
    Cell(queries.student_summary, lambda w, a, p: queries.student_summary(w.db, a, w.ana_student),
         (), ALLOWED[Action.VIEW]),
    Cell(queries.goals_with_progress, lambda w, a, p: queries.goals_with_progress(w.db, a, w.ana_student),
         (), ALLOWED[Action.VIEW]),
    Cell(queries.history, lambda w, a, p: queries.history(w.db, a, w.ana_student), (), ALLOWED[Action.VIEW]),
    Cell(queries.audit_events, lambda w, a, p: queries.audit_events(w.db, a, w.ana_student), (), STAFF),
    Cell(queries.meeting_record, lambda w, a, p: queries.meeting_record(w.db, a, w.ana_meeting),
         (), ALLOWED[Action.VIEW]),
    # Lists of one's own: refused only to accounts that are not there (or not staff, for caseload).
    Cell(queries.my_students, lambda w, a, p: queries.my_students(w.db, a), (), ANYONE, ("unknown", "inactive")),
    Cell(queries.supports_owed, lambda w, a, p: queries.supports_owed(w.db, a), (), ANYONE, ("unknown", "inactive")),
    Cell(queries.caseload, lambda w, a, p: queries.caseload(w.db, a), (), STAFF, ("gia", "ben", "unknown", "inactive")),
    Cell(queries.team_links_page, lambda w, a, p: queries.team_links_page(w.db, a, "ana"), (), ANYONE,
         ("unknown", "inactive")),
    Cell(queries.student_page, lambda w, a, p: queries.student_page(w.db, a, "lopez"), (), STAFF,
         ("gia", "ben", "unknown", "inactive")),
    Cell(queries.upcoming_meetings, lambda w, a, p: queries.upcoming_meetings(w.db, a), (), ANYONE,
         ("unknown", "inactive")),
    Cell(queries.records_to_sign, lambda w, a, p: queries.records_to_sign(w.db, a), (), ANYONE,
         ("unknown", "inactive")),
    Cell(queries.compliance, lambda w, a, p: queries.compliance(w.db, a), (), STAFF, ("gia", "ben", "unknown", "inactive")),
    Cell(queries.meeting_invitees, lambda w, a, p: queries.meeting_invitees(w.db, a, w.ana_plan), (),
         ALLOWED[Action.RUN_MEETING]),
    # accounts: a specialist manages only accounts around their own caseload
    Cell(accounts.add_school_year, lambda w, a, p: accounts.add_school_year(
        w.db, a, f"Z{p['n']}", dt.date(2040 + p["n"], 8, 20), dt.date(2041 + p["n"], 6, 1)),
        ("school_year", "reporting_period"), frozenset({S, A}), NOT_STAFF, lambda w: {"n": next(w.counter)}),
    Cell(accounts.create_user, lambda w, a, p: accounts.create_user(
        w.db, a, username=f"new{p['n']}", display_name="New Teacher", password="long enough", kind="teacher"),
        ("app_user",), frozenset({S, A}), NOT_STAFF, lambda w: {"n": next(w.counter)}),
    Cell(accounts.add_person, lambda w, a, p: accounts.add_person(
        w.db, a, username=f"invited{p['n']}", display_name="New Parent", kind="guardian",
        email=f"invited{p['n']}@families.example"),
        ("app_user", "one_time_link", "message"), frozenset({S, A}), NOT_STAFF, lambda w: {"n": next(w.counter)}),
    Cell(accounts.give_student_login, lambda w, a, p: accounts.give_student_login(
        w.db, a, w.ana_student, "ana2", "long enough"), ("app_user", "student")),
    Cell(accounts.reset_password, lambda w, a, p: accounts.reset_password(w.db, a, w.gus, "temporary pass"),
         ("app_user",), frozenset({S, A})),
    Cell(accounts.set_active, lambda w, a, p: accounts.set_active(w.db, a, w.gus, True),
         ("app_user",), frozenset({S, A})),
    Cell(accounts.people_page, lambda w, a, p: accounts.people_page(w.db, a, "gus"), (), frozenset({S, A}), NOT_STAFF),
    Cell(accounts.school_years, lambda w, a, p: accounts.school_years(w.db, a), (), ANYONE, ("unknown", "inactive")),
    # Making the current year current again changes nothing.
    Cell(accounts.set_current_year, lambda w, a, p: accounts.set_current_year(w.db, a, p["year"]),
         ("school_year",), frozenset({S, A}), NOT_STAFF, lambda w: {"year": current_year(w)}),
    # school sign-in links: an admin's alone
    Cell(identities.linked_identities, lambda w, a, p: identities.linked_identities(w.db, a), (), frozenset({A})),
    Cell(identities.remove_link, lambda w, a, p: identities.remove_link(w.db, a, p["identity"]), ("identity",),
         frozenset({A}), prepare=lambda w: {"identity": school_sign_in(w)}),
    # the whole record, for a transfer or a family's request
    Cell(export.find_student, lambda w, a, p: export.find_student(w.db, a, "1001"), (), ALLOWED[Action.VIEW]),
    Cell(export.student_record, lambda w, a, p: export.student_record(w.db, a, w.ana_student),
         (), ALLOWED[Action.VIEW]),
    Cell(export.student_record_json, lambda w, a, p: export.student_record_json(w.db, a, w.ana_student),
         (), ALLOWED[Action.VIEW]),
    # CSV imports: only a specialist or an admin imports (a preview is tied to who made it,
    # so the commits here are handed a preview made out in the caller's name)
    Cell(imports.preview_roster, lambda w, a, p: imports.preview_roster(w.db, a, p["csv"]),
         (), frozenset({S, A}), NOT_STAFF, lambda w: {"csv": roster_csv(w)}),
    Cell(imports.commit_roster, lambda w, a, p: imports.commit_roster(w.db, a, dataclasses.replace(p["preview"], actor_id=a)),
         ("student", "link", "app_user"), frozenset({S, A}), NOT_STAFF,
         lambda w: {"preview": imports.preview_roster(w.db, w.ada, roster_csv(w))}),
    Cell(imports.preview_assessments, lambda w, a, p: imports.preview_assessments(w.db, a, p["csv"]),
         (), frozenset({S, A}), NOT_STAFF, lambda w: {"csv": assessments_csv(w)}),
    Cell(imports.commit_assessments, lambda w, a, p: imports.commit_assessments(
        w.db, a, dataclasses.replace(p["preview"], actor_id=a)),
        ("assessment",), frozenset({S, A}), NOT_STAFF,
        lambda w: {"preview": imports.preview_assessments(w.db, w.ada, assessments_csv(w))}),
]

# Public functions taking the database that are deliberately not in the matrix.
NOT_IN_MATRIX = {
    "queries.plan_revision": "the meeting room's poll: a bare counter, authorized when the room opened",
    "queries.meeting_statuses": "the homes' poll: bare statuses of meetings the home already read for the viewer",
    "accounts.reset_password_on_the_server": "the server operator's command line; no account acts (test_cli.py)",
    "accounts.is_empty": "first-run check; reveals no student data",
    "accounts.is_demo": "whether the demo banner shows; reveals no student data",
    "accounts.demo_sign_ins": "the demo school's made-up sign-ins for the sign-in page; none for a real school",
    "accounts.set_up_school": "first run only; refused once a school exists (tested in accounts tests)",
    "accounts.user_by_name": "sign-in machinery, called before anyone is signed in",
    "accounts.sign_in": "sign-in machinery",
    "accounts.sign_out": "sign-in machinery: acts on the signed-in caller's own account",
    "accounts.change_password": "acts on the caller's own account, proven by the current password",
    "accounts.set_email_choices": "acts on the caller's own account only",
    "identities.sign_in": "sign-in machinery: the provider vouches for the identity (test_identities.py)",
    "identities.account_for": "sign-in machinery: the signed-in identity's own account",
}
MODULES = (services, meetings, queries, accounts, export, imports, identities)


def public_services(module) -> set[str]:
    """Functions of a module whose first parameter is the database: what pages call."""
    return {
        f"{module.__name__.rsplit('.', 1)[-1]}.{name}"
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__ and not name.startswith("_")
        and next(iter(inspect.signature(fn).parameters), None) == "db"
    }


def test_every_public_service_has_a_row_in_the_access_matrix():
    found = set().union(*(public_services(m) for m in MODULES))
    covered = {c.name.split("[")[0] for c in CELLS}
    assert covered | NOT_IN_MATRIX.keys() == found
    assert not covered & NOT_IN_MATRIX.keys()


# --- the tests ------------------------------------------------------------------------------------


def _refused(w, cell: Cell, actor: int) -> list:
    """Call as `actor`, expect a refusal; return the audit rows it left. Nothing else may change."""
    args = cell.prepare(w)
    tables = (*cell.tables, "plan")
    before, after_id = snapshot(w.db, tables), last_audit_id(w.db)
    with pytest.raises(NotAllowed):
        cell.call(w, actor, args)
    assert snapshot(w.db, tables) == before
    return audit_since(w.db, after_id)


DENIALS = [pytest.param(c, who, id=f"{c.name}-{who}") for c in CELLS for who in c.outsiders]


@pytest.mark.parametrize(("cell", "outsider"), DENIALS)
def test_someone_outside_the_students_team_is_refused_and_the_refusal_is_audited(world, cell, outsider):
    actor = getattr(world, outsider)
    events = _refused(world, cell, actor)
    assert [e.action for e in events] == ["denied"]
    if outsider == "unknown":
        assert events[0].actor_id is None
        assert events[0].new == f"unknown user id {UNKNOWN_USER}"
    else:
        assert events[0].actor_id == actor


TEAM_CELLS = [
    pytest.param(c, who, id=f"{c.name}-{who}-{'may' if TEAM[who] in c.allowed else 'may not'}")
    for c in CELLS if c.allowed is not None for who in TEAM
]


@pytest.mark.parametrize(("cell", "member"), TEAM_CELLS)
def test_each_role_on_the_team_can_do_exactly_what_the_permission_table_allows(world, cell, member):
    actor = getattr(world, member)
    if TEAM[member] in cell.allowed:
        after_id = last_audit_id(world.db)
        cell.call(world, actor, cell.prepare(world))
        assert "denied" not in [e.action for e in audit_since(world.db, after_id)]
    else:
        events = _refused(world, cell, actor)
        assert [(e.action, e.actor_id) for e in events] == [("denied", actor)]


GUESSES = {
    "a plan id that does not exist": lambda w: queries.student_plan(w.db, w.sam, 424242),
    "a goal id that does not exist": lambda w: services.revise_goal(w.db, w.sam, 424242, 1, statement="x"),
    "a student id that does not exist": lambda w: queries.student_summary(w.db, w.sam, 424242),
    "a meeting id that does not exist": lambda w: meetings.meeting_state(w.db, w.sam, 424242),
    "a support id that does not exist": lambda w: services.set_support_status(w.db, w.sam, 424242, "agreed", 1),
    "a link id that does not exist": lambda w: services.unlink_user(w.db, w.sam, 424242),
    "a plan id typed as text": lambda w: services.add_note(w.db, w.sam, str(w.ana_plan), "hello"),
    "a student id with SQL in it": lambda w: queries.student_summary(w.db, w.sam, f"{w.ana_student} OR 1=1"),
    "a plan id too big for the database": lambda w: queries.student_plan(w.db, w.sam, 10**30),
    "a goal id that is negative": lambda w: services.record_progress(w.db, w.sam, -1, rating=2),
    "a plan id of True": lambda w: services.add_goal(w.db, w.sam, True, kind="other", statement="x"),
    "no plan id at all": lambda w: services.add_goal(w.db, w.sam, None, kind="other", statement="x"),
}


@pytest.mark.parametrize("guess", GUESSES)
def test_guessing_an_id_gets_the_same_refusal_as_a_forbidden_one_and_is_audited(world, guess):
    """Sam may see Ana's plan; made-up ids are refused exactly like other students' ids."""
    after_id = last_audit_id(world.db)
    plans_before = snapshot(world.db, ("plan", "goal", "note", "link", "support"))
    with pytest.raises(NotAllowed) as refusal:
        GUESSES[guess](world)
    assert str(refusal.value).startswith("Not found, or you are not allowed")
    assert snapshot(world.db, ("plan", "goal", "note", "link", "support")) == plans_before
    assert [(e.action, e.actor_id) for e in audit_since(world.db, after_id)] == [("denied", world.sam)]


def test_an_actor_id_typed_as_text_is_not_taken_for_that_user(world):
    after_id = last_audit_id(world.db)
    with pytest.raises(NotAllowed):
        queries.student_plan(world.db, str(world.sam), world.ana_plan)
    events = audit_since(world.db, after_id)
    assert [(e.action, e.actor_id) for e in events] == [("denied", None)]
    assert events[0].new == f"unknown user id {str(world.sam)!r}"


def test_a_specialist_cannot_take_over_an_account_linked_to_another_caseload(world):
    """Pat resetting Gus's password would let Pat sign in as Gus and read Ana's plan."""
    with pytest.raises(NotAllowed):
        accounts.reset_password(world.db, world.pat, world.gus, "i am gus now")
    with pytest.raises(NotAllowed):
        accounts.set_active(world.db, world.pat, world.tia, False)
    accounts.reset_password(world.db, world.pat, world.gia, "temporary pass")  # Gia is around Ben only
    with world.db.read() as s:
        assert s.scalar(select(Link.active).where(Link.user_id == world.tia, Link.student_id == world.ana_student))


@pytest.mark.parametrize("outsider", ["pat", "tom", "gia", "ben"])
def test_lists_of_ones_own_students_never_show_another_teams_student(world, outsider):
    actor = getattr(world, outsider)
    assert world.ana_student not in set(queries.my_students(world.db, actor).student_id)
    assert world.ana_student not in set(queries.supports_owed(world.db, actor).student_id)
    assert world.ana_student not in {row["student_id"] for row in queries.team_links_page(world.db, actor).rows}
    assert world.ana_student not in {m["student_id"] for m in queries.upcoming_meetings(world.db, actor)}
    if outsider in ("pat", "tom"):
        assert world.ana_student not in set(queries.caseload(world.db, actor).student_id)
