"""School sign-in (OIDC) links, on SQLite and PostgreSQL: an identity reaches an account by (issuer, subject),
is linked on first use only by a verified e-mail naming one active account, and an admin sees and removes links."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from plpcore import accounts, identities
from plpcore.accounts import SignInRefused
from plpcore.errors import NotAllowed
from plpcore.models import AuditEvent, Identity, User, utcnow

ISSUER = "https://login.district.example/tenant"
OTHER_ISSUER = "https://accounts.other.example"


@pytest.fixture
def people(db, school):
    """conftest's school, with the e-mail addresses the district's provider knows its people by."""
    school.db = db
    with school.db.write() as s:
        for user_id, email in ((school.tia, "tia@lincoln.example"), (school.tom, "tom@lincoln.example"),
                               (school.gus, "gus@home.example"), (school.sam, "sam@lincoln.example")):
            s.get_one(User, user_id).email = email
    return school


def sign_in(db, subject: str, email: str | None = "tia@lincoln.example", verified: object = True,
            issuer: str = ISSUER, issued_at: dt.datetime | None = None) -> int:
    return identities.sign_in(db, issuer=issuer, subject=subject, email=email, email_verified=verified,
                              issued_at=issued_at or utcnow())


def identity_rows(db) -> list[tuple]:
    with db.read() as s:
        return s.execute(select(Identity.user_id, Identity.issuer, Identity.subject).order_by(Identity.id)).all()


def events(db, action: str) -> list:
    with db.read() as s:
        return s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_a_verified_email_links_the_identity_to_its_account_on_first_use(people):
    assert sign_in(people.db, "tia-sub") == people.tia
    assert identity_rows(people.db) == [(people.tia, ISSUER, "tia-sub")]


def test_a_linked_identity_signs_in_by_issuer_and_subject_even_when_its_email_changes(people):
    sign_in(people.db, "tia-sub")
    assert sign_in(people.db, "tia-sub", email="tom@lincoln.example") == people.tia
    assert sign_in(people.db, "tia-sub", email=None, verified=False) == people.tia
    assert len(identity_rows(people.db)) == 1


def test_the_same_subject_from_another_issuer_is_another_identity(people):
    sign_in(people.db, "shared-sub")
    with pytest.raises(SignInRefused, match=identities.NOT_LINKED):
        sign_in(people.db, "shared-sub", email="nobody@other.example", issuer=OTHER_ISSUER)
    assert sign_in(people.db, "shared-sub", email="tom@lincoln.example", issuer=OTHER_ISSUER) == people.tom


@pytest.mark.parametrize("verified", [False, None, "true", 1])
def test_an_email_that_is_not_verified_never_links(people, verified):
    with pytest.raises(SignInRefused) as refused:
        sign_in(people.db, "tia-sub", verified=verified)
    assert str(refused.value) == "Ask your school's specialist to add you."
    assert identity_rows(people.db) == []


def test_the_email_matches_whatever_its_case(people):
    assert sign_in(people.db, "tia-sub", email="  Tia@LINCOLN.example ") == people.tia


def test_an_email_matching_two_accounts_links_neither(people):
    with people.db.write() as s:
        s.get_one(User, people.pat).email = "TIA@lincoln.example"
    with pytest.raises(SignInRefused, match=identities.NOT_LINKED):
        sign_in(people.db, "tia-sub")
    assert identity_rows(people.db) == []


def test_a_disabled_account_is_not_linked_and_its_link_signs_nobody_in(people):
    sign_in(people.db, "tom-sub", email="tom@lincoln.example")
    accounts.set_active(people.db, people.ada, people.tom, False)
    with pytest.raises(SignInRefused, match=identities.NOT_LINKED):
        sign_in(people.db, "tom-sub", email="tom@lincoln.example")
    accounts.set_active(people.db, people.ada, people.tia, False)
    with pytest.raises(SignInRefused, match=identities.NOT_LINKED):
        sign_in(people.db, "tia-sub")
    assert [row.subject for row in identity_rows(people.db)] == ["tom-sub"]


def test_a_family_account_is_not_linked_by_the_schools_provider(people):
    with pytest.raises(SignInRefused, match=identities.NOT_LINKED):
        sign_in(people.db, "gus-sub", email="gus@home.example")
    assert identity_rows(people.db) == []


def test_an_identity_matching_no_account_gets_no_account_and_its_refusal_is_audited(people):
    with people.db.read() as s:
        users_before = s.scalar(select(func.count(User.id)))
    with pytest.raises(SignInRefused, match=identities.NOT_LINKED):
        sign_in(people.db, "stranger-sub", email="stranger@lincoln.example")
    with people.db.read() as s:
        assert s.scalar(select(func.count(User.id))) == users_before
    [refusal] = events(people.db, "sign-in refused")
    assert (refusal.entity, refusal.actor_id, refusal.new) == ("identity", None, f"{ISSUER} stranger-sub")


def test_linking_is_audited_as_the_accounts_own_act(people):
    sign_in(people.db, "tia-sub")
    [created] = [e for e in events(people.db, "create") if e.entity == "identity"]
    assert (created.actor_id, created.new) == (people.tia, f"{ISSUER} tia-sub")
    assert [e.actor_id for e in events(people.db, "sign-in")] == [people.tia]


def test_a_sign_in_made_before_the_account_signed_out_is_not_accepted(people):
    before = utcnow() - dt.timedelta(minutes=5)
    sign_in(people.db, "tia-sub", issued_at=before)
    accounts.sign_out(people.db, people.tia)
    with pytest.raises(SignInRefused, match="signed out"):
        sign_in(people.db, "tia-sub", issued_at=before)
    assert identities.account_for(people.db, issuer=ISSUER, subject="tia-sub", issued_at=before) is None
    later = utcnow() + dt.timedelta(seconds=1)
    assert sign_in(people.db, "tia-sub", issued_at=later) == people.tia
    assert identities.account_for(people.db, issuer=ISSUER, subject="tia-sub", issued_at=later).id == people.tia


def test_an_admin_lists_the_schools_links(people):
    sign_in(people.db, "tia-sub")
    sign_in(people.db, "tom-sub", email="tom@lincoln.example")
    listed = identities.linked_identities(people.db, people.ada).rows
    assert [(row["username"], row["subject"], row["email"]) for row in listed] == [
        ("tom", "tom-sub", "tom@lincoln.example"), ("tia", "tia-sub", "tia@lincoln.example")]
    assert all(row["last_used_at"] is not None for row in listed)


def test_an_admins_search_finds_a_school_sign_in_by_part_of_its_e_mail(people):
    sign_in(people.db, "tia-sub")
    sign_in(people.db, "tom-sub", email="tom@lincoln.example")
    found = identities.linked_identities(people.db, people.ada, "TOM@lin")
    assert ([row["subject"] for row in found.rows], found.total) == (["tom-sub"], 1)


def test_an_admin_removes_a_link_and_the_removal_is_audited(people):
    sign_in(people.db, "tia-sub")
    [link] = identities.linked_identities(people.db, people.ada).rows
    identities.remove_link(people.db, people.ada, link["id"])
    assert identity_rows(people.db) == []
    assert identities.account_for(people.db, issuer=ISSUER, subject="tia-sub", issued_at=utcnow()) is None
    [removed] = events(people.db, "delete")
    assert (removed.entity, removed.entity_id, removed.actor_id, removed.old) == (
        "identity", link["id"], people.ada, f"{ISSUER} tia-sub")


def test_a_removed_link_is_made_again_only_by_a_verified_email(people):
    sign_in(people.db, "tia-sub")
    identities.remove_link(people.db, people.ada, identities.linked_identities(people.db, people.ada).rows[0]["id"])
    with pytest.raises(SignInRefused):
        sign_in(people.db, "tia-sub", verified=False)
    assert sign_in(people.db, "tia-sub") == people.tia


@pytest.mark.parametrize("who", ["sam", "tia", "gus", "ana"])
def test_someone_who_is_not_an_admin_can_neither_list_nor_remove_links(people, who):
    sign_in(people.db, "tia-sub")
    with people.db.read() as s:
        link_id = s.scalar(select(Identity.id))
    actor = getattr(people, who)
    with pytest.raises(NotAllowed):
        identities.linked_identities(people.db, actor)
    with pytest.raises(NotAllowed):
        identities.remove_link(people.db, actor, link_id)
    assert len(identity_rows(people.db)) == 1
    assert [(e.actor_id, e.entity) for e in events(people.db, "denied")] == [(actor, "identity")] * 2


def test_a_disabled_admin_cannot_remove_links(people):
    sign_in(people.db, "tia-sub")
    with people.db.write() as s:
        s.execute(update(User).where(User.id == people.ada).values(active=False))
    with pytest.raises(NotAllowed):
        identities.remove_link(people.db, people.ada, 1)
    assert len(identity_rows(people.db)) == 1


@pytest.mark.parametrize("link_id", [424242, "1", None, -1, 10**30])
def test_a_link_id_that_is_no_link_is_refused_like_a_forbidden_one(people, link_id):
    sign_in(people.db, "tia-sub")
    with pytest.raises(NotAllowed):
        identities.remove_link(people.db, people.ada, link_id)
    assert len(identity_rows(people.db)) == 1


@pytest.mark.parametrize(("issuer", "subject"), [("", "tia-sub"), (ISSUER, ""), (None, "x"), (ISSUER, 42)])
def test_an_identity_without_an_issuer_or_subject_is_refused(people, issuer, subject):
    with pytest.raises(SignInRefused, match=identities.NOT_LINKED):
        identities.sign_in(people.db, issuer=issuer, subject=subject, email="tia@lincoln.example",
                           email_verified=True, issued_at=utcnow())
    assert identity_rows(people.db) == []
