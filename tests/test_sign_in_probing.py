"""Password sign-in a district can trust (issue 18): every refusal reads the same, failures slow
down the address they come from and never lock an account's owner out of their own devices, and
every refusal is audited with its address. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from plpcore import accounts
from plpcore.models import AuditEvent, SignInAttempt, User, utcnow

ATTACKER, TEACHERS_LAPTOP, TEACHERS_PHONE = "203.0.113.9", "198.51.100.20", "198.51.100.21"


def refusal(db, username: str, password: str, address: str = ATTACKER, now: dt.datetime | None = None) -> str:
    with pytest.raises(accounts.SignInRefused) as refused:
        accounts.sign_in(db, username, password, address, now=now)
    return str(refused.value)


def test_an_unknown_user_a_wrong_password_a_disabled_account_and_a_waiting_address_read_the_same(db, school):
    accounts.set_active(db, school.ada, school.tom, False)
    answers = {
        refusal(db, "nobody-here", school.password, "192.0.2.1"),
        refusal(db, "tia", "wrong horse!", "192.0.2.2"),
        refusal(db, "tom", school.password, "192.0.2.3"),
    }
    for _ in range(accounts.FREE_FAILURES):
        refusal(db, "tia", "wrong horse!", "192.0.2.4")
    answers.add(refusal(db, "tia", school.password, "192.0.2.4"))
    assert answers == {accounts.REFUSED}


def test_an_address_that_failed_five_times_must_wait_even_with_the_right_password(db, school):
    for _ in range(accounts.FREE_FAILURES):
        refusal(db, "tia", "wrong horse!")
    refusal(db, "tia", school.password)


def test_a_waiting_address_may_try_again_once_its_wait_is_over(db, school):
    start = utcnow()
    for _ in range(accounts.FREE_FAILURES):
        refusal(db, "tia", "wrong horse!", now=start)
    later = start + accounts.FIRST_WAIT + dt.timedelta(seconds=1)
    assert accounts.sign_in(db, "tia", school.password, ATTACKER, now=later) == school.tia


def test_thirty_wrong_passwords_from_one_address_leave_the_teacher_free_to_sign_in_from_another(db, school):
    for _ in range(30):
        refusal(db, "tia", "wrong horse!")
    assert accounts.sign_in(db, "tia", school.password, TEACHERS_LAPTOP) == school.tia


def test_every_refusal_is_audited_with_its_address(db, school):
    for _ in range(30):
        refusal(db, "tia", "wrong horse!")
    with db.read() as s:
        rows = s.execute(select(AuditEvent.new, AuditEvent.old).where(AuditEvent.action == "sign-in refused")).all()
    assert len(rows) == 30
    assert {new for new, _ in rows} == {ATTACKER}
    assert {old for _, old in rows} == {"wrong password", "must wait"}


def test_an_unknown_username_is_audited_too_without_an_account(db, school):
    refusal(db, "no-such-person", "anything at all")
    with db.read() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "sign-in refused"))
        attempt = s.get(SignInAttempt, event.entity_id)
    assert (event.actor_id, event.old, event.new) == (None, "no such account", ATTACKER)
    assert attempt.username == "no-such-person"


def test_an_account_tried_from_many_addresses_still_lets_in_a_device_it_signed_in_from(db, school):
    accounts.sign_in(db, "tia", school.password, TEACHERS_LAPTOP)
    for n in range(accounts.MANY_ADDRESSES):
        refusal(db, "tia", "wrong horse!", f"203.0.113.{n + 1}")
    assert accounts.sign_in(db, "tia", school.password, TEACHERS_LAPTOP) == school.tia


def test_an_account_tried_from_many_addresses_makes_a_new_address_wait(db, school):
    accounts.sign_in(db, "tia", school.password, TEACHERS_LAPTOP)
    for n in range(accounts.MANY_ADDRESSES):
        refusal(db, "tia", "wrong horse!", f"203.0.113.{n + 1}")
    refusal(db, "tia", school.password, TEACHERS_PHONE)


def test_failures_never_lock_the_account_itself(db, school):
    for _ in range(30):
        refusal(db, "TIA", "wrong horse!")
    with db.read() as s:
        tia = s.get(User, school.tia)
    assert tia.locked_until is None
    assert accounts.sign_in(db, "tia", school.password, TEACHERS_PHONE) == school.tia


def test_a_changed_password_ends_the_accounts_other_sign_ins(db, school):
    before = utcnow()
    accounts.change_password(db, school.tia, school.password, "a brand new sentence")
    assert accounts.cookie_revoked(accounts.user_by_name(db, "tia"), before)


def test_a_reset_password_ends_the_accounts_sign_ins(db, school):
    before = utcnow()
    accounts.reset_password(db, school.sam, school.tia, "a temporary sentence")
    assert accounts.cookie_revoked(accounts.user_by_name(db, "tia"), before)
