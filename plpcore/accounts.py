"""Schools, school years and user accounts: first-run setup, sign-in checks, passwords."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from plpcore import checks, links
from plpcore.access import Action, active_user, audit, authorize, deny, find
from plpcore.db import Database
from plpcore.errors import InvalidInput, NotAllowed, NotFound
from plpcore.models import (
    AccountKind,
    Link,
    Plan,
    PlanStatus,
    Relationship,
    ReportingPeriod,
    School,
    SchoolYear,
    SignInAttempt,
    Student,
    User,
    utcnow,
)
from plpcore.passwords import (  # noqa: F401  (BCRYPT_ROUNDS and hash_password are imported from here too)
    BCRYPT_ROUNDS,
    NO_PASSWORD_YET,
    hash_password,
    password_matches,
)


def is_empty(db: Database) -> bool:
    """True before first-run setup: no school and no account exist yet."""
    with db.read() as s:
        return s.scalar(select(func.count(School.id))) == 0 and s.scalar(select(func.count(User.id))) == 0


def school_year_values(name: str, starts_on: Any, ends_on: Any, periods: Sequence[tuple[str, Any, Any]] = ()) -> dict:
    problems = checks.Problems()
    name = problems.check(checks.line, "school year", name, max_len=20)
    starts_on = problems.check(checks.date, "year start", starts_on)
    ends_on = problems.check(checks.date, "year end", ends_on)
    problems.check(checks.date_order, "year start", starts_on, "year end", ends_on)
    problems.raise_any()
    checked = []
    for i, (pname, pstart, pend) in enumerate(periods, 1):
        pname = checks.line(f"reporting period {i} name", pname, max_len=50)
        pstart = checks.date(f"reporting period {i} start", pstart)
        pend = checks.date(f"reporting period {i} end", pend)
        checks.date_order(f"reporting period {i} start", pstart, f"reporting period {i} end", pend)
        if pstart < starts_on or pend > ends_on:
            raise InvalidInput(f"reporting period {i}", "must lie within the school year.")
        if checked and pstart <= checked[-1][2]:
            raise InvalidInput(f"reporting period {i}", "must start after the previous period ends.")
        checked.append((pname, pstart, pend))
    return {"name": name, "starts_on": starts_on, "ends_on": ends_on, "periods": checked}


def default_periods(starts_on: dt.date, ends_on: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """Four quarters of (nearly) equal length, for a school that has not set its own."""
    days = (ends_on - starts_on).days + 1
    bounds = [starts_on + dt.timedelta(days=days * i // 4) for i in range(5)]
    return [(f"Q{i + 1}", bounds[i], bounds[i + 1] - dt.timedelta(days=1)) for i in range(4)]


def set_up_school(
    db: Database,
    *,
    school_name: str,
    year_name: str,
    starts_on: Any,
    ends_on: Any,
    username: str,
    display_name: str,
    password: str,
    password_again: str | None = None,
    email: str | None = None,
    demo: bool = False,
) -> int:
    """First run: the school, its current year, and the first specialist (also an admin).

    Every refused value is reported at once (InvalidInputs), in the set-up form's order;
    `password_again`, when given, must repeat `password`.
    """
    problems = checks.Problems()
    school_name = problems.check(checks.line, "school name", school_name)
    year = problems.check(school_year_values, year_name, starts_on, ends_on)
    account = problems.check(_user_values, username, display_name, email, password)
    if password_again is not None and password_again != password:
        problems.found.append(InvalidInput("password again", "differs from the password. Type the same one twice."))
    problems.raise_any()
    with db.write() as s:
        if s.scalar(select(func.count(School.id))) or s.scalar(select(func.count(User.id))):
            raise InvalidInput("school", "this database is already set up.")
        school = School(name=school_name, demo=demo)
        s.add(school)
        s.flush()
        _add_year(s, school.id, year, current=True)
        user = User(school_id=school.id, kind=AccountKind.SPECIALIST, is_admin=True,
                    must_change_password=False, **account)
        s.add(user)
        s.flush()
        audit(s, None, "create", school, field="name", new=school_name)
        audit(s, user.id, "create", user, field="username", new=user.username)
        return user.id


def _add_year(session, school_id: int, year: dict, current: bool) -> SchoolYear:
    periods = year["periods"] or default_periods(year["starts_on"], year["ends_on"])
    row = SchoolYear(school_id=school_id, name=year["name"], starts_on=year["starts_on"],
                     ends_on=year["ends_on"], is_current=current)
    session.add(row)
    session.flush()
    for name, start, end in periods:
        session.add(ReportingPeriod(school_year_id=row.id, name=name, starts_on=start, ends_on=end))
    return row


def add_school_year(db: Database, actor_id: int, name: str, starts_on: Any, ends_on: Any,
                    periods: Sequence[tuple[str, Any, Any]] = (), make_current: bool = False) -> int:
    year = school_year_values(name, starts_on, ends_on, list(periods))
    with db.write() as s:
        actor = _admin(s, actor_id, "school_year")
        if s.scalar(select(SchoolYear.id).where(SchoolYear.school_id == actor.school_id, SchoolYear.name == year["name"])):
            raise InvalidInput("school year", f"{year['name']} already exists.")
        if make_current:
            for other in s.scalars(select(SchoolYear).where(SchoolYear.school_id == actor.school_id)):
                other.is_current = False
        row = _add_year(s, actor.school_id, year, make_current)  # pyright: ignore[reportArgumentType]  (staff are in a school)
        audit(s, actor_id, "create", row, field="name", new=year["name"])
        return row.id


def _admin(session, actor_id: int | None, entity: str) -> User:
    actor = active_user(session, actor_id)
    if actor is None or not (actor.is_admin or actor.kind is AccountKind.SPECIALIST):
        raise deny(actor_id, Action.MANAGE_LINKS, entity, None, None)
    return actor


def _manages(session, actor: User, user: User) -> bool:
    """Whose account the actor may reset or disable: an admin, anyone in the school but a
    fellow admin's; a specialist, only accounts that reach no student outside their own
    caseload (taking over such an account would open another caseload to them)."""
    if user.school_id != actor.school_id or (user.is_admin and not actor.is_admin):
        return False
    if actor.is_admin:
        return True
    caseload = set(session.scalars(select(Link.student_id).where(
        Link.user_id == actor.id, Link.relationship == Relationship.SPECIALIST, Link.active.is_(True))))
    reached = set(session.scalars(select(Link.student_id).where(Link.user_id == user.id, Link.active.is_(True))))
    reached |= set(session.scalars(select(Student.id).where(Student.user_id == user.id)))
    return reached <= caseload


def _user_values(username, display_name, email, password: str | None) -> dict:
    """A new account's checked fields; a password of None makes an invited account, which chooses
    its own by its welcome link (NO_PASSWORD_YET matches no password meanwhile)."""
    problems = checks.Problems()
    values = {
        "display_name": problems.check(checks.line, "display name", display_name),
        "email": problems.check(checks.email, "email", email),
        "username": problems.check(checks.username, username),
    }
    if password is not None:
        problems.check(checks.password, password)
    problems.raise_any()
    return values | {"password_hash": NO_PASSWORD_YET if password is None else hash_password(password)}


def create_user(
    db: Database,
    actor_id: int | None,
    *,
    username: str,
    display_name: str,
    password: str,
    kind: str,
    email: str | None = None,
    is_admin: bool = False,
    school_id: int | None = None,
) -> int:
    """A new account with an initial password, which must be changed at first sign-in.

    `actor_id` None is the command line, run by whoever operates the server.
    """
    kind = checks.choice("account kind", AccountKind, kind)
    values = _user_values(username, display_name, email, password)
    with db.write() as s:
        if actor_id is None:
            school_id = school_id or s.scalar(select(School.id).order_by(School.id).limit(1))
            if school_id is None:
                raise InvalidInput("school", "set up the school first.")
        else:
            actor = _admin(s, actor_id, "app_user")
            school_id = actor.school_id
            if (is_admin or kind is AccountKind.ADMIN) and not actor.is_admin:
                raise deny(actor_id, Action.MANAGE_LINKS, "app_user", None, None)
        return _new_user(s, actor_id, school_id, kind, is_admin, values).id  # pyright: ignore[reportArgumentType]  (staff are in a school)


@dataclasses.dataclass(frozen=True)
class NewAccount:
    """A person added on the admin screen: their account, and the welcome link sent to their address
    (None when they have none and were given an initial password instead)."""

    user_id: int
    invitation: links.Invitation | None
    mail_waiting: bool  # SMTP is not set up: the invitation waits, and the screen shows its link


def add_person(
    db: Database,
    actor_id: int,
    *,
    username: str,
    display_name: str,
    kind: str,
    email: str | None = None,
    password: str | None = None,
    is_admin: bool = False,
) -> NewAccount:
    """The admin screen's "Add a person". With an e-mail address, the person is e-mailed a welcome link
    and chooses their own password (so nobody else ever knows it); without one, the initial password
    typed here is theirs until they change it at first sign-in."""
    if not (email or "").strip():
        user_id = create_user(db, actor_id, username=username, display_name=display_name, password=password or "",
                              kind=kind, is_admin=is_admin)
        return NewAccount(user_id, None, False)
    if password:
        raise InvalidInput("initial password", "leave it empty when you give an e-mail address: the person gets "
                                               "a link to choose their own.")
    kind = checks.choice("account kind", AccountKind, kind)
    values = _user_values(username, display_name, email, None)
    with db.write() as s:
        actor = _admin(s, actor_id, "app_user")
        if (is_admin or kind is AccountKind.ADMIN) and not actor.is_admin:
            raise deny(actor_id, Action.MANAGE_LINKS, "app_user", None, None)
        user = _new_user(s, actor_id, actor.school_id, kind, is_admin, values)  # pyright: ignore[reportArgumentType]  (staff are in a school)
        return NewAccount(user.id, links.invite(s, user, actor_id=actor_id), links.mail_waiting())


def _new_user(session, actor_id: int | None, school_id: int, kind: AccountKind, is_admin: bool, values: dict) -> User:
    if session.scalar(select(User.id).where(func.lower(User.username) == values["username"].lower())):
        raise InvalidInput("username", f"{values['username']!r} is taken.")
    user = User(school_id=school_id, kind=kind, is_admin=is_admin or kind is AccountKind.ADMIN,
                must_change_password=True, **values)
    session.add(user)
    session.flush()
    audit(session, actor_id, "create", user, field="username", new=user.username)
    return user


def give_student_login(db: Database, actor_id: int, student_id: int, username: str, password: str) -> int:
    """Make a sign-in for a student, tied to their record (so they see only their own plan)."""
    values = _user_values(username, "student", None, password)
    with db.write() as s:
        grant = authorize(s, actor_id, student_id, Action.MANAGE_LINKS)
        student = grant.student
        if student.user_id is not None:
            raise InvalidInput("username", "this student already has a sign-in.")
        values["display_name"] = student.name
        user = _new_user(s, actor_id, student.school_id, AccountKind.STUDENT, False, values)
        student.user_id = user.id
        s.flush()
        audit(s, actor_id, "update", student, field="user_id", new=user.username, student_id=student.id)
        return user.id


def user_by_name(db: Database, username: str) -> User | None:
    with db.read() as s:
        return s.scalar(select(User).where(func.lower(User.username) == str(username).lower()))


class SignInRefused(NotAllowed):
    """A password sign-in that did not work. Its message is always REFUSED, whatever the reason."""


# One answer for every refusal: a wrong password, an unknown username, a disabled account, an
# address that must wait. Anything more specific would tell a stranger which accounts exist.
REFUSED = ("That username and password did not work. Check them and try again; "
           "after several tries, wait a few minutes first.")

# Throttling, by address (slows down whoever guesses) and by account (many addresses at one
# account, as a botnet would): never by account alone, so nobody can lock a teacher out of
# their own devices by failing on purpose.
THROTTLE_WINDOW = dt.timedelta(minutes=15)  # failures older than this no longer count
FREE_FAILURES = 5  # failures from one address in the window before it must wait between tries
FIRST_WAIT = dt.timedelta(seconds=30)  # then the wait doubles with each failure, up to the window
MANY_ADDRESSES = 10  # an account failed from this many addresses in the window is under attack:
KNOWN_DEVICE = dt.timedelta(days=30)  # then only addresses it signed in from lately may try it


def sign_in(db: Database, username: str, password: str, address: str = "local",
            now: dt.datetime | None = None) -> int:
    """Check a password from a client address; every attempt is kept, every refusal audited with
    its address. A refusal costs the same bcrypt work and reads the same whatever its reason."""
    now = now or utcnow()
    name, address = str(username).strip().lower()[:64], str(address)[:64]
    with db.read() as s:
        user = s.scalar(select(User).where(func.lower(User.username) == name, User.active.is_(True)))
        waits = _must_wait(s, name, address, now)
    matches = password_matches(password, user.password_hash if user else None)  # the same work for all
    with db.write() as s:
        refused = user is None or not matches or waits
        attempt = SignInAttempt(at=now, address=address, username=name, succeeded=not refused)
        s.add(attempt)
        if user is None or refused:
            why = "must wait" if waits else "no such account" if user is None else "wrong password"
            audit(s, None, "sign-in refused", attempt, field="address", old=why, new=address)
            s.commit()
            raise SignInRefused(REFUSED)
        audit(s, user.id, "sign-in", user, field="address", new=address)
        return user.id


def _must_wait(session, name: str, address: str, now: dt.datetime) -> bool:
    """Whether this address must wait before trying this account again."""
    since = now - THROTTLE_WINDOW
    failed = session.execute(
        select(func.count(), func.max(SignInAttempt.at))
        .where(SignInAttempt.address == address, SignInAttempt.at > since, SignInAttempt.succeeded.is_(False))
    ).one()
    if failed[0] >= FREE_FAILURES:
        wait = min(FIRST_WAIT * 2 ** min(failed[0] - FREE_FAILURES, 10), THROTTLE_WINDOW)
        if now < failed[1] + wait:
            return True
    addresses = session.scalar(
        select(func.count(func.distinct(SignInAttempt.address)))
        .where(SignInAttempt.username == name, SignInAttempt.at > since, SignInAttempt.succeeded.is_(False)))
    if addresses < MANY_ADDRESSES:
        return False
    known = session.scalar(
        select(SignInAttempt.id).where(SignInAttempt.username == name, SignInAttempt.address == address,
                                       SignInAttempt.succeeded.is_(True), SignInAttempt.at > now - KNOWN_DEVICE)
        .limit(1))
    return known is None


def sign_out(db: Database, user_id: int, now: dt.datetime | None = None) -> None:
    """Signing out ends this account's sign-in cookies issued until now, wherever they are kept."""
    with db.write() as s:
        user = s.get(User, user_id)
        if user is None:
            return
        old, user.signed_out_at = user.signed_out_at, now or utcnow()
        audit(s, user.id, "sign-out", user, field="signed_out_at", old=old, new=user.signed_out_at)


def cookie_revoked(user: User, issued_at: dt.datetime) -> bool:
    """True for a sign-in (its cookie, or a session already running) made, in UTC, before the
    account last signed out or had its password changed or reset."""
    return user.signed_out_at is not None and issued_at <= user.signed_out_at


def change_password(db: Database, user_id: int, current: str, new: str) -> None:
    checks.password(new, "new password")
    with db.write() as s:
        user = active_user(s, user_id)
        if user is None:
            raise NotFound("No such account.")
        if not password_matches(current, user.password_hash):
            raise InvalidInput("current password", "is not correct.")
        if current == new:
            raise InvalidInput("new password", "must differ from the current one.")
        user.password_hash, user.must_change_password = hash_password(new), False
        user.signed_out_at = utcnow()  # every other session and earlier cookie ends: the old password may be known
        audit(s, user_id, "update", user, field="password", old="(hidden)", new="(hidden)")


def set_email_choices(db: Database, user_id: int, *, reminders: bool, notices: bool) -> None:
    """What a person chooses to get by e-mail, on their own account: reminders and digests, and
    meeting notices and records (a family's election to get notices by e-mail, IDEA §300.505).
    The moment of the choice is kept, and each change audited."""
    with db.write() as s:
        user = active_user(s, user_id)
        if user is None:
            raise NotFound("No such account.")
        for field, value in (("email_reminders", bool(reminders)), ("email_notices", bool(notices))):
            old = getattr(user, field)
            if old != value:
                setattr(user, field, value)
                audit(s, user_id, "update", user, field=field, old=old, new=value)
        user.email_choice_at = utcnow()


def reset_password(db: Database, actor_id: int, user_id: int, new_password: str) -> None:
    """A specialist or admin sets a temporary password; the user must change it next time."""
    password_hash = hash_password(new_password)
    with db.write() as s:
        actor = _admin(s, actor_id, "app_user")
        user = find(s, User, user_id)
        if user is None or not _manages(s, actor, user):
            raise deny(actor_id, Action.MANAGE_LINKS, "app_user", user_id, None)
        user.password_hash, user.must_change_password = password_hash, True
        user.signed_out_at = utcnow()  # whoever knew the old password is signed out everywhere
        audit(s, actor_id, "reset password", user, field="password", old="(hidden)", new="(hidden)")


def reset_password_on_the_server(db: Database, username: str, new_password: str) -> None:
    """The server's operator (`python -m plpcore reset-password`) sets a temporary password: for the
    only specialist of a pilot, who has nobody to ask. It must be changed at the next sign-in, any
    and the account's sign-ins elsewhere end. Audited, with no acting account."""
    password_hash = hash_password(new_password)
    with db.write() as s:
        user = s.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
        if user is None:
            raise InvalidInput("username", f"no account {username!r} on this database.")
        user.password_hash, user.must_change_password = password_hash, True
        user.signed_out_at = utcnow()
        audit(s, None, "reset password", user, field="password", old="(hidden)", new="(hidden, on the server)")


def set_active(db: Database, actor_id: int, user_id: int, active: bool) -> None:
    with db.write() as s:
        actor = _admin(s, actor_id, "app_user")
        user = find(s, User, user_id)
        if user is None or user.id == actor.id or not _manages(s, actor, user):
            raise deny(actor_id, Action.MANAGE_LINKS, "app_user", user_id, None)
        if user.active != active:
            audit(s, actor_id, "update", user, field="active", old=user.active, new=active)
            user.active = active


def is_demo(db: Database) -> bool:
    """True when the database holds the made-up demo school (the app then says so on every page)."""
    with db.read() as s:
        return bool(s.scalar(select(func.count(School.id)).where(School.demo.is_(True))))


def demo_sign_ins(db: Database) -> list[tuple[str, str, str]]:
    """The demo school's made-up sign-ins (role, username, password) while it is loaded: the sign-in
    page keeps them in view, since nobody's real password is among them. Empty for a real school."""
    with db.read() as s:
        kept = s.scalar(select(School.demo_sign_ins).where(School.demo.is_(True)).limit(1))
    return [tuple(row) for row in json.loads(kept)] if kept else []


PER_PAGE = 25  # rows on one page of a long list


@dataclasses.dataclass(frozen=True)
class Page:
    """One page of a long list: its rows, how many rows match in all, and which page it is (from 1)."""

    rows: list[dict]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The position of the page's first row among all that match (from 1); 0 when it has none."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)


def page_of(total: int, page: int, per_page: int) -> tuple[int, int]:
    """(page, offset) for a wanted page: a page past the last is the last one, so a list that
    shrank under the reader (a narrower search, a removed row) still shows rows."""
    if not isinstance(per_page, int) or isinstance(per_page, bool) or not 1 <= per_page <= 100:
        raise InvalidInput("rows a page", "must be a whole number from 1 to 100.")
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise InvalidInput("page", "must be a whole number from 1.")
    page = min(page, max(1, -(-total // per_page)))
    return page, (page - 1) * per_page


def searched(search: str | None) -> str:
    """What a search box holds, as a search: trimmed, at most 200 characters."""
    return str(search or "").strip()[:200]


def people_page(db: Database, actor_id: int, search: str = "", page: int = 1, per_page: int = PER_PAGE, *,
                linkable: bool = False) -> Page:
    """One page of the accounts of the actor's school, by name, for a specialist or admin managing
    sign-ins: those whose name, username or e-mail holds `search` (in any case), `total` of them
    in all. With `linkable`, only the accounts that can be linked to a student: staff and
    families who can sign in.

    `can_manage` says whose password the actor may reset or sign-in turn off (see `_manages`).
    A specialist does not see the sign-ins of students outside their caseload: those carry the
    students' names. The database finds, counts and pages them, so a page costs the same however
    large the school: the specialist's rule is a subquery, and `can_manage` is judged for the
    page's rows alone.
    """
    search = searched(search)
    with db.read() as s:
        actor = _admin(s, actor_id, "app_user")
        matching = [User.school_id == actor.school_id]
        if linkable:
            matching += [User.active.is_(True), User.kind != AccountKind.STUDENT]
        elif not actor.is_admin:
            # A specialist does not see the sign-ins of students outside their caseload.
            matching.append((User.kind != AccountKind.STUDENT) | _inside_caseload(actor, User.id))
        if search:
            matching.append(User.display_name.icontains(search, autoescape=True)
                            | User.username.icontains(search, autoescape=True)
                            | User.email.icontains(search, autoescape=True))
        total = s.scalar(select(func.count(User.id)).where(*matching)) or 0
        page, offset = page_of(total, page, per_page)
        users = s.execute(
            select(User.id, User.username, User.display_name, User.email, User.kind, User.is_admin, User.active,
                   User.must_change_password)
            .where(*matching).order_by(func.lower(User.display_name), User.id).offset(offset).limit(per_page)
        ).all()
        outside = set() if actor.is_admin else _reaching_outside(s, actor, [u.id for u in users])
    return Page(
        [{"id": u.id, "username": u.username, "name": u.display_name, "email": u.email or "",
          "kind": str(u.kind), "is_admin": u.is_admin, "active": u.active,
          "must_change_password": u.must_change_password,
          "can_manage": actor.is_admin or not (u.is_admin or u.id in outside)}
         for u in users],
        total, page, per_page,
    )


def _on_caseload(actor: User, student_id: Any) -> Any:
    """True for a student on the specialist's caseload: one look-up in the link table's unique index."""
    caseload = Link.__table__.alias("caseload")
    return select(caseload.c.id).where(
        caseload.c.student_id == student_id, caseload.c.user_id == actor.id,
        caseload.c.relationship == Relationship.SPECIALIST, caseload.c.active.is_(True)).exists()


def _inside_caseload(actor: User, user_id: Any) -> Any:
    """True for an account that reaches no student outside the specialist's caseload, by an
    active link or as the student's own sign-in (`_manages`'s rule, as SQL). Correlated, so
    each account costs a few index look-ups, not a scan of every link of the school."""
    linked_outside = select(Link.id).where(
        Link.user_id == user_id, Link.active.is_(True), ~_on_caseload(actor, Link.student_id)).exists()
    signs_in_outside = select(Student.id).where(Student.user_id == user_id, ~_on_caseload(actor, Student.id)).exists()
    return ~linked_outside & ~signs_in_outside


def _reaching_outside(session, actor: User, user_ids: list[int]) -> set[int]:
    """Those of the accounts that reach a student outside the specialist's caseload (`_manages`'s rule)."""
    if not user_ids:
        return set()
    return set(session.scalars(select(User.id).where(User.id.in_(user_ids), ~_inside_caseload(actor, User.id))))

def school_years(db: Database, actor_id: int) -> list[dict]:
    """The actor's school's years, newest first, with their reporting periods."""
    with db.read() as s:
        actor = active_user(s, actor_id)
        if actor is None or actor.school_id is None:
            raise deny(actor_id, Action.VIEW, "school_year", None, None)
        years = s.scalars(select(SchoolYear).where(SchoolYear.school_id == actor.school_id)
                          .order_by(SchoolYear.starts_on.desc())).all()
        return [
            {"id": y.id, "name": y.name, "starts_on": y.starts_on, "ends_on": y.ends_on, "is_current": y.is_current,
             "periods": ", ".join(f"{p.name} {p.starts_on:%b %d}–{p.ends_on:%b %d}" for p in y.periods)}
            for y in years
        ]


def set_current_year(db: Database, actor_id: int, year_id: int) -> None:
    """Make one of the school's years the current one (plans and caseload flags follow it).

    The plans of the years before it are archived: they stay readable, and nobody edits them."""
    with db.write() as s:
        actor = _admin(s, actor_id, "school_year")
        year = s.get(SchoolYear, year_id) if isinstance(year_id, int) else None
        if year is None or year.school_id != actor.school_id:
            raise deny(actor_id, Action.MANAGE_LINKS, "school_year", year_id if isinstance(year_id, int) else None, None)
        if year.is_current:
            return
        for other in s.scalars(select(SchoolYear).where(SchoolYear.school_id == actor.school_id)):
            other.is_current = other.id == year.id
        audit(s, actor_id, "update", year, field="is_current", old=False, new=True)
        earlier = select(SchoolYear.id).where(SchoolYear.school_id == actor.school_id,
                                              SchoolYear.starts_on < year.starts_on)
        for plan in s.scalars(select(Plan).where(Plan.school_year_id.in_(earlier), Plan.status != PlanStatus.ARCHIVED)
                              .order_by(Plan.id)):
            audit(s, actor_id, "update", plan, field="status", old=plan.status, new=PlanStatus.ARCHIVED,
                  student_id=plan.student_id)
            plan.status, plan.revision = PlanStatus.ARCHIVED, plan.revision + 1  # open screens see it
