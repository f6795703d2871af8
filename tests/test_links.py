"""One-time links (issue 15): a new guardian chooses their own password by a welcome link, a forgotten
password is reset by e-mail without telling anyone whether an account exists, and attendees are sent
a link to read and sign a finalized record. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from plpcore import accounts, links, meetings
from plpcore.errors import InvalidInput, LinkRefused
from plpcore.models import (
    Attendance,
    AttendanceStatus,
    AuditEvent,
    LinkPurpose,
    Meeting,
    Message,
    OneTimeLink,
    User,
    utcnow,
)
from tests.test_imports import SAMPLES, import_roster
from tests.test_meetings_rules import ready_to_sign

NEW_PASSWORD = "a sentence I will remember"


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def _address(db, user_id: int, address: str | None) -> None:
    with db.write() as s:
        s.get_one(User, user_id).email = address


def _reset_link(db, username: str) -> str:
    """The link in the newest reset e-mail to this account."""
    with db.read() as s:
        body = s.scalars(select(Message.body_text).join(User, User.id == Message.user_id)
                         .where(User.username == username, Message.kind == "password reset")
                         .order_by(Message.id.desc())).first()
    return next(word for word in body.split() if "/reset-password?token=" in word)


def _messages(db, kind: str) -> list[Message]:
    with db.read() as s:
        return list(s.scalars(select(Message).where(Message.kind == kind).order_by(Message.id)))


@pytest.fixture
def gus_link(db, school) -> str:
    """A reset link for Gus, a guardian with an address."""
    _address(db, school.gus, "gus@families.example")
    links.request_reset(db, "gus")
    return _reset_link(db, "gus")


# --- the token ------------------------------------------------------------------------------------------


def test_a_link_keeps_only_the_sha256_of_its_token_in_the_database(db, school, gus_link):
    token = _token(gus_link)
    with db.read() as s:
        (row,) = s.scalars(select(OneTimeLink)).all()
        audit_text = " ".join(f"{e.old} {e.new}" for e in s.scalars(select(AuditEvent)))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash and token not in audit_text
    assert row.purpose is LinkPurpose.RESET and row.expires_at - row.created_at == dt.timedelta(hours=1)


def test_a_link_names_its_purpose_only_by_its_page(db, school, gus_link):
    assert gus_link.startswith("http://localhost:8501/reset-password?token=")
    assert "gus" not in gus_link.split("?", 1)[1]


def test_a_reset_link_sets_the_password_and_the_new_one_signs_in(db, school, gus_link):
    used = links.use(db, _token(gus_link), LinkPurpose.RESET, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert used.username == "gus"
    assert accounts.sign_in(db, "gus", NEW_PASSWORD) == school.gus


def test_a_link_works_only_once(db, school, gus_link):
    links.use(db, _token(gus_link), LinkPurpose.RESET, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    with pytest.raises(LinkRefused):
        links.use(db, _token(gus_link), LinkPurpose.RESET, password="another sentence", password_again="another sentence")
    assert accounts.sign_in(db, "gus", NEW_PASSWORD) == school.gus


def test_an_expired_link_is_refused_in_plain_words_and_changes_nothing(db, school, gus_link):
    later = utcnow() + dt.timedelta(hours=1, minutes=1)
    with pytest.raises(LinkRefused) as refused:
        links.use(db, _token(gus_link), LinkPurpose.RESET, password=NEW_PASSWORD, password_again=NEW_PASSWORD,
                  now=later)
    assert str(refused.value) == "This link has expired or was already used. Ask for a new one below."
    assert not links.works(db, _token(gus_link), LinkPurpose.RESET, now=later)
    assert accounts.sign_in(db, "gus", school.password) == school.gus


def test_an_unknown_or_used_link_reads_exactly_like_an_expired_one(db, school, gus_link):
    token = _token(gus_link)
    with pytest.raises(LinkRefused) as unknown:
        links.use(db, token[:-2] + "xy", LinkPurpose.RESET, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    with pytest.raises(LinkRefused) as other_purpose:
        links.use(db, token, LinkPurpose.INVITATION, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    links.use(db, token, LinkPurpose.RESET, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    with pytest.raises(LinkRefused) as used:
        links.use(db, token, LinkPurpose.RESET, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert str(unknown.value) == str(other_purpose.value) == str(used.value)
    assert "gus" not in str(used.value).lower()


def test_two_different_passwords_are_refused_by_field_and_leave_the_link_usable(db, school, gus_link):
    with pytest.raises(InvalidInput) as refused:
        links.use(db, _token(gus_link), LinkPurpose.RESET, password=NEW_PASSWORD, password_again="a sentence I forgot")
    assert refused.value.field == "new password again"
    assert links.works(db, _token(gus_link), LinkPurpose.RESET)


def test_opening_a_link_to_check_it_does_not_use_it(db, school, gus_link):
    assert links.works(db, _token(gus_link), LinkPurpose.RESET)
    assert links.works(db, _token(gus_link), LinkPurpose.RESET)
    with db.read() as s:
        assert s.scalar(select(OneTimeLink.used_at)) is None


def test_using_a_link_is_audited_without_the_password(db, school, gus_link):
    links.use(db, _token(gus_link), LinkPurpose.RESET, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    with db.read() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.actor_id == school.gus)).all()
    assert {(e.action, e.entity, e.field) for e in events} >= {("use link", "one_time_link", "used_at"),
                                                               ("update", "app_user", "password")}
    assert all(NEW_PASSWORD not in f"{e.old} {e.new}" for e in events)


# --- "Forgot your password?" ------------------------------------------------------------------------------


def test_the_reset_answer_is_the_same_sentence_for_an_account_and_for_no_account(db, school):
    _address(db, school.gus, "gus@families.example")
    answers = {links.request_reset(db, who) for who in ("gus", "GUS@families.example", "nobody", "nobody@nowhere.example")}
    assert answers == {links.RESET_ANSWER}


def test_a_reset_email_goes_only_to_an_active_account_with_an_address(db, school):
    _address(db, school.gus, "gus@families.example")
    _address(db, school.gia, "gia@families.example")
    accounts.set_active(db, school.ada, school.gia, False)
    for who in ("gus", "gia", "tia", "nobody"):  # Tia has no address
        links.request_reset(db, who)
    assert [m.to_address for m in _messages(db, "password reset")] == ["gus@families.example"]


def test_a_reset_email_says_the_username_and_carries_the_link(db, school):
    _address(db, school.gus, "gus@families.example")
    links.request_reset(db, "gus@families.example")
    (mail,) = _messages(db, "password reset")
    assert "Your username is: gus" in mail.body_text
    assert _reset_link(db, "gus") in mail.body_text and "If it was not you" in mail.body_text


def test_asking_again_at_once_does_not_send_a_second_reset_email(db, school):
    _address(db, school.gus, "gus@families.example")
    for _ in range(3):
        links.request_reset(db, "gus")
    assert len(_messages(db, "password reset")) == 1


def _median_seconds(db, who: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        links.request_reset(db, who)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_a_reset_request_takes_the_same_time_whether_or_not_the_account_exists(db, school, monkeypatch):
    _address(db, school.gus, "gus@families.example")
    monkeypatch.setattr(links, "RESET_PAUSE", dt.timedelta(0))  # every known request writes a link and a message
    known, unknown = _median_seconds(db, "gus", 5), _median_seconds(db, "nobody.here", 5)
    assert len(_messages(db, "password reset")) == 5
    assert abs(known - unknown) < 0.05, (known, unknown)


# --- invitations -------------------------------------------------------------------------------------------


def test_a_new_guardian_from_a_roster_import_is_emailed_a_welcome_link_and_no_password(db, school):
    result = import_roster(db, school.sam, SAMPLES / "roster.csv")
    assert "rosa.garcia" not in {username for _, username, _, _ in result.new_accounts}
    (mail,) = [m for m in _messages(db, "invitation") if m.to_address == "rosa.garcia@example.net"]
    (invitation,) = [i for i in result.invitations if i.username == "rosa.garcia"]
    assert invitation.link.startswith("http://localhost:8501/welcome?token=") and invitation.link in mail.body_text
    assert "Your username is: rosa.garcia" in mail.body_text
    assert "initial password" not in mail.body_text.lower()


def test_an_invited_guardian_cannot_sign_in_until_they_choose_a_password_by_the_link(db, school):
    result = import_roster(db, school.sam, SAMPLES / "roster.csv")
    (invitation,) = [i for i in result.invitations if i.username == "rosa.garcia"]
    with db.read() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "rosa.garcia"))
    assert not accounts.password_matches("", stored) and not accounts.password_matches(stored, stored)
    links.use(db, _token(invitation.link), LinkPurpose.INVITATION, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert accounts.sign_in(db, "rosa.garcia", NEW_PASSWORD)
    assert accounts.user_by_name(db, "rosa.garcia").must_change_password is False


def test_a_new_guardian_without_an_address_still_gets_an_initial_password(db, school):
    result = import_roster(db, school.sam, SAMPLES / "roster.csv")
    assert "marie.dangelo" in {username for _, username, _, _ in result.new_accounts}
    assert "marie.dangelo" not in {i.username for i in result.invitations}


def test_without_smtp_an_import_says_its_invitations_wait(db, school, monkeypatch):
    monkeypatch.delenv("PLP_SMTP_URL", raising=False)
    monkeypatch.setattr(links.outbox, "smtp_settings", lambda: None)
    assert import_roster(db, school.sam, SAMPLES / "roster.csv").mail_waiting is True


def test_an_admin_adding_a_person_with_an_address_invites_them_instead_of_setting_a_password(db, school):
    made = accounts.add_person(db, school.ada, username="nia", display_name="Nia Teacher", kind="teacher",
                               email="nia@lincoln.example")
    assert made.invitation is not None and made.invitation.email == "nia@lincoln.example"
    assert [m.to_address for m in _messages(db, "invitation")] == ["nia@lincoln.example"]


def test_an_admin_giving_both_an_address_and_a_password_is_told_to_leave_the_password_empty(db, school):
    with pytest.raises(InvalidInput) as refused:
        accounts.add_person(db, school.ada, username="nia", display_name="Nia Teacher", kind="teacher",
                            email="nia@lincoln.example", password="long enough")
    assert refused.value.field == "initial password"


def test_an_admin_adding_a_person_without_an_address_sets_their_initial_password(db, school):
    made = accounts.add_person(db, school.ada, username="nia", display_name="Nia Teacher", kind="teacher",
                               password="long enough")
    assert made.invitation is None and accounts.sign_in(db, "nia", "long enough") == made.user_id


def test_an_expired_welcome_link_is_replaced_by_asking_for_a_reset(db, school):
    made = accounts.add_person(db, school.ada, username="nia", display_name="Nia Teacher", kind="teacher",
                               email="nia@lincoln.example")
    assert made.invitation is not None
    assert not links.works(db, _token(made.invitation.link), LinkPurpose.INVITATION, now=utcnow() + dt.timedelta(days=8))
    links.request_reset(db, "nia")
    links.use(db, _token(_reset_link(db, "nia")), LinkPurpose.RESET, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert accounts.sign_in(db, "nia", NEW_PASSWORD) == made.user_id


# --- read-and-sign links ------------------------------------------------------------------------------------


def _with_addresses(db, school) -> None:
    for uid in (school.sam, school.tia, school.gus, school.ana):
        with db.write() as s:
            user = s.get_one(User, uid)
            user.email = f"{user.username}@families.example"


def _finalize(db, school) -> int:
    """Ana's annual review, finalized with Sam and Tia signed at the meeting; Gus, present, has not signed."""
    meeting = ready_to_sign(db, school)
    meetings.sign(db, school.sam, meeting)
    meetings.sign(db, school.tia, meeting)
    meetings.finalize(db, school.sam, meeting)
    return meeting


@pytest.fixture
def finalized(db, school) -> int:
    """_finalize, everyone with an address."""
    _with_addresses(db, school)
    return _finalize(db, school)


def _queue_sign_links(db, meeting_id: int) -> int:
    with db.write() as s:
        return links.queue_sign_links(s, s.get_one(Meeting, meeting_id), utcnow())


def test_finalizing_sends_sign_links_only_to_attendees_who_have_not_signed(db, school, finalized):
    with db.read() as s:
        unsigned = set(s.scalars(select(User.email).join(Attendance, Attendance.user_id == User.id).where(
            Attendance.meeting_id == finalized, Attendance.status == AttendanceStatus.PRESENT,
            Attendance.signed_at.is_(None))))
    assert "gus@families.example" in unsigned and "sam@families.example" not in unsigned
    assert {m.to_address for m in _messages(db, "sign record")} == unsigned


def test_a_sign_link_is_not_sent_to_someone_who_chose_no_notices_by_email(db, school):
    _with_addresses(db, school)
    with db.write() as s:
        s.get_one(User, school.gus).email_notices = False
    _finalize(db, school)
    assert "gus@families.example" not in {m.to_address for m in _messages(db, "sign record")}


def test_sign_links_are_queued_once_however_often_they_are_asked_for(db, school, finalized):
    assert _queue_sign_links(db, finalized) == 0  # finalizing queued them
    with db.read() as s:
        assert s.scalar(select(func.count(OneTimeLink.id)).where(OneTimeLink.purpose == LinkPurpose.SIGN)) == len(
            _messages(db, "sign record"))


def test_a_sign_link_names_the_meeting_to_read_and_works_once(db, school, finalized):
    (mail,) = [m for m in _messages(db, "sign record") if m.to_address == "gus@families.example"]
    token = _token(next(word for word in mail.body_text.split() if "/sign-record?token=" in word))
    used = links.use(db, token, LinkPurpose.SIGN)
    assert (used.user_id, used.meeting_id) == (school.gus, finalized)
    with pytest.raises(LinkRefused):
        links.use(db, token, LinkPurpose.SIGN)
