"""The one authorization point: who may do what to which student, and the audit trail.

Every service and query reaches a student's data through `authorize` (or `load`,
which finds the student a row belongs to first). A user's roles toward a student come
from active links (specialist, teacher, guardian), from being that student, or from
being an admin of the student's school. Anything else is refused with `NotAllowed`,
and the refusal is audited.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from plpcore.checks import as_id
from plpcore.db import PENDING_VIEWS
from plpcore.errors import NotAllowed, PlanKept
from plpcore.models import (
    ActionItem,
    Assessment,
    Attendance,
    AuditEvent,
    AuthorRole,
    Base,
    Goal,
    Intervention,
    Link,
    Meeting,
    Note,
    Plan,
    PlanSection,
    PlanStatus,
    ProgressEntry,
    SchoolYear,
    Student,
    Support,
    User,
    utcnow,
)

R = TypeVar("R", bound=Base)


class Action(enum.StrEnum):
    VIEW = "view"
    EDIT_PLAN = "edit the plan"
    EDIT_GOALS = "edit goals"
    PROPOSE_GOAL = "propose a goal"
    RECORD_PROGRESS = "record progress"
    ADD_NOTE = "add a note"
    STUDENT_VOICE = "write the student's own words"
    TEAM_VOICE = "write the team's additions"
    PROPOSE_SUPPORT = "propose a support"
    MANAGE_SUPPORTS = "agree or stop supports"
    LOG_SUPPORT = "log a support"
    INTERVENTION = "log an intervention"
    ASSESSMENT = "record an assessment"
    RUN_MEETING = "run a meeting"
    ATTEND_MEETING = "take part in a meeting"
    MANAGE_LINKS = "manage who is linked"
    ACKNOWLEDGE = "acknowledge the plan"


S, T, G, ST, A = (
    AuthorRole.SPECIALIST,
    AuthorRole.TEACHER,
    AuthorRole.GUARDIAN,
    AuthorRole.STUDENT,
    AuthorRole.ADMIN,
)

# The whole permission table. A role missing from a row cannot do that action.
ALLOWED: dict[Action, frozenset[AuthorRole]] = {
    Action.VIEW: frozenset({S, T, G, ST, A}),
    Action.EDIT_PLAN: frozenset({S, A}),
    Action.EDIT_GOALS: frozenset({S, T, A}),
    Action.PROPOSE_GOAL: frozenset({ST, G, S, T, A}),
    Action.RECORD_PROGRESS: frozenset({S, T, ST, G, A}),
    Action.ADD_NOTE: frozenset({S, T, G, ST, A}),
    # The specialist may type the student's words when the student is present: the
    # words stay the student's, and the row keeps who typed them (services.update_section).
    Action.STUDENT_VOICE: frozenset({ST, S}),
    Action.TEAM_VOICE: frozenset({S, T, G, A}),
    Action.PROPOSE_SUPPORT: frozenset({S, T, G, ST, A}),
    Action.MANAGE_SUPPORTS: frozenset({S, A}),
    Action.LOG_SUPPORT: frozenset({S, T, G, A}),
    Action.INTERVENTION: frozenset({S, T, A}),
    Action.ASSESSMENT: frozenset({S, A}),
    Action.RUN_MEETING: frozenset({S, A}),
    Action.ATTEND_MEETING: frozenset({S, T, G, ST, A}),
    Action.MANAGE_LINKS: frozenset({S, A}),
    Action.ACKNOWLEDGE: frozenset({G, ST}),
}

# When a person holds several roles toward a student, they act in the strongest one.
ROLE_ORDER = (S, A, T, G, ST)
STAFF = frozenset({S, T, A})

DENIED = "Not found, or you are not allowed to {action} for this student."


@dataclasses.dataclass(frozen=True)
class Grant:
    """What the check found: the acting user, the student, and the roles that allowed it."""

    actor: User
    student: Student
    roles: frozenset[AuthorRole]

    @property
    def role(self) -> AuthorRole:
        return next(r for r in ROLE_ORDER if r in self.roles)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF)


def roles_toward(session: Session, actor: User, student: Student) -> frozenset[AuthorRole]:
    return roles_toward_each(session, actor, [student])[student.id]


def roles_toward_each(session: Session, actor: User, students: Iterable[Student]) -> dict[int, frozenset[AuthorRole]]:
    """The actor's roles toward each of these students, in one query however many there are."""
    students = list(students)
    held: dict[int, set[AuthorRole]] = {st.id: set() for st in students}
    if students:
        for student_id, rel in session.execute(
            select(Link.student_id, Link.relationship).where(
                Link.student_id.in_(list(held)), Link.user_id == actor.id, Link.active.is_(True)
            )
        ):
            held[student_id].add(AuthorRole(rel.value))
    for st in students:
        if st.user_id == actor.id:
            held[st.id].add(ST)
        if actor.is_admin and actor.school_id == st.school_id:
            held[st.id].add(A)
    return {student_id: frozenset(roles) for student_id, roles in held.items()}


def find(session: Session, model: type[R], row_id: object) -> R | None:
    """The row with this id, or None; ids from URLs and widgets are checked by `as_id`."""
    row_id = as_id(row_id)
    return session.get(model, row_id) if row_id is not None else None


def active_user(session: Session, actor_id: int | None) -> User | None:
    actor = find(session, User, actor_id)
    return actor if actor is not None and actor.active else None


def authorize(session: Session, actor_id: int | None, student_id: int | None, action: Action) -> Grant:
    """The choke point. Returns a Grant or raises NotAllowed (audited by the unit of work)."""
    actor = active_user(session, actor_id)
    student = find(session, Student, student_id)
    if actor is not None and student is not None:
        roles = roles_toward(session, actor, student)
        allowed = roles & ALLOWED[action]
        if allowed:
            return Grant(actor, student, roles)
    raise deny(actor_id, action, "student", student_id, student_id if student else None)


def deny(
    actor_id: int | None, action: Action, entity: str, entity_id: int | None, student_id: int | None
) -> NotAllowed:
    # An actor id that names no account is recorded as text by the unit of work.
    audit = {
        "at": utcnow(),
        "actor_id": actor_id,
        "action": "denied",
        "entity": entity,
        "entity_id": as_id(entity_id),
        "field": str(action),
        "old": None,
        "new": None,
        "student_id": as_id(student_id),
    }
    return NotAllowed(DENIED.format(action=action), audit)


# How to find the student a row belongs to: each entity through its plan or meeting.
_STUDENT_OF = {
    Student: lambda id_: select(Student.id).where(Student.id == id_),
    Plan: lambda id_: select(Plan.student_id).where(Plan.id == id_),
    Assessment: lambda id_: select(Assessment.student_id).where(Assessment.id == id_),
    Goal: lambda id_: select(Plan.student_id).join(Goal, Goal.plan_id == Plan.id).where(Goal.id == id_),
    PlanSection: lambda id_: select(Plan.student_id)
    .join(PlanSection, PlanSection.plan_id == Plan.id)
    .where(PlanSection.id == id_),
    ProgressEntry: lambda id_: select(Plan.student_id)
    .join(Goal, Goal.plan_id == Plan.id)
    .join(ProgressEntry, ProgressEntry.goal_id == Goal.id)
    .where(ProgressEntry.id == id_),
    Support: lambda id_: select(Plan.student_id).join(Support, Support.plan_id == Plan.id).where(Support.id == id_),
    Intervention: lambda id_: select(Plan.student_id)
    .join(Intervention, Intervention.plan_id == Plan.id)
    .where(Intervention.id == id_),
    Note: lambda id_: select(Plan.student_id).join(Note, Note.plan_id == Plan.id).where(Note.id == id_),
    Meeting: lambda id_: select(Plan.student_id).join(Meeting, Meeting.plan_id == Plan.id).where(Meeting.id == id_),
    Attendance: lambda id_: select(Plan.student_id)
    .join(Meeting, Meeting.plan_id == Plan.id)
    .join(Attendance, Attendance.meeting_id == Meeting.id)
    .where(Attendance.id == id_),
    ActionItem: lambda id_: select(Plan.student_id)
    .join(Meeting, Meeting.plan_id == Plan.id)
    .join(ActionItem, ActionItem.meeting_id == Meeting.id)
    .where(ActionItem.id == id_),
}


# The plan a row of the plan's own content belongs to. Meetings are left out: a past year's record
# can still be signed.
_PLAN_OF = {
    Plan: lambda id_: select(Plan.id).where(Plan.id == id_),
    Goal: lambda id_: select(Goal.plan_id).where(Goal.id == id_),
    PlanSection: lambda id_: select(PlanSection.plan_id).where(PlanSection.id == id_),
    ProgressEntry: lambda id_: select(Goal.plan_id).join(ProgressEntry, ProgressEntry.goal_id == Goal.id)
    .where(ProgressEntry.id == id_),
    Support: lambda id_: select(Support.plan_id).where(Support.id == id_),
    Intervention: lambda id_: select(Intervention.plan_id).where(Intervention.id == id_),
    Note: lambda id_: select(Note.plan_id).where(Note.id == id_),
}

PLAN_KEPT_RULE = """\
A plan of a school year that is not the current one, once archived (making the next year current
archives the plans of the years before it), is kept as it was: everyone who could read it still
can, and nobody changes it, its goals, sections, progress, supports, interventions or notes."""


def is_kept(status: PlanStatus | str, year_is_current: bool) -> bool:
    """PLAN_KEPT_RULE, for one plan."""
    return PlanStatus(status) is PlanStatus.ARCHIVED and not year_is_current


def load(session: Session, actor_id: int | None, model: type[R], row_id: object, action: Action) -> tuple[R, Grant]:
    """Load a row the actor may act on. A missing row and a forbidden one look the same. A change to
    a row of a kept plan (PLAN_KEPT_RULE) is refused, once the actor is known to see it."""
    row_id = as_id(row_id)
    student_id = session.scalar(_STUDENT_OF[model](row_id)) if row_id is not None else None
    if student_id is None:
        raise deny(actor_id, action, model.__tablename__, row_id, None)
    try:
        grant = authorize(session, actor_id, student_id, action)
    except NotAllowed as denial:
        raise deny(actor_id, action, model.__tablename__, row_id, student_id) from denial
    if action is not Action.VIEW and model in _PLAN_OF:
        plan = session.execute(select(Plan.status, SchoolYear.is_current)
                               .join(SchoolYear, SchoolYear.id == Plan.school_year_id)
                               .where(Plan.id == _PLAN_OF[model](row_id).scalar_subquery())).one()
        if is_kept(plan.status, plan.is_current):
            raise PlanKept()
    row = session.get_one(model, row_id)  # there: its student was found through it, in this transaction
    return row, grant


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return str(value)


def audit(
    session: Session,
    actor_id: int | None,
    action: str,
    row: Base,
    *,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    student_id: int | None = None,
) -> None:
    """One AuditEvent per write: who, when, which entity and field, old and new value."""
    session.flush()
    session.add(
        AuditEvent(
            at=utcnow(),
            actor_id=actor_id,
            action=action,
            entity=row.__tablename__,
            entity_id=getattr(row, "id", None),
            field=field,
            old=_as_text(old),
            new=_as_text(new),
            student_id=student_id,
        )
    )


# One write's audit line, for audit_all: (action, row, field, old, new, student id).
Event = tuple[str, Base, str | None, Any, Any, int | None]


def audit_all(session: Session, actor_id: int | None, events: Iterable[Event]) -> None:
    """The AuditEvents of a batch write (an import, a year's rollover), once its rows are flushed and have
    their ids: written together, where `audit` flushes for each one."""
    at = utcnow()
    session.add_all(AuditEvent(at=at, actor_id=actor_id, action=action, entity=row.__tablename__,
                               entity_id=getattr(row, "id", None), field=field, old=_as_text(old), new=_as_text(new),
                               student_id=student_id)
                    for action, row, field, old, new, student_id in events)


def record_view(session: Session, grant: Grant, what: str, row_id: int | None = None) -> None:
    """Staff reads of a student record are logged (parents and students reading their own are not)."""
    if grant.is_staff:
        note_view(session, grant.actor.id, what, row_id, grant.student.id)


def note_view(session: Session, actor_id: int, what: str, row_id: int | None = None,
              student_id: int | None = None, field: str | None = None) -> None:
    """Queue a "view" audit event; the unit of work writes it after the read commits.

    A read transaction that wrote would have to upgrade its SQLite lock mid-way, which
    fails at once under load instead of waiting; so views are written separately.
    """
    session.info.setdefault(PENDING_VIEWS, []).append(
        {"at": utcnow(), "actor_id": actor_id, "action": "view", "entity": what, "entity_id": row_id,
         "field": field, "old": None, "new": None, "student_id": student_id}
    )


def bump_revision(session: Session, plan_id: int) -> None:
    """Every write inside a plan moves its revision, in the same transaction.

    A single UPDATE ... SET revision = revision + 1, not an ORM change, so two people
    saving different goals at once never conflict on the plan row itself.
    """
    session.execute(
        update(Plan)
        .where(Plan.id == plan_id)
        .values(revision=Plan.revision + 1)
        .execution_options(synchronize_session=False)
    )
