"""Reminders (`python -m plpcore send-due`): parents, teachers and attendees are nudged once, by
e-mail through a real SMTP server, and never about a student they are not linked to."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from plpcore import meetings, outbox, reminders, services
from plpcore.access import roles_toward
from plpcore.db import ROOT
from plpcore.models import Attendance, Goal, Link, Meeting, Message, ProposedBy, School, Student, Support, User

NOW = dt.datetime(2026, 12, 3, 15, 0)  # UTC: 08:00 in Denver, a Thursday in the second quarter


@pytest.fixture
def team(db, school):
    """Ana's team with addresses; Tia owes Ana a support that was last logged three weeks ago."""
    with db.write() as s:
        for uid in (school.sam, school.tia, school.gus, school.gia, school.tom):
            user = s.get(User, uid)
            user.email = f"{user.username}@families.example"
        s.get(Goal, school.ana_goal).proposed_by = ProposedBy.STUDENT
    support = services.propose_support(db, school.sam, school.ana_plan, description="Pre-teach the next unit's vocabulary",
                                       setting="classroom", owner_user_id=school.tia, frequency="weekly")
    with db.read() as s:
        version = s.get(Support, support).version
    services.set_support_status(db, school.sam, support, "agreed", version)
    services.log_support(db, school.tia, support, done_on=dt.date(2026, 11, 10))
    school.support = support
    return school


def _deliver(db, inbox) -> None:
    outbox.send(db, outbox.Smtp.from_url(inbox.url))


def test_a_parent_gets_a_home_check_in_naming_each_goal_with_a_question_to_ask(db, team, inbox):
    reminders.send_due(db, NOW)
    _deliver(db, inbox)
    (mail,) = inbox.to("gus@families.example")
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Home check-in" in text
    assert "Ana's goals\n- Ana: finish the 6th-grade math unit" in text
    assert "Ask Ana: why did you choose this goal?" in text


def test_a_teacher_gets_the_supports_they_owe_with_the_ones_not_logged_for_two_weeks_first(db, team, inbox):
    fresh = services.propose_support(db, team.sam, team.ana_plan, description="Check the enrichment folder",
                                     setting="classroom", owner_user_id=team.tia, frequency="weekly")
    with db.read() as s:
        version = s.get(Support, fresh).version
    services.set_support_status(db, team.sam, fresh, "agreed", version)
    services.log_support(db, team.tia, fresh, done_on=dt.date(2026, 12, 1))
    reminders.send_due(db, NOW)
    _deliver(db, inbox)
    (mail,) = inbox.to("tia@families.example")
    text = mail.get_body(("plain",)).get_content()
    assert text.index("Pre-teach the next unit's vocabulary (weekly), last logged November 10") < text.index(
        "Check the enrichment folder (weekly), last logged December 1")


def test_send_due_twice_in_a_row_sends_nothing_the_second_time(db, team, inbox):
    first = reminders.send_due(db, NOW)
    second = reminders.send_due(db, NOW + dt.timedelta(minutes=5))
    assert first["messages"] >= 2
    assert second == {"messages": 0, "items": 0}


def test_the_next_day_nobody_is_reminded_again_of_the_same_check_in_or_week(db, team):
    reminders.send_due(db, NOW)
    assert reminders.send_due(db, NOW + dt.timedelta(days=1)) == {"messages": 0, "items": 0}


def test_the_next_week_a_teacher_gets_a_new_digest_and_a_parent_no_second_check_in(db, team):
    reminders.send_due(db, NOW)
    reminders.send_due(db, NOW + dt.timedelta(days=7))
    with db.read() as s:
        got = [(m.to_address, m.subject) for m in s.scalars(select(Message).order_by(Message.id))]
    assert got.count(("tia@families.example", "PlanTable: supports you owe this week")) == 2
    assert [a for a, _ in got].count("gus@families.example") == 1


def test_a_parent_who_stopped_the_e_mails_gets_nothing(db, team, inbox):
    reminders.send_due(db, NOW)
    _deliver(db, inbox)
    (mail,) = inbox.to("gus@families.example")
    token = mail.get_body(("plain",)).get_content().split("stop-emails?token=")[1].split()[0]
    assert reminders.stop_emails(db, token)
    with db.read() as s:
        gus = s.get(User, team.gus)
        assert gus.email_reminders is False and gus.email_choice_at is not None
    reminders.send_due(db, NOW + dt.timedelta(days=90))  # the next reporting period
    _deliver(db, inbox)
    assert len(inbox.to("gus@families.example")) == 1


def test_a_stop_link_of_nobody_changes_nothing(db, team):
    assert reminders.stop_emails(db, "not-a-real-token") is False
    with db.read() as s:
        assert all(u.email_reminders for u in s.scalars(select(User)))


def test_a_guardian_no_longer_linked_gets_no_reminder_about_the_student(db, team):
    with db.write() as s:
        s.scalars(select(Link).where(Link.user_id == team.gus)).one().active = False
    reminders.send_due(db, NOW)
    with db.read() as s:
        assert s.scalars(select(Message).where(Message.user_id == team.gus)).all() == []


def test_every_reminder_is_about_students_its_reader_is_linked_to(db, team):
    """As the access matrix: each person due a reminder, each thing in it, checked by plpcore.access."""
    meetings.schedule_meeting(db, team.sam, team.ana_plan, kind="check-in", scheduled_at=dt.datetime(2026, 12, 4, 15, 30))
    meetings.schedule_meeting(db, team.pat, team.ben_plan, kind="check-in", scheduled_at=dt.datetime(2026, 12, 4, 9, 0))
    with db.read() as s:
        school = s.scalars(select(School)).one()
        people = reminders.due(s, school, dt.date(2026, 12, 3), NOW)
        checked = 0
        for person in people.values():
            user = s.get(User, person.id)
            for items in person.items.values():
                for item in items:
                    assert roles_toward(s, user, s.get(Student, item.student_id)), (user.username, item.key)
                    checked += 1
        assert {s.get(User, uid).username for uid in people} == {"gus", "gia", "tia", "tom", "sam"}
        assert checked >= 8


def test_a_meeting_tomorrow_reaches_everyone_invited_in_one_e_mail_with_their_other_reminders(db, team, inbox):
    meeting = meetings.schedule_meeting(db, team.sam, team.ana_plan, kind="check-in",
                                        scheduled_at=dt.datetime(2026, 12, 4, 15, 30), location="Room 12")
    with db.write() as s:  # the invitations themselves are not what this test reads
        for m in s.scalars(select(Message).where(Message.kind != reminders.KIND)):
            s.delete(m)
    reminders.send_due(db, NOW)
    _deliver(db, inbox)
    (mail,) = inbox.to("gus@families.example")
    text = mail.get_body(("plain",)).get_content()
    assert "Ana's check-in meeting is tomorrow at 15:30 (Room 12)." in text
    assert f"/meeting?meeting={meeting}" in text
    assert "Home check-in" in text  # the same e-mail: at most one a day


def test_a_record_left_unsigned_for_two_days_is_a_reminder_to_each_attendee_who_has_not_signed(db, team):
    meeting = meetings.schedule_meeting(db, team.sam, team.ana_plan, kind="check-in",
                                        scheduled_at=dt.datetime(2026, 11, 20, 15, 30))
    with db.write() as s:
        m = s.get(Meeting, meeting)
        m.status, m.finalized_at = "finalized", dt.datetime(2026, 11, 30, 12, 0)
        for row in s.scalars(select(Attendance).where(Attendance.meeting_id == meeting)):
            row.status = "present"
            if row.user_id == team.sam:
                row.signed_at = dt.datetime(2026, 11, 20, 16, 0)
    reminders.send_due(db, NOW)
    with db.read() as s:
        waiting = {s.get(User, m.user_id).username for m in s.scalars(select(Message).where(Message.kind == reminders.KIND))
                   if "waiting for you to read and sign" in m.body_text}
    assert "gus" in waiting and "sam" not in waiting


def test_send_due_from_the_command_line_queues_and_says_how_many(db, team):
    result = subprocess.run([sys.executable, "-m", "plpcore", "send-due", "--db", db.url], cwd=ROOT,
                            env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("queued ")
    again = subprocess.run([sys.executable, "-m", "plpcore", "send-due", "--db", db.url], cwd=ROOT,
                           env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert again.stdout.startswith("queued 0 reminder e-mails")


def test_send_due_sends_as_many_sql_statements_for_a_big_school_as_for_a_small_one(tmp_path):
    from bench.sql import count_statements
    from plpcore import demo
    from plpcore.db import Database, init_schema

    statements, queued = [], []
    for students in (10, 60):
        db = Database(f"sqlite:///{tmp_path / f'{students}.db'}")
        init_schema(db)
        demo.build_school(db, students=students)
        with count_statements(db) as seen:
            queued.append(reminders.send_due(db, NOW)["messages"])
        statements.append(len(seen))
        db.dispose()
    assert queued[1] > queued[0] > 0
    assert statements[0] == statements[1]
