"""AppTest: the Import page — a roster or assessments CSV matched, previewed, and imported all or nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from plpcore import accounts, imports
from plpcore.models import Student
from tests.app_support import app, database_copy, messages, page_text, titles

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
ROSTER = (SAMPLES / "roster.csv").read_bytes()


@pytest.fixture
def app_school(tmp_path, monkeypatch):
    return database_copy(tmp_path, monkeypatch)


def import_page(user: str = "sam"):
    at = app("import", as_user=user).run()
    assert titles(at) == ["Import"]
    return at


def choose_file(at, data: bytes, name: str = "roster.csv", kind: str = "roster"):
    if kind != "roster":
        at.segmented_control(key="import_kind").set_value(kind).run()
    at.file_uploader(key="import_file").set_value((name, data, "text/csv"))
    return at.run()


def import_button(at):
    return next((b for b in at.button if b.key == "import_commit"), None)


def column_choice(at, file_column: str):
    """The selectbox that says which PlanTable column a column of the file is read as."""
    return next(s for s in at.selectbox if re.sub(r"\\(.)", r"\1", s.label) == file_column)


def students_in(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(Student.id)))


def test_the_sample_roster_previews_with_its_counts_and_a_line_for_every_row(app_school):
    at = choose_file(import_page(), ROSTER)

    assert "10 to create, 0 to update, 0 unchanged, 0 rejected" in page_text(at)
    preview = at.dataframe[0].value
    assert list(preview["line"]) == list(range(2, 12))
    assert set(preview["action"]) == {"create"}
    assert import_button(at).label == "Import 10 rows"


def test_importing_the_sample_roster_finishes_the_progress_and_lists_new_sign_ins_with_passwords(app_school):
    db, _ = app_school
    at = choose_file(import_page(), ROSTER)
    import_button(at).click().run()

    assert at.get("progress")[0].value == 100
    assert messages(at, "success") == ["Imported: 10 created, 0 updated, 0 unchanged."]
    sign_ins = next(d.value for d in at.dataframe if "initial password" in d.value.columns)
    assert len(sign_ins) == 5  # the 5 guardians with an address are invited by e-mail instead
    marie = sign_ins.set_index("username").loc["marie.dangelo"]
    assert (marie["role"], marie["name"]) == ("guardian", "D'Angelo, Marie")
    assert accounts.sign_in(db, "marie.dangelo", marie["initial password"])
    assert accounts.user_by_name(db, "marie.dangelo").must_change_password is True
    assert at.download_button(key="import_accounts_csv").label == "Download the new sign-ins (CSV)"


def test_without_smtp_an_import_shows_the_waiting_welcome_links_to_share_by_hand(app_school):
    at = choose_file(import_page(), ROSTER)
    import_button(at).click().run()

    assert any("Their invitations wait, because e-mail is not set up yet" in m for m in messages(at, "warning"))
    invited = next(d.value for d in at.dataframe if "link" in d.value.columns)
    assert len(invited) == 5 and "initial password" not in invited.columns
    assert invited.set_index("username").loc["rosa.garcia", "link"].split("?")[0].endswith("/welcome")
    assert at.download_button(key="import_links_csv").label == "Download the welcome links (CSV)"


def test_the_new_sign_ins_are_gone_once_dismissed(app_school):
    at = choose_file(import_page(), ROSTER)
    import_button(at).click().run()
    at.button(key="import_done").click().run()

    assert not any("initial password" in d.value.columns for d in at.dataframe)
    assert messages(at, "success") == []


def test_choosing_another_file_forgets_the_last_imports_sign_ins(app_school):
    at = choose_file(import_page(), ROSTER)
    import_button(at).click().run()

    choose_file(at, (SAMPLES / "roster-bad.csv").read_bytes(), "roster-bad.csv")

    assert not any("initial password" in d.value.columns for d in at.dataframe)


def test_a_preview_that_changed_before_import_was_pressed_is_not_imported(app_school):
    db, school = app_school
    at = choose_file(import_page(), ROSTER)
    imports.commit_roster(db, school.sam, imports.preview_roster(db, school.sam, ROSTER))  # someone was quicker

    import_button(at).click().run()

    assert any("The preview changed after you pressed Import" in m for m in messages(at, "warning"))
    assert messages(at, "success") == []
    assert "0 to create, 0 to update, 10 unchanged, 0 rejected" in page_text(at)


def test_importing_the_same_roster_again_says_nothing_would_change_and_offers_no_import(app_school):
    db, school = app_school
    imports.commit_roster(db, school.sam, imports.preview_roster(db, school.sam, ROSTER))

    at = choose_file(import_page(), ROSTER)

    assert "0 to create, 0 to update, 10 unchanged, 0 rejected" in page_text(at)
    assert any("Everything in this file is already in PlanTable" in m for m in messages(at, "info"))
    assert import_button(at) is None


def test_a_bad_roster_lists_every_bad_line_with_its_number_and_offers_no_import(app_school):
    db, _ = app_school
    before = students_in(db)

    at = choose_file(import_page(), (SAMPLES / "roster-bad.csv").read_bytes())

    assert any("nothing will be imported until those lines are fixed" in m for m in messages(at, "error"))
    rejected = at.dataframe[0].value
    assert list(rejected["line"]) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "first_name: is required." in list(rejected["reason"])
    assert import_button(at) is None
    assert students_in(db) == before


def test_a_districts_own_column_names_are_matched_and_the_ones_it_cannot_place_are_named(app_school):
    district = b"Pupil Code,Legal First Name,Legal Last Name,Grade Level,Homeroom\n3001,Cleo,Ng,5,Room 4\n"

    at = choose_file(import_page(), district)

    assert column_choice(at, "Legal First Name").value == "first_name"
    assert column_choice(at, "Grade Level").value == "grade"
    assert column_choice(at, "Pupil Code").value == "(ignore)"
    assert any("no column for `student_id` (required)" in m for m in messages(at, "error"))
    assert import_button(at) is None


def test_choosing_a_column_for_one_the_file_names_its_own_way_changes_the_preview(app_school):
    district = b"Pupil Code,Legal First Name,Legal Last Name,Grade Level,Homeroom\n3001,Cleo,Ng,5,Room 4\n"
    at = choose_file(import_page(), district)

    column_choice(at, "Pupil Code").select("student_id").run()

    assert "1 to create, 0 to update, 0 unchanged, 0 rejected" in page_text(at)
    assert "Not imported: Homeroom" in page_text(at)
    assert import_button(at).label == "Import 1 row"


def test_a_column_whose_name_plantable_recognises_can_be_left_out(app_school):
    at = choose_file(import_page(), ROSTER)

    column_choice(at, "course").select("(ignore)").run()

    assert "Not imported: course" in page_text(at)


def test_the_assessments_sample_imports_after_the_roster(app_school):
    db, school = app_school
    imports.commit_roster(db, school.sam, imports.preview_roster(db, school.sam, ROSTER))

    at = choose_file(import_page(), (SAMPLES / "assessments.csv").read_bytes(), "assessments.csv", "assessments")
    assert "10 to create, 0 to update, 0 unchanged, 0 rejected" in page_text(at)
    import_button(at).click().run()

    assert messages(at, "success") == ["Imported: 10 created, 0 updated, 0 unchanged."]
    assert len(imports.preview_assessments(db, school.sam, SAMPLES / "assessments.csv").unchanged) == 10


def test_names_from_the_file_are_shown_as_text_not_markup(app_school):
    hostile = b"student_id,first_name,last_name,grade,**Bold** [x](http://evil.example)\n3001,<b>Cleo</b>,Ng,5,\n"

    at = choose_file(import_page(), hostile)

    label = column_choice(at, "**Bold** [x](http://evil.example)").label
    assert label == r"\*\*Bold\*\* \[x\]\(http\://evil\.example\)"
    assert "<b>Cleo</b>" in at.dataframe[0].value["detail"][0]


@pytest.mark.parametrize("user", ["tia", "gus", "ana"])
def test_a_teacher_parent_or_student_who_opens_the_import_url_gets_home(app_school, user):
    at = app("import", as_user=user).run()
    assert "Import" not in titles(at)
    assert titles(at) == titles(app(as_user=user).run())  # their home page, whatever its title
