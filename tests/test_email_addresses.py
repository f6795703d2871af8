"""E-mail addresses are checked by their form (email-validator, no DNS lookup) wherever they come in."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from plpcore import accounts, imports
from plpcore.errors import InvalidInput
from plpcore.models import User


def _roster(*emails: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student_id", "first_name", "last_name", "grade", "guardian_username", "guardian_name",
                     "guardian_email"])
    for i, address in enumerate(emails):
        writer.writerow([f"40{i:02d}", "Cleo", f"Ng{i}", "5", f"parent{i}", f"Parent {i}", address])
    return out.getvalue().encode()


def test_a_roster_line_with_a_malformed_guardian_address_is_rejected_by_line_and_column(db, school):
    preview = imports.preview_roster(db, school.sam, _roster("ok.parent@families.example", "parent@@families.example"))
    assert [line for line, _ in preview.rejected] == [3]
    assert "guardian_email" in preview.rejected[0][1] and "not an e-mail address" in preview.rejected[0][1]


def test_a_roster_with_a_malformed_address_writes_nothing(db, school):
    preview = imports.preview_roster(db, school.sam, _roster("ok.parent@families.example", "no-at-sign.example"))
    with db.read() as s:
        before = s.scalars(select(User.username)).all()
    with pytest.raises(InvalidInput):
        imports.commit_roster(db, school.sam, preview)
    with db.read() as s:
        assert s.scalars(select(User.username)).all() == before


def test_an_account_form_refuses_a_malformed_address_naming_the_field(db, school):
    with pytest.raises(InvalidInput) as refused:
        accounts.create_user(db, school.sam, username="newteacher", display_name="New Teacher",
                             password="a long password", kind="teacher", email="new teacher at school")
    assert "email" in str(refused.value) and "not an e-mail address" in str(refused.value)


def test_an_address_is_kept_in_its_normalized_spelling(db, school):
    uid = accounts.create_user(db, school.sam, username="newteacher", display_name="New Teacher",
                               password="a long password", kind="teacher", email="New.Teacher@Lincoln.EXAMPLE")
    with db.read() as s:
        assert s.get(User, uid).email == "New.Teacher@lincoln.example"
