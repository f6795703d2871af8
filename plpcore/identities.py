"""School sign-in (OIDC) identities: linking a provider's (issuer, subject) to an account, or refusing it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from plpcore.access import Action, active_user, audit, deny, find
from plpcore.accounts import PER_PAGE, Page, SignInRefused, cookie_revoked, page_of, searched
from plpcore.checks import as_id
from plpcore.db import Database
from plpcore.models import AccountKind, Identity, User, utcnow

# What an identity that reaches no account hears, whatever the reason (no such e-mail, an unverified
# one, two accounts with it, a disabled account): the answer tells nothing about who has an account.
NOT_LINKED = "Ask your school's specialist to add you."
SIGNED_OUT = "You signed out of PlanTable since this school sign-in. Sign in again."
# Families keep passwords or one-time links (SPEC §11): the school's provider vouches for staff and
# students, not for the parents who share an address with them.
SIGN_IN_KINDS = frozenset(AccountKind) - {AccountKind.GUARDIAN}


def sign_in(db: Database, *, issuer: str, subject: str, email: str | None, email_verified: object,
            issued_at: dt.datetime, now: dt.datetime | None = None) -> int:
    """A school sign-in: the account linked to (issuer, subject), linked now on first use, or SignInRefused.

    On first use the provider's e-mail must be verified (`email_verified` exactly true) and name
    exactly one account, whatever its case, which is active and may sign in this way. A sign-in
    issued (UTC) before the account last signed out is refused: signing out ends it too.
    """
    now = now or utcnow()
    issuer, subject = _claim(issuer), _claim(subject)
    with db.write() as s:
        identity = s.scalar(select(Identity).where(Identity.issuer == issuer, Identity.subject == subject)
                            .with_for_update())
        if identity is None:
            user = _only_account_with(s, email) if email_verified is True else None
            if user is None or not _may_sign_in(user):
                raise _refused(issuer, subject)
            identity = Identity(user_id=user.id, issuer=issuer, subject=subject, email=(email or "").strip(),
                                linked_at=now)
            s.add(identity)
            audit(s, user.id, "create", identity, field="subject", new=f"{issuer} {subject}")
        else:
            user = s.get_one(User, identity.user_id)
            if not _may_sign_in(user):
                raise _refused(issuer, subject)
        if cookie_revoked(user, issued_at):
            raise SignInRefused(SIGNED_OUT)
        identity.last_used_at = now
        audit(s, user.id, "sign-in", user, field="identity", new=f"{issuer} {subject}")
        return user.id


def account_for(db: Database, *, issuer: str, subject: str, issued_at: dt.datetime) -> User | None:
    """The account a school sign-in still stands for, read on every run: None once the link is
    removed, the account disabled, or the account signed out after `issued_at` (UTC)."""
    with db.read() as s:
        user = s.scalar(select(User).join(Identity, Identity.user_id == User.id)
                        .where(Identity.issuer == _claim(issuer), Identity.subject == _claim(subject)))
        if user is None or not _may_sign_in(user) or cookie_revoked(user, issued_at):
            return None
        return user


def linked_identities(db: Database, actor_id: int, search: str = "", page: int = 1,
                      per_page: int = PER_PAGE) -> Page:
    """For an admin: one page of the school sign-ins linked to accounts of their school, newest
    first, those whose person's name or username, or matched e-mail, holds `search` (any case)."""
    search = searched(search)
    with db.read() as s:
        actor = _admin(s, actor_id, None)
        matching = [User.school_id == actor.school_id]
        if search:
            matching.append(User.display_name.icontains(search, autoescape=True)
                            | User.username.icontains(search, autoescape=True)
                            | Identity.email.icontains(search, autoescape=True))
        linked = select(Identity).join(User, User.id == Identity.user_id).where(*matching)
        total = s.scalar(select(func.count()).select_from(linked.subquery())) or 0
        page, offset = page_of(total, page, per_page)
        rows = s.execute(
            select(Identity, User.display_name, User.username).join(User, User.id == Identity.user_id)
            .where(*matching).order_by(Identity.linked_at.desc(), Identity.id.desc()).offset(offset).limit(per_page)
        ).all()
        return Page([
            {"id": i.id, "name": name, "username": username, "issuer": i.issuer, "subject": i.subject,
             "email": i.email or "", "linked_at": i.linked_at, "last_used_at": i.last_used_at}
            for i, name, username in rows
        ], total, page, per_page)


def remove_link(db: Database, actor_id: int, identity_id: object) -> None:
    """An admin removes a link: that identity signs nobody in from now on (until it is matched again)."""
    with db.write() as s:
        actor = _admin(s, actor_id, identity_id)
        identity = find(s, Identity, identity_id)
        owner = s.get(User, identity.user_id) if identity is not None else None
        if identity is None or owner is None or owner.school_id != actor.school_id:
            raise deny(actor_id, Action.MANAGE_LINKS, "identity", as_id(identity_id), None)
        audit(s, actor_id, "delete", identity, field="subject", old=f"{identity.issuer} {identity.subject}")
        s.delete(identity)


def _admin(session, actor_id: int | None, identity_id: object) -> User:
    actor = active_user(session, actor_id)
    if actor is None or not actor.is_admin or actor.school_id is None:
        raise deny(actor_id, Action.MANAGE_LINKS, "identity", as_id(identity_id), None)
    return actor


def _only_account_with(session, email: str | None) -> User | None:
    """The one account with this e-mail (any case), or None when none or several have it."""
    email = (email or "").strip().lower()
    if not email:
        return None
    found = session.scalars(select(User).where(func.lower(User.email) == email).limit(2)).all()
    return found[0] if len(found) == 1 else None


def _may_sign_in(user: User) -> bool:
    return user.active and user.kind in SIGN_IN_KINDS


def _claim(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SignInRefused(NOT_LINKED)
    return value.strip()


def _refused(issuer: str, subject: str) -> SignInRefused:
    """Refused, and audited (by the unit of work) with the identity it was, for the admin to read."""
    refusal = deny(None, Action.VIEW, "identity", None, None)
    return SignInRefused(NOT_LINKED, (refusal.audit or {}) | {"action": "sign-in refused", "field": "identity",
                                                              "new": f"{issuer} {subject}"[:2000]})
