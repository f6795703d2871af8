"""The student plan screen in AppTest, for each role, on a fresh SQLite copy per test.

The whole app runs (entrypoint and router), opened at /plan with the plan or student in
the URL and the person signed in the way a valid cookie does; the database is the real one.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from plpcore import accounts, queries, services
from plpcore.access import ALLOWED, Action
from plpcore.models import AuditEvent, AuthorRole
from tests.app_support import app, database_copy, page_text
from tests.conftest import BLNS

NOT_FOUND = "Not found, or you are not allowed to see it."


@pytest.fixture
def school(tmp_path, monkeypatch) -> SimpleNamespace:
    """The two-team school on this test's own copy, with the app pointed at it."""
    db, school = database_copy(tmp_path, monkeypatch)
    return SimpleNamespace(**vars(school), db=db)


def open_plan(school: SimpleNamespace, who: str, *, query: dict | None = None, **state) -> AppTest:
    """Open /plan as `who` with `query` in the URL (and anything in `state` put in session state first)."""
    at = app("plan", as_user=who, query=query)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def everything_shown(at: AppTest) -> str:
    """Every element of the page as text, tables included: what could reach the browser."""
    parts: list[str] = []

    def walk(node) -> None:
        if getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
        if getattr(node, "type", "") in ("arrow_data_frame", "dataframe"):
            parts.append(node.value.to_string())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return "\n".join(parts)


def widget_keys(at: AppTest) -> set[str]:
    keys: set[str] = set()

    def walk(node) -> None:
        if getattr(node, "key", None):
            keys.add(node.key)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return keys


def successes(at: AppTest) -> list[str]:
    """Success messages as read (the page escapes markdown in them)."""
    return [m.value.replace("\\", "") for m in at.success]


def charts(at: AppTest) -> list:
    return [el for el in at.main.get("vega_lite_chart")]


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def stored_goal(school: SimpleNamespace, goal_id: int) -> dict:
    doc = queries.student_plan(school.db, school.sam, school.ana_plan)
    return next(g for g in doc["goals"] if g["id"] == goal_id)


def revise(at: AppTest, goal_id: int, statement: str) -> AppTest:
    """Open the goal's Revise form (if not open) and save new wording."""
    prefix = f"plan_goal_{goal_id}"
    if f"{prefix}_statement" not in widget_keys(at):
        at.button(key=f"{prefix}_revise").click().run()
    at.text_area(key=f"{prefix}_statement").input(statement)
    return at.button(key=f"{prefix}_save").click().run()


# --- each role -------------------------------------------------------------------------------


def status_picker(at, prefix: str):
    """A row's status picker: drawn anew for each version of the row (ui.editing.picker_key)."""
    return next(box for box in at.selectbox if str(box.key).startswith(f"{prefix}_v"))


def test_specialist_revises_a_goal_and_sees_the_new_wording_with_the_old_kept(school):
    at = open_plan(school, "sam")
    at = revise(at, school.ana_goal, "Ana: finish the 6th-grade math unit by March")

    assert "Ana: finish the 6th-grade math unit by March" in texts(at)
    assert successes(at) == ["Goal revised."]
    earlier = at.dataframe[0].value
    assert list(earlier["Wording"]) == ["Ana: finish the 6th-grade math unit"]


def test_specialist_changes_a_goal_status_from_the_goal(school):
    at = open_plan(school, "sam")
    status_picker(at, f"plan_goal_{school.ana_goal}_status").select("in progress").run()

    assert stored_goal(school, school.ana_goal)["status"] == "in progress"
    assert status_picker(at, f"plan_goal_{school.ana_goal}_status").value == "in progress"


def test_teacher_adds_progress_and_sees_what_their_role_may_not_change_read_only(school):
    at = open_plan(school, "tia")
    keys = widget_keys(at)

    # The student's own words, career planning, agreeing supports, assessments: not a teacher's.
    assert "plan_section_feelings_student_edit" not in keys
    assert "plan_section_career_interests_team_edit" not in keys
    assert "plan_assessment_submit" not in keys
    assert not [k for k in keys if k.startswith("plan_status")]
    # Goals follow plpcore's permission table, whatever it says about teachers.
    teachers_edit_goals = AuthorRole.TEACHER in ALLOWED[Action.EDIT_GOALS]
    assert (f"plan_goal_{school.ana_goal}_revise" in keys) is teachers_edit_goals
    assert "Ana: finish the 6th-grade math unit" in texts(at)

    at.selectbox(key="plan_progress_rating").select(3)
    at.text_area(key="plan_progress_note").input("Finished lesson 4 early")
    at.button(key="plan_progress_submit").click().run()

    assert successes(at) == ["Progress recorded."]
    table = next(d.value for d in at.dataframe if "rating" in d.value.columns)
    assert list(table["rating"]) == ["3 · progressing"]
    assert list(table["who"]) == ["Staff"]
    assert len(charts(at)) == 1


def test_a_ratings_chart_says_in_words_what_it_shows(school):
    """WCAG 1.1.1: under each chart, a sentence a screen reader reads: who rated, how often, the latest."""
    at = open_plan(school, "tia")
    at.selectbox(key="plan_progress_rating").select(3)
    at.button(key="plan_progress_submit").click().run()

    today = dt.date.today()
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert f"Chart of the ratings over time. Staff: 1 rating, the latest 3 · progressing on {today:%b %d}." in captions


def test_parent_reads_the_plan_but_cannot_change_goals_or_the_students_words(school):
    at = open_plan(school, "gus")
    keys = widget_keys(at)

    assert "Ana: finish the 6th-grade math unit" in texts(at)
    assert f"plan_goal_{school.ana_goal}_revise" not in keys
    assert f"plan_goal_{school.ana_goal}_status" not in keys
    assert "plan_section_feelings_student_edit" not in keys
    assert "plan_section_career_interests_team_edit" not in keys
    assert "plan_add_goal_submit" not in keys
    assert any(m.value == "Status: **not started**" for m in at.markdown)


def test_parent_adds_a_home_note_and_sees_it_on_the_plan(school):
    at = open_plan(school, "gus")
    at.text_area(key="plan_note_text").input("She practised fractions at the kitchen table")
    at.button(key="plan_note_submit").click().run()

    assert "She practised fractions at the kitchen table" in texts(at)
    assert any("home note" in c.value and "Gus" in c.value for c in at.caption)


def test_student_writes_in_their_own_words(school):
    at = open_plan(school, "ana")
    assert "plan_section_feelings_team_edit" not in widget_keys(at)

    at.button(key="plan_section_feelings_student_edit").click().run()
    at.text_area(key="plan_section_feelings_student_text").input("I like math but the class is too slow")
    at.button(key="plan_section_feelings_student_save").click().run()

    assert "I like math but the class is too slow" in texts(at)
    doc = queries.student_plan(school.db, school.sam, school.ana_plan)
    [answer] = [s for s in doc["sections"] if s["key"] == "feelings"]
    assert (answer["voice"], answer["text"]) == ("student", "I like math but the class is too slow")


def test_the_students_words_carry_the_students_name(school):
    services.update_section(school.db, school.ana, school.ana_plan, "needs", "student", "Harder books", 0)
    at = open_plan(school, "sam")

    captions = [c.value for c in at.caption]
    assert any(c.startswith("AL · Ana Lopez") and "typed by" not in c for c in captions), captions


def test_the_students_words_typed_by_the_specialist_say_who_typed_them(school):
    at = open_plan(school, "sam")
    at.button(key="plan_section_needs_student_edit").click().run()
    at.text_area(key="plan_section_needs_student_text").input("Harder books")
    at.button(key="plan_section_needs_student_save").click().run()

    captions = [c.value for c in at.caption]
    assert any(c.startswith("AL · Ana Lopez") and c.endswith("typed by Sam Specialist") for c in captions), captions


def test_student_proposes_a_goal_the_team_will_see(school):
    at = open_plan(school, "ana")
    assert "plan_add_goal_submit" not in widget_keys(at)

    at.text_area(key="plan_propose_goal_statement").input("Enter the district math contest")
    at.button(key="plan_propose_goal_submit").click().run()

    assert "Enter the district math contest" in texts(at)
    doc = queries.student_plan(school.db, school.sam, school.ana_plan)
    assert doc["goals"][-1]["proposed_by"] == "student"


@pytest.mark.parametrize(
    "asks",
    [{"plan": "BEN_PLAN"}, {"student": "BEN_STUDENT"}, {"plan": "not-a-number"}, {"student": "-3"},
     {"plan": "ANA_PLAN", "student": "BEN_STUDENT"}],
    ids=["plan", "student", "nonsense", "negative student", "own plan with another student"],
)
def test_parent_asking_by_url_for_another_students_plan_sees_not_found_and_nothing_of_it(school, asks):
    real = {"BEN_PLAN": school.ben_plan, "BEN_STUDENT": school.ben_student, "ANA_PLAN": school.ana_plan}
    at = open_plan(school, "gus", query={k: str(real.get(v, v)) for k, v in asks.items()})

    assert [e.value for e in at.error] == [NOT_FOUND]
    shown = everything_shown(at)
    for secret in ("Ben", "Okafor", "read two novels", "Ana", "Lopez", "6th-grade"):
        assert secret not in shown
    assert not at.tabs


@pytest.mark.parametrize("key", ["plp_plan_id", "plp_student_id"])
def test_another_students_plan_or_student_put_in_session_state_is_ignored(school, key):
    at = open_plan(school, "gus", **{key: school.ben_plan if key == "plp_plan_id" else school.ben_student})

    assert at.title[0].value == "Ana Lopez"
    shown = everything_shown(at)
    for secret in ("Ben", "Okafor", "read two novels"):
        assert secret not in shown


def test_signed_out_visitor_sees_no_plan(school):
    at = app("plan", query={"plan": str(school.ana_plan)}).run()

    assert "Lopez" not in everything_shown(at)
    assert not at.tabs


def test_hostile_text_in_a_goal_shows_as_the_literal_characters(school):
    hostile = ["<script>alert(1)</script>", "**bold** [x](javascript:alert(1))"]
    hostile += [s for s in json.loads(BLNS.read_text()) if "<script" in s or "javascript:" in s][:8]
    stored = []
    for text in hostile:
        try:
            services.add_goal(school.db, school.sam, school.ana_plan, kind="other", statement=text)
        except Exception:  # noqa: S112 - plpcore may refuse a BLNS line (blank, broken)
            continue
        stored.append(text)
    assert len(stored) >= 5

    at = open_plan(school, "sam")

    shown = texts(at)
    for text in stored:
        assert text in shown
    for element in [*at.markdown, *at.caption]:
        assert not element.allow_html
        for text in stored:
            assert text not in element.value


# --- two people, one goal --------------------------------------------------------------------


def conflicting_edits(school: SimpleNamespace) -> tuple[AppTest, str]:
    """Sam and Ada open the same goal; Sam saves first; Ada's save meets the conflict view."""
    sam, ada = open_plan(school, "sam"), open_plan(school, "ada", query={"plan": str(school.ana_plan)})
    ada.button(key=f"plan_goal_{school.ana_goal}_revise").click().run()
    revise(sam, school.ana_goal, "Sam: finish the unit and start 7th-grade ratios")
    revise(ada, school.ana_goal, "Ada: finish the unit with a project")
    return ada, f"plan_goal_{school.ana_goal}_conflict"


def test_second_editor_of_a_goal_sees_both_texts_side_by_side(school):
    ada, _ = conflicting_edits(school)

    assert "Sam Specialist" in ada.warning[0].value
    shown = texts(ada)
    assert "Ada: finish the unit with a project" in shown
    assert "Sam: finish the unit and start 7th-grade ratios" in shown
    headings = [m.value for m in ada.markdown]
    assert "**Your version** · Goal" in headings
    assert "**Their version (by Sam Specialist)** · Goal" in headings
    assert stored_goal(school, school.ana_goal)["statement"] == "Sam: finish the unit and start 7th-grade ratios"


def infos(at: AppTest) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", i.value) for i in at.info]


def test_the_person_whose_save_won_is_told_that_the_other_edit_waits_to_be_merged(school):
    conflicting_edits(school)
    sam = open_plan(school, "sam")
    assert any(i.startswith("Ada's edit of the goal “Sam: finish the unit and start 7th-grade ratios” was set aside")
               for i in infos(sam))


def test_the_set_aside_notice_ends_once_the_other_person_has_chosen(school):
    ada, key = conflicting_edits(school)
    ada.button(key=f"{key}_keep_theirs").click().run()
    assert not any("was set aside" in i for i in infos(open_plan(school, "sam")))


def test_keep_mine_stores_my_text_and_keeps_theirs_in_the_goal_history(school):
    ada, key = conflicting_edits(school)
    ada.button(key=f"{key}_keep_mine").click().run()

    goal = stored_goal(school, school.ana_goal)
    assert goal["statement"] == "Ada: finish the unit with a project"
    assert [h["statement"] for h in goal["history"]] == [
        "Ana: finish the 6th-grade math unit", "Sam: finish the unit and start 7th-grade ratios"]
    assert not ada.warning
    assert "Ada: finish the unit with a project" in texts(ada)


def test_keep_theirs_leaves_the_other_text_and_closes_my_form(school):
    ada, key = conflicting_edits(school)
    ada.button(key=f"{key}_keep_theirs").click().run()

    goal = stored_goal(school, school.ana_goal)
    assert goal["statement"] == "Sam: finish the unit and start 7th-grade ratios"
    assert not ada.warning
    assert f"plan_goal_{school.ana_goal}_statement" not in widget_keys(ada)
    assert "Sam: finish the unit and start 7th-grade ratios" in texts(ada)


def test_merge_starts_from_both_texts_and_stores_the_merged_one(school):
    ada, key = conflicting_edits(school)
    ada.button(key=f"{key}_merge").click().run()

    draft = ada.text_area(key=f"{key}_merge_statement").value
    assert "Sam: finish the unit and start 7th-grade ratios" in draft
    assert "Ada: finish the unit with a project" in draft
    ada.text_area(key=f"{key}_merge_statement").input("Finish the unit with a project, then start ratios")
    ada.button(key=f"{key}_save_merged").click().run()

    goal = stored_goal(school, school.ana_goal)
    assert goal["statement"] == "Finish the unit with a project, then start ratios"
    assert "Sam: finish the unit and start 7th-grade ratios" in [h["statement"] for h in goal["history"]]
    assert not ada.warning


def test_a_status_change_meanwhile_does_not_block_saving_new_wording(school):
    sam, ada = open_plan(school, "sam"), open_plan(school, "ada", query={"plan": str(school.ana_plan)})
    sam.button(key=f"plan_goal_{school.ana_goal}_revise").click().run()
    status_picker(ada, f"plan_goal_{school.ana_goal}_status").select("in progress").run()
    revise(sam, school.ana_goal, "Ana: finish the unit by March")

    goal = stored_goal(school, school.ana_goal)
    assert (goal["statement"], goal["status"]) == ("Ana: finish the unit by March", "in progress")
    assert not sam.warning


def test_two_people_answering_the_same_question_see_the_conflict_not_an_overwrite(school):
    ana, sam = open_plan(school, "ana"), open_plan(school, "sam")
    prefix = "plan_section_strengths_student"
    for at in (ana, sam):
        at.button(key=f"{prefix}_edit").click().run()
    ana.text_area(key=f"{prefix}_text").input("I am good at puzzles")
    ana.button(key=f"{prefix}_save").click().run()
    sam.text_area(key=f"{prefix}_text").input("Ana says: patterns and puzzles")
    sam.button(key=f"{prefix}_save").click().run()

    assert {"I am good at puzzles", "Ana says: patterns and puzzles"} <= set(texts(sam))
    sam.button(key=f"{prefix}_conflict_keep_theirs").click().run()
    doc = queries.student_plan(school.db, school.sam, school.ana_plan)
    assert [s["text"] for s in doc["sections"] if s["key"] == "strengths"] == ["I am good at puzzles"]


# --- choosing the plan --------------------------------------------------------------------------


def test_teacher_with_several_students_chooses_one_before_any_plan_shows(school):
    services.link_user(school.db, school.pat, school.ben_student, school.tia, "teacher", "ELA 7")
    at = open_plan(school, "tia")
    assert not at.tabs
    assert at.selectbox(key="plan_student_pick").value is None

    at.selectbox(key="plan_student_pick").select(school.ben_student).run()

    assert at.title[0].value == "Ben Okafor"
    assert at.query_params["student"] == str(school.ben_student)  # the choice is in the URL, for a reload
    assert "Ben: read two novels a month" in texts(at)


def test_an_admin_picks_from_the_same_students_their_home_lists(school):
    at = open_plan(school, "ada")
    home = queries.caseload(school.db, school.ada, whole_school=True)

    assert "No students are linked to you yet." not in page_text(at)
    assert set(at.selectbox(key="plan_student_pick").options) == set(home["name"] + " (grade " + home.grade.astype(str) + ")")


def test_specialist_starts_the_plan_of_a_student_who_has_none(school):
    new = services.create_student(school.db, school.sam, local_id="1003", first_name="Cai", last_name="Ng", grade=4)
    at = open_plan(school, "sam", query={"student": str(new)})
    assert not at.tabs

    at.button(key="plan_create_submit").click().run()

    assert at.title[0].value == "Cai Ng"
    assert at.tabs
    assert queries.student_summary(school.db, school.sam, new)["plans"][0]["kind"] == "ALP"


def test_the_plan_opened_for_a_student_is_their_active_plan_not_a_newer_draft(school):
    version = queries.student_plan(school.db, school.sam, school.ana_plan)["plan"]["version"]
    services.set_plan_status(school.db, school.sam, school.ana_plan, "active", version)
    draft = services.create_plan(school.db, school.sam, school.ana_student, "PLP")
    services.add_goal(school.db, school.sam, draft, kind="other", statement="Ana: a goal in the draft PLP")
    at = open_plan(school, "sam", query={"student": str(school.ana_student)})

    shown = texts(at)
    assert "Ana: finish the 6th-grade math unit" in shown
    assert "Ana: a goal in the draft PLP" not in shown


def test_a_student_with_only_last_years_plan_has_none_this_year_and_last_years_opens_from_the_list(school):
    last_year = accounts.add_school_year(school.db, school.ada, "2025-26", "2025-08-20", "2026-06-04")
    new = services.create_student(school.db, school.sam, local_id="1003", first_name="Cai", last_name="Ng", grade=4)
    old = services.create_plan(school.db, school.sam, new, "ALP", school_year_id=last_year)
    services.add_goal(school.db, school.sam, old, kind="achievement", statement="Cai: last year's reading goal")
    at = open_plan(school, "sam", query={"student": str(new)})

    assert not at.tabs
    assert "This student has no plan for this school year yet." in [i.value for i in at.info]
    assert "plan_create_submit" in widget_keys(at)
    at.button(key=f"plan_open_{old}").click().run()

    assert at.tabs
    assert "Cai: last year's reading goal" in texts(at)


# --- supports ------------------------------------------------------------------------------------


def test_specialist_agrees_a_support_a_parent_proposed(school):
    gus = open_plan(school, "gus")
    gus.text_area(key="plan_support_description").input("Museum visit once a month")
    gus.selectbox(key="plan_support_setting").select("home")
    gus.selectbox(key="plan_support_owner").select("role:guardian")
    gus.button(key="plan_support_submit").click().run()
    [support] = queries.student_plan(school.db, school.sam, school.ana_plan)["supports"]
    assert f"plan_support_{support['id']}_agreed" not in widget_keys(gus)

    sam = open_plan(school, "sam")
    sam.button(key=f"plan_support_{support['id']}_agreed").click().run()

    assert "Status: **agreed**" in [m.value for m in sam.markdown]
    [support] = queries.student_plan(school.db, school.sam, school.ana_plan)["supports"]
    assert support["status"] == "agreed"


# --- who looked, and what changed ------------------------------------------------------------------


def views_of(school, actor: int) -> int:
    with school.db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "view", AuditEvent.actor_id == actor, AuditEvent.student_id == school.ana_student))


def test_a_staff_member_opening_a_students_plan_is_logged_as_a_view(school):
    before = views_of(school, school.tia)
    open_plan(school, "tia", query={"student": str(school.ana_student)})
    assert views_of(school, school.tia) > before


def test_a_parent_reading_their_own_childs_plan_is_not_logged_as_a_staff_view(school):
    open_plan(school, "gus", query={"student": str(school.ana_student)})
    assert views_of(school, school.gus) == 0


def test_a_specialist_reads_a_students_history_of_changes(school):
    services.update_section(school.db, school.tia, school.ana_plan, "strengths", "team", "Persistent in math", 0)
    at = open_plan(school, "sam", query={"student": str(school.ana_student), "tab": "History"})
    history = next(d.value for d in at.dataframe if "who" in d.value.columns)
    change = history[history.new == "Persistent in math"].iloc[0]
    assert (change.who, change.action, change.field) == ("Tia", "update", "strengths (team)")
