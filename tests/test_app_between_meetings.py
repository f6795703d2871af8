"""AppTest: between meetings: the Reports page, a parent's and a student's home, scheduling and signing from home."""

from __future__ import annotations

import pytest

from plpcore import queries, services
from tests.app_support import app, database_copy, messages, page_text, titles, unescaped
from tests.test_queries import finalized_review
from ui.home.family import CHECK_IN_PROMPTS


@pytest.fixture
def app_school(tmp_path, monkeypatch):
    return database_copy(tmp_path, monkeypatch)


def ana_plan(db, school) -> dict:
    """Ana's plan as her specialist reads it."""
    return queries.student_plan(db, school.sam, school.ana_plan)


def home_support(db, school, status: str = "agreed") -> int:
    support = services.propose_support(db, school.sam, school.ana_plan, description="Twenty minutes of reading together",
                                       setting="home", owner_user_id=school.gus, frequency="daily")
    if status != "proposed":
        services.set_support_status(db, school.sam, support, status, 1)
    return support


# --- the Reports page -----------------------------------------------------------------------------


def test_the_reports_page_lists_a_specialists_noncompliant_student_with_what_is_missing(app_school):
    at = app("reports", as_user="sam").run()
    assert titles(at) == ["Reports"]
    missing = at.dataframe(key="reports_missing").value
    assert missing["name"].tolist() == ["Ana Lopez"]
    assert {"No active plan", "No affective goal", "No annual meeting"} <= set(missing["missing"].iloc[0].split(", "))
    assert "Ben" not in page_text(at)


def test_the_reports_page_offers_the_compliance_report_as_csv(app_school):
    at = app("reports", as_user="sam").run()
    assert at.download_button(key="reports_download").label == "Export compliance report (CSV)"


def compliance_summary(at) -> list | None:
    """The by-specialist table's rows, if shown (a dataframe without selection does not carry its key)."""
    return next(([tuple(r) for r in d.value[["specialist", "students"]].itertuples(index=False)]
                 for d in at.dataframe if "specialist" in d.value.columns and "students" in d.value.columns), None)


def test_an_admin_sees_the_compliance_summary_by_specialist(app_school):
    at = app("reports", as_user="ada").run()
    assert compliance_summary(at) == [("Pat", 1), ("Sam Specialist", 1), ("All students", 2)]


def test_an_admin_who_turns_off_whole_school_sees_no_summary(app_school):
    at = app("reports", as_user="ada").run()
    at.toggle(key="reports_whole_school").set_value(False).run()
    assert compliance_summary(at) is None


@pytest.mark.parametrize(("user", "home"), [("tia", "Home"), ("gus", "Ana Lopez at a glance"), ("ana", "My goals")])
def test_someone_who_is_not_staff_opening_reports_gets_their_home(app_school, user, home):
    at = app("reports", as_user=user).run()
    assert titles(at) == [home]
    assert "Compliance" not in page_text(at)


# --- a parent's home --------------------------------------------------------------------------------


def test_a_parents_check_in_lands_on_the_plan_with_the_question_they_asked(app_school):
    db, school = app_school
    goal = school.ana_goal
    at = app(as_user="gus").run()
    at.radio(key=f"home_check_in_prompt_{goal}").set_value(CHECK_IN_PROMPTS[1])
    at.text_area(key=f"home_check_in_note_{goal}").input("A quiet table after dinner helps.")
    at.radio(key=f"home_check_in_rating_{goal}").set_value(3)
    at.button(key=f"home_check_in_send_{goal}").click().run()
    assert messages(at, "success") == ["Thank you. Your check-in is on the plan for the team to see."]
    doc = ana_plan(db, school)
    assert [(n["prompt"], n["text"], n["author"]) for n in doc["notes"]] == [
        ("How can we support you at home?", "A quiet table after dinner helps.", "Gus")]
    assert [(p["rating"], p["author_role"]) for p in doc["goals"][0]["progress"]] == [(3, "guardian")]


def test_a_parents_check_in_with_a_pasted_control_character_is_sent_without_it(app_school):
    db, school = app_school
    at = app(as_user="gus").run()
    at.text_area(key=f"home_check_in_note_{school.ana_goal}").input("Read together\x0bevery night\x07")
    at.button(key=f"home_check_in_send_{school.ana_goal}").click().run()

    assert messages(at, "error") == []
    assert [n["text"] for n in ana_plan(db, school)["notes"]] == ["Read together\nevery night"]


def test_after_a_check_in_the_goals_card_thanks_the_parent_in_place_of_its_form(app_school):
    _, school = app_school
    at = app(as_user="gus").run()
    at.text_area(key=f"home_check_in_note_{school.ana_goal}").input("A quiet table after dinner helps.")
    at.button(key=f"home_check_in_send_{school.ana_goal}").click().run()

    assert f"home_check_in_send_{school.ana_goal}" not in [b.key for b in at.button]
    assert [unescaped(m.value) for m in at.get_by_key(f"home_check_in_sent_{school.ana_goal}").success] == [
        "Thank you. Your check-in is on the plan for the team to see."]


def test_an_empty_check_in_says_what_to_fill_in_and_writes_nothing(app_school):
    db, school = app_school
    at = app(as_user="gus").run()
    at.button(key=f"home_check_in_send_{school.ana_goal}").click().run()
    assert messages(at, "error") == ["note: write what you talked about, or choose how it is going."]
    doc = ana_plan(db, school)
    assert doc["notes"] == [] and doc["goals"][0]["progress"] == []


def test_a_parent_offers_a_support_at_home_and_sees_it_offered(app_school):
    db, school = app_school
    at = app(as_user="gus").run()
    at.text_input(key="home_offer_text").input("Museum visit once a month")
    at.text_input(key="home_offer_often").input("Monthly")
    at.button(key="home_offer_submit").click().run()
    assert messages(at, "success") == ["Thank you. The team will look at it and agree it with you."]
    assert "offered: the team will agree it" in page_text(at)
    offered = ana_plan(db, school)["supports"]
    assert [(x["description"], x["setting"], x["status"], x["owner_user_id"]) for x in offered] == [
        ("Museum visit once a month", "home", "proposed", school.gus)]


def test_a_parent_logs_an_agreed_home_support_they_did_today(app_school):
    db, school = app_school
    support = home_support(db, school)
    at = app(as_user="gus").run()
    at.button(key=f"home_did_{support}").click().run()
    assert messages(at, "success") == ["Logged for today. Thank you."]
    assert "last done" in page_text(at)
    assert [entry["author"] for entry in ana_plan(db, school)["supports"][0]["log"]] == ["Gus"]


def test_an_offered_home_support_cannot_be_logged_before_the_team_agrees_it(app_school):
    db, school = app_school
    support = home_support(db, school, status="proposed")
    at = app(as_user="gus").run()
    assert f"home_did_{support}" not in [b.key for b in at.button]


# --- a student's home ---------------------------------------------------------------------------------


def test_a_student_saves_a_rating_with_a_link_to_their_work(app_school):
    db, school = app_school
    goal = school.ana_goal
    at = app(as_user="ana").run()
    at.radio(key=f"home_rate_{goal}").set_value(4)
    at.text_input(key=f"home_rate_evidence_{goal}").input("https://example.org/ana/fractions")
    at.button(key=f"home_rate_save_{goal}").click().run()
    assert messages(at, "success") == ["Your rating is saved."]
    progress = ana_plan(db, school)["goals"][0]["progress"]
    assert [(p["rating"], p["author_role"], p["evidence_url"]) for p in progress] == [
        (4, "student", "https://example.org/ana/fractions")]


def test_a_student_proposes_a_goal_from_my_goals(app_school):
    db, school = app_school
    at = app(as_user="ana").run()
    at.selectbox(key="plan_propose_goal_kind").set_value("career")
    at.text_area(key="plan_propose_goal_statement").input("Visit a robotics lab")
    at.text_area(key="plan_propose_goal_why").input("I want to build robots")
    at.button(key="plan_propose_goal_submit").click().run()
    assert messages(at, "success") == ["Goal proposed: the team will look at it."]
    assert "Visit a robotics lab" in page_text(at)
    proposed = [g for g in ana_plan(db, school)["goals"] if g["statement"] == "Visit a robotics lab"]
    assert [(g["kind"], g["proposed_by"], g["status"]) for g in proposed] == [("career", "student", "not started")]


# --- from home to a meeting -------------------------------------------------------------------------


def test_a_specialist_schedules_a_meeting_for_a_student_from_the_caseload(app_school):
    _, school = app_school
    at = app(as_user="sam").run()
    at.selectbox(key="home_open_student").select(school.ana_student).run()
    at.button(key="home_schedule").click().run()
    assert titles(at) == ["Meetings"]
    assert at.selectbox(key="meeting_new_student").value == school.ana_student


def unsigned_record(db, school) -> int:
    """Ana's annual review, finalized with Gus present and only Sam's signature."""
    school.affective_goal = services.add_goal(db, school.sam, school.ana_plan, kind="affective",
                                              statement="Ana: ask for help when stuck")
    return finalized_review(db, school, signers=(school.sam,))


def test_a_parent_with_an_unsigned_record_is_asked_to_read_and_sign_it(app_school):
    db, school = app_school
    meeting = unsigned_record(db, school)
    at = app(as_user="gus").run()
    assert at.button(key=f"home_sign_{meeting}").label == "Read and sign"
    assert "is ready for you to read and sign" in page_text(at)


def test_read_and_sign_opens_the_meetings_room(app_school):
    db, school = app_school
    meeting = unsigned_record(db, school)
    at = app(as_user="gus").run()
    at.button(key=f"home_sign_{meeting}").click().run()
    assert at.query_params == {"meeting": str(meeting)}
    assert titles(at) == ["Meeting room · Ana Lopez"]
