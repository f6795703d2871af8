"""Bad input gets a message naming the field, and nothing is written; odd text is kept exactly."""

from __future__ import annotations

import json
import unicodedata
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from plpcore import accounts, checks, meetings, queries, services
from plpcore.db import Database
from plpcore.errors import InvalidInput
from plpcore.models import Base
from plpcore.services import PROFILE_SECTIONS, SECTIONS
from tests.conftest import BLNS, SHORTCODES
from tests.test_access_matrix import BACKENDS, fresh_team, open_shared_school

# --- one school per database, shared: refusals write nothing; the naughty strings go to a fresh student --


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory) -> SimpleNamespace:
    w = open_shared_school(request, tmp_path_factory)
    db = w.db
    w.support = services.propose_support(db, w.sam, w.ana_plan, description="Packet", setting="classroom",
                                         owner_role="teacher")
    w.meeting = meetings.schedule_meeting(db, w.sam, w.ana_plan, kind="check-in", scheduled_at="2026-10-01 15:00")
    w.attendance = meetings.meeting_state(db, w.sam, w.meeting)["attendance"][0]["id"]
    yield w
    db.dispose()


def everything(db: Database) -> dict[str, list]:
    """Every row of every table (a small school): the proof that a refusal wrote nothing."""
    with db.engine.connect() as conn:
        return {t.name: conn.execute(select(t).order_by(*t.primary_key.columns)).all()
                for t in Base.metadata.sorted_tables}


def refused(w, call) -> InvalidInput:
    before = everything(w.db)
    with pytest.raises(InvalidInput) as refusal:
        call(w)
    assert everything(w.db) == before
    assert str(refusal.value).startswith(f"{refusal.value.field}: ")
    return refusal.value


def too_long(n: int) -> str:
    return "x" * (n + 1)


# --- required text: empty, blank, too long ---------------------------------------------------------

BAD_TEXT = {
    "empty goal statement": ("goal statement", lambda w: services.add_goal(w.db, w.sam, w.ana_plan, kind="achievement",
                                                                            statement="")),
    "blank goal statement": ("goal statement", lambda w: services.add_goal(w.db, w.sam, w.ana_plan, kind="achievement",
                                                                            statement=" \n\t ")),
    "goal statement over 2000": ("goal statement", lambda w: services.add_goal(
        w.db, w.sam, w.ana_plan, kind="achievement", statement=too_long(2000))),
    "revised wording empty": ("goal statement", lambda w: services.revise_goal(w.db, w.sam, w.ana_goal, 1,
                                                                                statement="")),
    "goal statement not text": ("goal statement", lambda w: services.add_goal(w.db, w.sam, w.ana_plan,
                                                                               kind="achievement", statement=42)),
    "empty note": ("note", lambda w: services.add_note(w.db, w.gus, w.ana_plan, "")),
    "note over 4000": ("note", lambda w: services.add_note(w.db, w.gus, w.ana_plan, too_long(4000))),
    "plan section over 10000": (PROFILE_SECTIONS["strengths"], lambda w: services.update_section(
        w.db, w.sam, w.ana_plan, "strengths", "team", too_long(checks.LONG), 0)),
    "empty support": ("support", lambda w: services.propose_support(w.db, w.sam, w.ana_plan, description="",
                                                                     setting="home", owner_role="guardian")),
    "support over 2000": ("support", lambda w: services.propose_support(
        w.db, w.sam, w.ana_plan, description=too_long(2000), setting="home", owner_role="guardian")),
    "support without an owner": ("owner", lambda w: services.propose_support(w.db, w.sam, w.ana_plan,
                                                                              description="Books", setting="home")),
    "empty intervention": ("intervention", lambda w: services.log_intervention(w.db, w.sam, w.ana_plan,
                                                                                course="Math", description="")),
    "course over 100": ("course or classroom", lambda w: services.log_intervention(
        w.db, w.sam, w.ana_plan, course=too_long(100), description="Compacting")),
    "empty first name": ("first name", lambda w: services.create_student(w.db, w.sam, local_id="9001", first_name="",
                                                                          last_name="Diaz", grade=3)),
    "last name over 100": ("last name", lambda w: services.create_student(
        w.db, w.sam, local_id="9001", first_name="Eva", last_name=too_long(100), grade=3)),
    "first name on two lines": ("first name", lambda w: services.create_student(
        w.db, w.sam, local_id="9001", first_name="Eva\nMaria", last_name="Diaz", grade=3)),
    "empty local id": ("local student id", lambda w: services.create_student(w.db, w.sam, local_id=" ",
                                                                              first_name="Eva", last_name="Diaz", grade=3)),
    "local id already used": ("local student id", lambda w: services.create_student(
        w.db, w.sam, local_id="1001", first_name="Eva", last_name="Diaz", grade=3)),
    "meeting notes over 10000": ("meeting notes", lambda w: meetings.set_next_steps(w.db, w.sam, w.meeting, 1,
                                                                                    notes=too_long(checks.LONG))),
    "empty action item": ("action item", lambda w: meetings.add_action_item(w.db, w.sam, w.meeting, "", "Tia")),
    "empty guest name": ("guest name", lambda w: meetings.add_guest(w.db, w.sam, w.meeting, "")),
    "empty assessment name": ("assessment", lambda w: services.record_assessment(w.db, w.sam, w.ana_student, name="",
                                                                                 taken_on="2026-09-01")),
    "empty school year name": ("school year", lambda w: accounts.add_school_year(w.db, w.ada, "", "2027-08-20",
                                                                                  "2028-06-01")),
    "evidence link that is not a web address": ("evidence link", lambda w: services.record_progress(
        w.db, w.sam, w.ana_goal, rating=2, evidence_url="javascript:alert(1)")),
}


@pytest.mark.parametrize("case", BAD_TEXT)
def test_missing_or_overlong_text_is_refused_naming_the_field_and_nothing_is_written(world, case):
    field, call = BAD_TEXT[case]
    assert refused(world, call).field == field


# --- choices -------------------------------------------------------------------------------------

UNKNOWN_CHOICES = {
    "goal kind": lambda w: services.add_goal(w.db, w.sam, w.ana_plan, kind="hobby", statement="Learn guitar"),
    "plan kind": lambda w: services.create_plan(w.db, w.sam, w.ana_student, "IEP"),
    "plan status": lambda w: services.set_plan_status(w.db, w.sam, w.ana_plan, "finished", 1),
    "goal status": lambda w: services.set_goal_status(w.db, w.sam, w.ana_goal, "done", 1),
    "outcome": lambda w: services.close_goal(w.db, w.sam, w.ana_goal, "in progress", 1),
    "setting": lambda w: services.propose_support(w.db, w.sam, w.ana_plan, description="Bus pass", setting="bus",
                                                  owner_role="teacher"),
    "owner role": lambda w: services.propose_support(w.db, w.sam, w.ana_plan, description="Books", setting="home",
                                                     owner_role="principal"),
    "support status": lambda w: services.set_support_status(w.db, w.sam, w.support, "maybe", 1),
    "relationship": lambda w: services.link_user(w.db, w.sam, w.ana_student, w.tom, "uncle"),
    "voice": lambda w: services.update_section(w.db, w.sam, w.ana_plan, "strengths", "parent", "Kind", 0),
    "section": lambda w: services.update_section(w.db, w.sam, w.ana_plan, "hobbies", "team", "Chess", 0),
    "identification area": lambda w: services.add_goal(w.db, w.sam, w.ana_plan, kind="achievement",
                                                       statement="Win", area="video games"),
    "gifted areas": lambda w: services.create_student(w.db, w.sam, local_id="9002", first_name="Eva",
                                                      last_name="Diaz", grade=3, gifted_areas=["juggling"]),
    "meeting kind": lambda w: meetings.schedule_meeting(w.db, w.sam, w.ana_plan, kind="party",
                                                        scheduled_at="2026-10-02 10:00"),
    "mode": lambda w: meetings.check_in(w.db, w.tia, w.meeting, "telepathy"),
    "attendance": lambda w: meetings.mark_attendance(w.db, w.sam, w.attendance, "late"),
    "agenda step": lambda w: meetings.advance(w.db, w.sam, w.meeting, "dessert"),
    "account kind": lambda w: accounts.create_user(w.db, w.ada, username="zed", display_name="Zed",
                                                   password="long enough", kind="janitor"),
}


@pytest.mark.parametrize("field", UNKNOWN_CHOICES)
def test_an_unknown_choice_is_refused_naming_the_field_and_nothing_is_written(world, field):
    refusal = refused(world, UNKNOWN_CHOICES[field])
    assert refusal.field == field


# --- dates ----------------------------------------------------------------------------------------

BAD_DATES = {
    "support ends before it starts": ("end date", lambda w: services.propose_support(
        w.db, w.sam, w.ana_plan, description="Books", setting="home", owner_role="guardian",
        starts_on="2026-10-01", ends_on="2026-09-30")),
    "intervention ends before it starts": ("end date", lambda w: services.log_intervention(
        w.db, w.sam, w.ana_plan, course="Math", description="Compacting", starts_on="2026-10-01",
        ends_on="2026-09-01")),
    "school year ends before it starts": ("year end", lambda w: accounts.add_school_year(
        w.db, w.ada, "2027-28", "2027-08-20", "2027-06-01")),
    "reporting period ends before it starts": ("reporting period 1 end", lambda w: accounts.add_school_year(
        w.db, w.ada, "2027-28", "2027-08-20", "2028-06-01", [("Q1", "2027-10-31", "2027-08-20")])),
    "reporting period outside the year": ("reporting period 1", lambda w: accounts.add_school_year(
        w.db, w.ada, "2027-28", "2027-08-20", "2028-06-01", [("Q1", "2027-08-01", "2027-10-31")])),
    "reporting periods overlapping": ("reporting period 2", lambda w: accounts.add_school_year(
        w.db, w.ada, "2027-28", "2027-08-20", "2028-06-01",
        [("Q1", "2027-08-20", "2027-10-31"), ("Q2", "2027-10-15", "2028-01-15")])),
    "next check-in before the meeting": ("next check-in", lambda w: meetings.set_next_steps(
        w.db, w.sam, w.meeting, 1, next_check_in="2026-09-01")),
    "a month that does not exist": ("target date", lambda w: services.add_goal(
        w.db, w.sam, w.ana_plan, kind="achievement", statement="Win", target_date="2026-13-01")),
    "a date in words": ("date", lambda w: services.record_progress(w.db, w.sam, w.ana_goal, rating=2,
                                                                   on="yesterday")),
    "a meeting time that is not one": ("date and time", lambda w: meetings.schedule_meeting(
        w.db, w.sam, w.ana_plan, kind="check-in", scheduled_at="after lunch")),
}


@pytest.mark.parametrize("case", BAD_DATES)
def test_dates_out_of_order_or_unreadable_are_refused_naming_the_field(world, case):
    field, call = BAD_DATES[case]
    assert refused(world, call).field == field


# --- numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("rating", [0, 5, -1, 2.5, "three", True])
def test_a_progress_rating_outside_one_to_four_is_refused(world, rating):
    refusal = refused(world, lambda w: services.record_progress(w.db, w.tia, w.ana_goal, rating=rating))
    assert refusal.field == "rating"


BAD_NUMBERS = {
    "percent": lambda w: services.record_progress(w.db, w.tia, w.ana_goal, percent=101),
    "rating": lambda w: services.record_progress(w.db, w.tia, w.ana_goal, note="no rating and no percent"),
    "percentile": lambda w: services.record_assessment(w.db, w.sam, w.ana_student, name="MAP", taken_on="2026-09-01",
                                                       percentile=100),
    "grade": lambda w: services.create_student(w.db, w.sam, local_id="9003", first_name="Eva", last_name="Diaz",
                                               grade=13),
}


@pytest.mark.parametrize("field", BAD_NUMBERS)
def test_a_number_out_of_range_is_refused_naming_the_field(world, field):
    assert refused(world, BAD_NUMBERS[field]).field == field


# --- hostile strings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("pasted", "kept"), [("a\x00b", "ab"), ("\x07ding", "ding"), ("\x1b[31mred", "[31mred")])
def test_invisible_control_characters_in_pasted_text_are_dropped(pasted, kept):
    """PostgreSQL cannot store NUL at all, and nobody can see or mean the others."""
    assert checks.text("note", pasted) == kept


@pytest.mark.parametrize("pasted", ["one\x0btwo", "one\x0ctwo", "one\x85two"])
def test_a_pasted_control_character_that_broke_a_line_becomes_a_line_break(pasted):
    assert checks.text("note", pasted) == "one\ntwo"


def test_text_of_nothing_but_control_characters_is_refused_as_empty():
    with pytest.raises(InvalidInput) as refusal:
        checks.text("note", "\x00\x0b")
    assert (refusal.value.field, refusal.value.message) == ("note", "is required.")


def test_a_broken_character_is_refused_before_it_reaches_the_database():
    with pytest.raises(InvalidInput) as refusal:
        checks.text("note", "a\ud800b")
    assert refusal.value.field == "note"


def test_line_breaks_and_tabs_are_kept_in_free_text():
    assert checks.text("note", "one\r\ntwo\tthree") == "one\r\ntwo\tthree"


def naughty_strings() -> list[str]:
    """The Big List of Naughty Strings, and Streamlit's markdown shortcodes typed as text."""
    return json.loads(BLNS.read_text(encoding="utf-8")) + SHORTCODES


def should_refuse(value: str, *, line: bool, required: bool, max_len: int) -> bool:
    """What checks.text/line promise: drop invisible control characters, then refuse blank required
    text, broken surrogates, line breaks in a single-line field, and over-long text."""
    value = checks.without_controls(value)
    bad_char = any(unicodedata.category(c) == "Cs" for c in value)
    return ((required and not value.strip()) or bad_char or (line and ("\n" in value or "\r" in value))
            or len(value) > max_len)


# Every string goes through a student's first and last name (single-line text in
# VARCHAR(100) columns) and, in turn, through one of the free-text fields (TEXT columns):
# a goal's statement, success criteria and baseline, a plan section, a note, a support,
# the meeting notes. They share one check and one column type, and each service call
# costs milliseconds, so the rotation keeps the test fast on both databases.
ROTATION = ("goal", "plan section", "note", "support", "meeting notes")
RULES = {
    "goal": dict(line=False, required=True, max_len=2000),
    "student name": dict(line=True, required=True, max_len=100),
    "plan section": dict(line=False, required=False, max_len=checks.LONG),
    "note": dict(line=False, required=True, max_len=4000),
    "support": dict(line=False, required=True, max_len=2000),
    "meeting notes": dict(line=False, required=False, max_len=checks.LONG),
}


def test_every_naughty_string_is_stored_and_read_back_exactly_or_refused_with_a_message(world):
    db, school = world.db, fresh_team(world)
    strings = naughty_strings()
    stored = [checks.without_controls(value) for value in strings]  # as typed, less invisible control characters
    outcome: dict[str, dict[int, str]] = {field: {} for field in RULES}  # field -> string index -> what happened
    wrong: list[str] = []
    written: dict[str, dict[int, int]] = {field: {} for field in RULES}  # field -> string index -> row id

    def attempt(field: str, index: int, call):
        try:
            result = call()
        except InvalidInput as refusal:
            outcome[field][index] = "refused"
            if not refusal.message.strip():
                wrong.append(f"{field} #{index}: refused without a message")
            return None
        outcome[field][index] = "stored"
        written[field][index] = result
        return result

    def check(field: str, index: int, got: object) -> None:
        if got != stored[index]:
            wrong.append(f"{field} #{index}: stored {stored[index]!r}, read back {got!r}")

    slots = [(key, "student") for key in PROFILE_SECTIONS] + [(key, "team") for key in SECTIONS]
    versions = {slot: 0 for slot in slots}
    in_slot: dict[tuple[str, str], int] = {}
    meeting = meetings.schedule_meeting(db, school.sam, school.ana_plan, kind="check-in", scheduled_at="2026-10-01 15:00")
    meeting_version = meetings.meeting_state(db, school.sam, meeting)["version"]

    def read_sections() -> None:
        for x in queries.student_plan(db, school.sam, school.ana_plan)["sections"]:
            if (x["key"], x["voice"]) in in_slot:
                check("plan section", in_slot.pop((x["key"], x["voice"])), x["text"])

    for i, value in enumerate(strings):
        attempt("student name", i, lambda v=value, i=i: services.create_student(
            db, school.sam, local_id=f"N{i}", first_name=v, last_name=v, grade=6))
        field = ROTATION[i % len(ROTATION)]
        if field == "goal":
            attempt(field, i, lambda v=value: services.add_goal(
                db, school.sam, school.ana_plan, kind="achievement", statement=v, success_criteria=v, baseline=v))
        elif field == "plan section":
            slot = slots[len(in_slot)]
            new_version = attempt(field, i, lambda v=value, slot=slot: services.update_section(
                db, school.sam, school.ana_plan, slot[0], slot[1], v, versions[slot]))
            if new_version is not None:
                versions[slot], in_slot[slot] = new_version, i
                if len(in_slot) == len(slots):
                    read_sections()
        elif field == "note":
            attempt(field, i, lambda v=value: services.add_note(db, school.gus, school.ana_plan, v))
        elif field == "support":
            attempt(field, i, lambda v=value: services.propose_support(
                db, school.tia, school.ana_plan, description=v, setting="classroom", owner_role="teacher"))
        else:
            new_version = attempt(field, i, lambda v=value, known=meeting_version: meetings.set_next_steps(
                db, school.sam, meeting, known, notes=v))
            if new_version is not None:
                meeting_version = new_version
                check(field, i, meetings.meeting_state(db, school.sam, meeting)["notes"])
    read_sections()

    doc = queries.student_plan(db, school.sam, school.ana_plan)
    goals = {g["id"]: g for g in doc["goals"]}
    notes = {n["id"]: n["text"] for n in doc["notes"]}
    supports = {x["id"]: x["description"] for x in doc["supports"]}
    names = dict(zip(*[queries.my_students(db, school.sam)[c] for c in ("student_id", "name")], strict=True))
    for i, goal_id in written["goal"].items():
        for part in ("statement", "success_criteria", "baseline"):
            check(f"goal {part}", i, goals[goal_id][part])
    for i, note_id in written["note"].items():
        check("note", i, notes[note_id])
    for i, support_id in written["support"].items():
        check("support", i, supports[support_id])
    for i, student_id in written["student name"].items():  # first and last name are both the string: "<s> <s>"
        check("student first name", i, names[student_id][: len(stored[i])])
        check("student last name", i, names[student_id][len(stored[i]) + 1:])
    assert not wrong, "\n".join(wrong[:20])

    for field, rule in RULES.items():
        tried = [i for i in range(len(strings)) if field not in ROTATION or ROTATION[i % len(ROTATION)] == field]
        results = outcome[field]
        assert sorted(results) == tried, field
        refused = {i for i, r in results.items() if r == "refused"}
        assert refused == {i for i in tried if should_refuse(strings[i], **rule)}, field
        assert len(written[field]) + len(refused) == len(tried), field
    assert set().union(*(outcome[f] for f in ROTATION)) == set(range(len(strings)))
