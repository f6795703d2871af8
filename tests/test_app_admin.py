"""AppTest: the admin page — people, passwords, sign-ins turned off, links, students, school years."""

from __future__ import annotations

import pytest

from plpcore import accounts, queries
from tests.app_support import app, database_copy, messages, page_text, shows_sign_in_form, sign_in, titles
from tests.test_queries import everyone


@pytest.fixture
def app_school(tmp_path, monkeypatch):
    return database_copy(tmp_path, monkeypatch)


def admin_page(user: str = "sam", tab: str | None = None):
    """The admin page with one of its tabs open (the first, People, unless told): only the open tab runs."""
    at = app("admin", as_user=user)
    if tab:
        at.session_state["admin_tab"] = tab
    at.run()
    assert titles(at) == ["Admin"]
    return at


def test_a_specialist_sees_the_schools_people(app_school):
    at = admin_page("sam")
    people = at.dataframe[0].value
    assert {"sam", "tia", "gus", "pat"} <= set(people["username"])
    assert "Okafor" not in page_text(at)


def test_a_specialist_sees_their_students_links_only(app_school):
    at = admin_page("sam", "Links")
    links = at.dataframe[0].value
    assert set(links["student"]) == {"Ana Lopez"}
    assert "Okafor" not in page_text(at)


def test_only_the_open_tab_runs(app_school):
    at = admin_page("sam", "School years")
    assert [h.value for h in at.header] == ["Add a school year", "Current year", "Start a new year's plans"]


def test_teachers_parents_and_students_have_no_admin_page(app_school):
    for user in ("tia", "gus", "ana"):
        at = app("admin", as_user=user).run()
        assert "Admin" not in titles(at), user


def test_a_specialist_adds_a_teacher_who_must_choose_a_password_at_first_sign_in(app_school):
    db, _ = app_school
    at = admin_page()
    at.text_input(key="admin_new_name").input("Rui Costa")
    at.text_input(key="admin_new_username").input("rui")
    at.selectbox(key="admin_new_kind").select("teacher")
    at.text_input(key="admin_new_password").input("initial pw 1")
    at.button(key="admin_add").click().run()

    assert "Rui Costa can now sign in as rui" in messages(at, "success")[0]
    assert "rui" in at.dataframe[0].value["username"].tolist()
    fresh = sign_in(app().run(), "rui", "initial pw 1")
    assert titles(fresh) == ["Choose a new password"]


def test_adding_a_person_with_a_taken_username_says_so_and_adds_nobody(app_school):
    db, school = app_school
    at = admin_page()
    at.text_input(key="admin_new_name").input("Another Tia")
    at.text_input(key="admin_new_username").input("TIA")
    at.text_input(key="admin_new_password").input("initial pw 1")
    at.button(key="admin_add").click().run()
    assert any("is taken" in m for m in messages(at, "error"))
    assert len(everyone(db, school.ada)) == 9


def test_a_specialist_cannot_make_an_admin(app_school):
    at = admin_page("sam")
    assert "admin" not in at.selectbox(key="admin_new_kind").options
    assert "admin_new_is_admin" not in [c.key for c in at.checkbox]


def test_a_reset_password_must_be_changed_at_the_next_sign_in(app_school):
    db, school = app_school
    at = admin_page()
    at.selectbox(key="admin_person").select(school.tia).run()
    at.text_input(key="admin_reset_password").input("temporary 1")
    at.button(key="admin_reset").click().run()

    assert messages(at, "success") == ["Password reset for Tia. They will choose a new one when they sign in."]
    fresh = sign_in(app().run(), "tia", "temporary 1")
    assert titles(fresh) == ["Choose a new password"]


def test_turning_a_sign_in_off_keeps_that_person_out(app_school):
    _, school = app_school
    at = admin_page()
    at.selectbox(key="admin_person").select(school.tia).run()
    at.button(key="admin_toggle_active").click().run()
    assert messages(at, "success") == ["Tia can no longer sign in."]
    fresh = sign_in(app().run(), "tia", "correct horse")
    assert shows_sign_in_form(fresh)


def test_a_specialist_is_offered_only_the_accounts_of_their_own_students_teams(app_school):
    _, school = app_school
    at = admin_page("sam")
    offered = at.selectbox(key="admin_person").options
    assert "Tia (tia)" in offered and "Gus (gus)" in offered
    assert "Tom (tom)" not in offered and "Pat (pat)" not in offered


def test_a_specialist_links_a_teacher_to_a_student_on_their_caseload(app_school):
    db, school = app_school
    at = admin_page(tab="Links")
    at.selectbox(key="admin_link_student").select(school.ana_student)
    at.selectbox(key="admin_link_person").select(school.tom)
    at.selectbox(key="admin_link_relationship").select("teacher")
    at.text_input(key="admin_link_course").input("Science 5")
    at.button(key="admin_link").click().run()

    assert messages(at, "success") == ["Linked."]
    assert "Ana Lopez" in queries.my_students(db, school.tom)["name"].tolist()


def test_linking_without_choosing_a_student_says_so_and_links_nobody(app_school):
    db, school = app_school
    before = queries.team_links_page(db, school.ada).total
    at = admin_page(tab="Links")
    at.selectbox(key="admin_link_person").select(school.tom)
    at.button(key="admin_link").click().run()

    assert messages(at, "error") == ["student: choose one."]
    assert queries.team_links_page(db, school.ada).total == before


def test_a_specialist_removes_a_link_and_the_person_no_longer_sees_the_student(app_school):
    db, school = app_school
    tia_link = next(row["link_id"] for row in queries.team_links_page(db, school.sam).rows if row["username"] == "tia")
    at = admin_page(tab="Links")
    at.selectbox(key="admin_unlink_choice").select(tia_link).run()
    at.button(key="admin_unlink").click().run()
    assert messages(at, "success") == ["Link removed."]
    assert queries.my_students(db, school.tia).empty


def test_a_specialist_adds_a_student_to_their_caseload(app_school):
    at = admin_page(tab="Students")
    at.text_input(key="admin_student_local_id").input("1003")
    at.text_input(key="admin_student_first").input("Chidi")
    at.text_input(key="admin_student_last").input("Mensah")
    at.number_input(key="admin_student_grade").set_value(4)
    at.multiselect(key="admin_student_areas").select("science")
    at.button(key="admin_add_student").click().run()
    assert messages(at, "success") == ["Chidi Mensah is added."]
    home = app(as_user="sam").run()
    assert "Chidi Mensah" in home.dataframe(key="home_caseload").value["name"].tolist()


def test_a_student_without_a_grade_is_refused_with_the_field_named(app_school):
    at = admin_page(tab="Students")
    at.text_input(key="admin_student_local_id").input("1003")
    at.text_input(key="admin_student_first").input("Chidi")
    at.text_input(key="admin_student_last").input("Mensah")
    at.button(key="admin_add_student").click().run()
    assert any(m.startswith("grade") for m in messages(at, "error"))


def test_an_admin_adds_next_school_year_and_makes_it_current(app_school):
    db, school = app_school
    at = admin_page("ada", "School years")
    at.text_input(key="admin_year_name").input("2027-28")
    at.date_input(key="admin_year_starts_on").set_value("2027-08-19")
    at.date_input(key="admin_year_ends_on").set_value("2028-06-02")
    at.button(key="admin_add_year").click().run()
    assert messages(at, "success") == ["School year 2027-28 added, with four reporting periods."]

    new_year = next(y["id"] for y in accounts.school_years(db, school.ada) if y["name"] == "2027-28")
    at.selectbox(key="admin_current_year").select(new_year).run()
    at.button(key="admin_set_current").click().run()
    assert messages(at, "success") == ["2027-28 is now the current year."]
    assert [y["name"] for y in accounts.school_years(db, school.ada) if y["is_current"]] == ["2027-28"]


def test_a_person_added_with_an_address_is_invited_and_the_waiting_link_is_shown_without_smtp(app_school):
    db, _ = app_school
    at = admin_page()
    at.text_input(key="admin_new_name").input("Rui Costa")
    at.text_input(key="admin_new_username").input("rui")
    at.text_input(key="admin_new_email").input("rui@lincoln.example")
    at.selectbox(key="admin_new_kind").select("teacher")
    at.button(key="admin_add").click().run()

    assert "Rui Costa is added, as rui." in messages(at, "success")
    assert any("E-mail is not set up yet, so the invitation to Rui Costa waits" in m for m in messages(at, "warning"))
    (link,) = [c.value for c in at.code]
    assert "/welcome?token=" in link


# --- finding people, links and students in a large school: search, and a page at a time --------------


def add_teachers(db, school, n: int) -> None:
    for i in range(n):
        accounts.create_user(db, school.ada, username=f"teacher{i:02}", display_name=f"Teacher {i:02}",
                             password="correct horse", kind="teacher", email=f"t{i:02}@district.example")


def people_shown(at) -> list[str]:
    return at.dataframe[0].value["username"].tolist()


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_a_search_finds_a_person_by_part_of_their_email(app_school):
    db, school = app_school
    add_teachers(db, school, 30)
    at = admin_page("ada")
    at.text_input(key="admin_people_search").input("T07@District").run()
    assert people_shown(at) == ["teacher07"]


def test_the_first_page_shows_25_people_and_says_how_many_there_are(app_school):
    db, school = app_school
    add_teachers(db, school, 30)
    at = admin_page("ada")
    assert len(people_shown(at)) == 25
    assert "Showing 1–25 of 39 people, page 1 of 2." in captions(at)


def test_the_second_page_shows_the_next_25_people(app_school):
    db, school = app_school
    add_teachers(db, school, 30)
    at = admin_page("ada")
    at.button(key="admin_people_next").click().run()
    assert people_shown(at) == [p["username"] for p in everyone(db, school.ada)][25:50]
    assert "Showing 26–39 of 39 people, page 2 of 2." in captions(at)


def test_a_new_search_starts_again_at_the_first_page(app_school):
    db, school = app_school
    add_teachers(db, school, 30)
    at = admin_page("ada")
    at.button(key="admin_people_next").click().run()
    at.text_input(key="admin_people_search").input("teacher").run()
    assert "Showing 1–25 of 30 people, page 1 of 2." in captions(at)


def test_a_specialists_search_never_finds_people_they_do_not_manage(app_school):
    at = admin_page("sam")
    at.text_input(key="admin_people_search").input("ben").run()
    assert people_shown(at) == []
    assert "No people match the search." in captions(at)


def test_a_person_found_by_search_can_be_picked_for_a_password_reset(app_school):
    db, school = app_school
    add_teachers(db, school, 30)
    at = admin_page("ada")
    at.text_input(key="admin_people_search").input("teacher29").run()
    assert at.selectbox(key="admin_person").options == ["Teacher 29 (teacher29)"]


def test_the_student_picker_offers_the_students_a_search_finds(app_school):
    _, school = app_school
    at = admin_page("ada", "Links")
    at.text_input(key="admin_link_student_search").input("okaf").run()
    assert at.selectbox(key="admin_link_student").options == ["Ben Okafor (1002)"]


def test_the_person_picker_for_a_link_offers_the_people_a_search_finds(app_school):
    at = admin_page("sam", "Links")
    at.text_input(key="admin_link_person_search").input("to").run()
    assert at.selectbox(key="admin_link_person").options == ["Tom (tom)"]


def test_a_search_of_links_shows_only_the_matching_links(app_school):
    at = admin_page("ada", "Links")
    at.text_input(key="admin_links_search").input("gia").run()
    links = at.dataframe[0].value
    assert links[["student", "username"]].values.tolist() == [["Ben Okafor", "gia"]]
