"""A finalized meeting's record in AppTest: every record of the demo school opens for each person of
its team, with its PDF and JSON, and a record stored in the older shape does too; a parent's
signature after finalizing shows on the screen and in the downloads."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from plpcore import demo, meetings
from plpcore.db import Database, init_schema
from plpcore.models import Link, Meeting, MeetingStatus, Plan, Relationship, Student, User
from tests.app_support import COOKIE_KEY, app, database_copy, page_text
from tests.conftest import pdf_text
from tests.test_meetings_rules import ready_to_sign
from tests.test_records import version_1
from ui.session import database

ROLES = ("specialist", "teacher", "guardian", "student")


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    """The demo school, built once for the module; each test opens its own copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = Database(f"sqlite:///{path}")
    init_schema(db)
    school = demo.build_school(db, students=86)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path, school


@pytest.fixture
def demo_app(demo_template, tmp_path, monkeypatch) -> Database:
    path = tmp_path / "app.db"
    shutil.copy(demo_template[0], path)
    monkeypatch.setenv("PLP_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("PLP_COOKIE_KEY", COOKIE_KEY)
    yield Database(f"sqlite:///{path}")
    database().dispose()


@pytest.fixture
def downloads(monkeypatch) -> dict[str, Callable]:
    """What each download button made on demand hands the browser when clicked, by its file id: the
    callable Streamlit registered (the app's own, called as a click would)."""
    made: dict[str, Callable] = {}
    register = MediaFileManager.add_deferred

    def keep(self, data_callable, *args, **kwargs):
        file_id = register(self, data_callable, *args, **kwargs)
        made[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return made


def record_room(meeting: int, username: str) -> AppTest:
    return app("meeting", as_user=username, query={"meeting": str(meeting)}).run()


def download(at: AppTest, made: dict[str, Callable], key: str) -> bytes:
    data = made[at.download_button(key=key).proto.deferred_file_id]()
    return data.encode() if isinstance(data, str) else data


def the_team(db: Database) -> list[tuple[int, dict[str, str | None]]]:
    """Every finalized demo meeting, with the username of someone in each role on its student's team
    (the first linked teacher and parent, the student's own sign-in if they have one)."""
    with db.read() as s:
        rows = s.execute(select(Meeting.id, Plan.student_id).join(Plan, Plan.id == Meeting.plan_id)
                         .where(Meeting.status == MeetingStatus.FINALIZED).order_by(Meeting.id)).all()
        links = s.execute(select(Link.student_id, Link.relationship, User.username).join(User, User.id == Link.user_id)
                          .where(Link.active.is_(True)).order_by(Link.id)).all()
        logins = dict(s.execute(select(Student.id, User.username).join(User, User.id == Student.user_id)).all())
    team = []
    for meeting, student in rows:
        people: dict[str, str | None] = {"student": logins.get(student)}
        for role in (Relationship.SPECIALIST, Relationship.TEACHER, Relationship.GUARDIAN):
            people[str(role)] = next(u for sid, rel, u in links if sid == student and rel is role)
        team.append((meeting, people))
    return team


@pytest.mark.parametrize("role", ROLES)
def test_every_finalized_demo_record_opens_with_its_pdf_and_json_for_each_person_of_the_team(demo_app, downloads,
                                                                                              role):
    """The PDF is made from the record alone, the same for everyone who may open it: each record's is
    made once across the four runs (a quarter of the records each), and every run finds its button."""
    team = the_team(demo_app)
    assert len(team) > 50
    failures, opened = [], 0
    for i, (meeting, people) in enumerate(team):
        username = people[role]
        if username is None:  # a student without a sign-in
            continue
        at = record_room(meeting, username)
        try:
            assert not at.exception, [e.value for e in at.exception]
            assert "Who attended, and who signed" in page_text(at)
            maker = ROLES[i % len(ROLES)]
            if role == (maker if people[maker] else "specialist"):  # a student without a sign-in: the specialist
                assert download(at, downloads, "meeting_record_pdf").startswith(b"%PDF")
            else:
                assert at.download_button(key="meeting_record_pdf").proto.deferred_file_id in downloads
            assert json.loads(download(at, downloads, "meeting_record_json"))["snapshot"]["meeting"]["id"] == meeting
        except (AssertionError, KeyError) as failure:
            failures.append(f"meeting {meeting} as {username}: {failure!r}"[:300])
        opened += 1
    assert failures == []
    assert opened > 20


@pytest.fixture
def small_school(tmp_path, monkeypatch) -> SimpleNamespace:
    db, school = database_copy(tmp_path, monkeypatch)
    yield SimpleNamespace(**vars(school), db=db)
    database().dispose()


@pytest.mark.parametrize("who", ["sam", "tia", "gus", "ana"])
def test_a_record_stored_in_the_older_shape_opens_with_its_pdf_and_json(small_school, downloads, who):
    meeting = version_1(small_school.db, small_school, "demo")

    at = record_room(meeting, who)

    assert not at.exception, [e.value for e in at.exception]
    shown = page_text(at)
    assert "Scheduled for Thursday, October 1, 2026 at 15:00 MDT." in shown
    assert "Ana: finish the 6th-grade math unit (status not recorded)" in shown
    assert "Tia (teacher): present, in person; signed" in shown
    assert "Reviewed strengths first." in shown
    assert "Tia (teacher): present, in person; signed" in " ".join(pdf_text(download(
        at, downloads, "meeting_record_pdf")).split())
    assert json.loads(download(at, downloads, "meeting_record_json"))["snapshot"]["version"] == 1


def test_a_parent_signs_a_finalized_record_and_sees_their_signature_on_it_and_in_its_downloads(small_school,
                                                                                             downloads):
    meeting = ready_to_sign(small_school.db, small_school)
    meetings.finalize(small_school.db, small_school.sam, meeting)
    at = record_room(meeting, "gus")
    assert "Gus (guardian): present, in person; not signed yet" in page_text(at)

    at.button(key="meeting_sign").click().run()

    assert not at.exception, [e.value for e in at.exception]
    shown = page_text(at)
    line = next(x for x in shown.splitlines() if x.startswith("Gus (guardian)"))
    assert line.startswith("Gus (guardian): present, in person; signed ") and line.endswith(
        ", after the record was finalized")
    assert "meeting_sign" not in [b.key for b in at.button]
    signature = json.loads(download(at, downloads, "meeting_record_json"))["signatures"][-1]
    assert (signature["name"], signature["after_finalizing"]) == ("Gus", True)
    pdf = " ".join(pdf_text(download(at, downloads, "meeting_record_pdf")).split())
    assert "Gus (guardian): present, in person; signed" in pdf and "after the record was finalized" in pdf


def test_the_meetings_notes_show_on_the_summary_to_sign_and_on_the_finalized_record(small_school):
    db = small_school.db
    meeting = ready_to_sign(db, small_school)
    version = meetings.meeting_state(db, small_school.sam, meeting)["version"]
    meetings.set_next_steps(db, small_school.sam, meeting, version, notes="Ana leads the spring showcase.")
    assert "Ana leads the spring showcase." in [t.value for t in record_room(meeting, "gus").text]

    meetings.finalize(db, small_school.sam, meeting)

    assert "Ana leads the spring showcase." in [t.value for t in record_room(meeting, "gus").text]
