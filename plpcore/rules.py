"""School rules the screens ask about, each defined once: which plan is a student's current
plan, which goals are live, who owns a support and may log it, what a rating is called, and
what a viewer's roles let them do.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from plpcore.access import ALLOWED, Action
from plpcore.models import (
    AuthorRole,
    Goal,
    GoalStatus,
    Link,
    Plan,
    PlanStatus,
    Relationship,
    SchoolYear,
    Student,
    Support,
    SupportStatus,
)

# --- the current plan -------------------------------------------------------------------------

CURRENT_PLAN_RULE = """\
A student's current plan is a plan of the current school year that is not archived.
If there are several, an active plan wins over a draft (the active one is what the team
agreed to and works to; a draft is still being written), and among plans of the same status
the newest wins (a plan started later replaces the one before it). A student with no such
plan has no current plan, even if earlier years have one: last year's plan is read from the
student's list of plans, never opened as if it were this year's."""


def pick_current(plans: Iterable[Mapping[str, Any]] | Iterable[Any], *, year_over: bool = False) -> Any | None:
    """The plan CURRENT_PLAN_RULE picks from one student's plans of one school year (mappings or rows
    with `id` and `status`). For a year that is over, its plans were archived at its end, so an
    archived plan counts as that year's plan, like an active one."""
    def get(plan: Any, field: str) -> Any:
        return plan[field] if isinstance(plan, Mapping) else getattr(plan, field)

    agreed = {PlanStatus.ACTIVE, PlanStatus.ARCHIVED} if year_over else {PlanStatus.ACTIVE}
    candidates = [p for p in plans if year_over or PlanStatus(get(p, "status")) is not PlanStatus.ARCHIVED]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (PlanStatus(get(p, "status")) not in agreed, -get(p, "id")))


def current_plan_ids(session: Session, student_ids: Iterable[int] | Any) -> dict[int, int]:
    """student id -> id of their current plan (CURRENT_PLAN_RULE), for any number of students.

    `student_ids` is a collection of ids or a SELECT of student ids (a subquery keeps the
    statement count flat for a caseload of thousands). One statement.
    """
    if isinstance(student_ids, Collection) and not student_ids:
        return {}
    rows = session.execute(
        select(Plan.student_id, Plan.id, Plan.status)
        .join(SchoolYear, SchoolYear.id == Plan.school_year_id)
        .where(Plan.student_id.in_(student_ids), SchoolYear.is_current.is_(True), Plan.status != PlanStatus.ARCHIVED)
    ).all()
    by_student: dict[int, list[Any]] = {}
    for row in rows:
        by_student.setdefault(row.student_id, []).append(row)
    return {student_id: pick_current(plans).id for student_id, plans in by_student.items()}  # pyright: ignore[reportOptionalMemberAccess]  (none is empty)


def current_plan_id(session: Session, student_id: int) -> int | None:
    """The one student's current plan (CURRENT_PLAN_RULE), or None."""
    return current_plan_ids(session, [student_id]).get(student_id)


# --- goals ----------------------------------------------------------------------------------

# A discontinued goal was dropped and a revised one was replaced by its newer wording: neither
# counts toward "has an affective goal", the meeting's goal check, or the family's list.
NOT_LIVE = frozenset({GoalStatus.DISCONTINUED, GoalStatus.REVISED})
LIVE_GOAL = Goal.status.notin_(sorted(NOT_LIVE))  # the same rule, as SQL


def goal_is_live(status: str) -> bool:
    return GoalStatus(status) not in NOT_LIVE


def live_goals(goals: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The goals of a plan document that still count (not discontinued, not revised)."""
    return [g for g in goals if goal_is_live(g["status"])]


# --- ratings ------------------------------------------------------------------------------------

RATING_WORDS = {1: "not yet", 2: "beginning", 3: "progressing", 4: "met"}


def rating_label(rating: int) -> str:
    """'3 · progressing': the number and its word, as every screen and document shows a rating."""
    return f"{rating} · {RATING_WORDS[rating]}"


# --- what a viewer may do -----------------------------------------------------------------------


def may(roles: Iterable[str], action: Action) -> bool:
    """Whether any of the viewer's roles toward a student allows the action (access.ALLOWED)."""
    return any(AuthorRole(role) in ALLOWED[action] for role in roles)


def viewer_can(roles: Iterable[str], *, kept: bool = False) -> dict[str, bool]:
    """Every action, by its code, and whether these roles allow it: a plan document's `can`. A kept
    plan (PLAN_KEPT_RULE) is only read."""
    roles = list(roles)
    return {action.value: may(roles, action) and (not kept or action is Action.VIEW) for action in Action}


# --- supports ---------------------------------------------------------------------------------

LIVE_SUPPORT = frozenset({SupportStatus.AGREED, SupportStatus.IN_PLACE})

# Who owes a live support, as SQL over a Support row and one of its student's Link rows: the person
# linked is named as its owner, or teaches the student and it is owed by "teacher". The one rule
# behind a teacher's list of supports owed and their weekly digest. (Written with COALESCE, not
# "owner = person OR owner IS NULL", so a database reaches the supports by their plan: the OR form
# lets SQLite look them up by owner instead, every role-owned support once per link.)
LINK_OWES_SUPPORT = and_(
    Link.active.is_(True),
    Support.status.in_(sorted(LIVE_SUPPORT)),
    func.coalesce(Support.owner_user_id, Link.user_id) == Link.user_id,
    or_(Support.owner_user_id.is_not(None),
        and_(Support.owner_role == AuthorRole.TEACHER, Link.relationship == Relationship.TEACHER)),
)


def owns_support(owner_user_id: int | None, owner_role: str | None, user_id: int, roles: Collection[str]) -> bool:
    """A support named for a person is theirs alone; one named for a role is every holder's of it."""
    if owner_user_id is not None:
        return owner_user_id == user_id
    return owner_role is not None and str(owner_role) in {str(r) for r in roles}


def may_acknowledge_support(support: Mapping[str, Any], user_id: int, roles: Collection[str]) -> bool:
    """Its owner acknowledges an agreed or in-place support, once."""
    return (SupportStatus(support["status"]) in LIVE_SUPPORT and not support["acknowledged_at"]
            and owns_support(support["owner_user_id"], support["owner_role"], user_id, roles))


def may_log_support(support: Mapping[str, Any], user_id: int, roles: Collection[str]) -> bool:
    """Its owner, or the student's specialist, logs an agreed or in-place support as done."""
    return (SupportStatus(support["status"]) in LIVE_SUPPORT and may(roles, Action.LOG_SUPPORT)
            and (owns_support(support["owner_user_id"], support["owner_role"], user_id, roles)
                 or AuthorRole.SPECIALIST.value in {str(r) for r in roles}))


# --- who a meeting invites by default ---------------------------------------------------------------

CORE_TEAM_RULE = """\
A meeting invites the plan's core team by default: the specialists and parents/guardians linked
to the student, the student, and the teachers who own a support on the plan that is not stopped.
While no teacher owns a support yet (a first plan), every linked teacher is core. Anyone else
linked is invited only when the specialist ticks them: an uninvolved teacher never appears on
the permanent record as "did not attend"."""


def core_team(session: Session, plan_id: int, student_id: int) -> set[int]:
    """The user ids CORE_TEAM_RULE picks (the student's own account included, when they have one)."""
    links = session.execute(
        select(Link.user_id, Link.relationship).where(Link.student_id == student_id, Link.active.is_(True))
    ).all()
    owners = set(session.scalars(
        select(Support.owner_user_id).where(Support.plan_id == plan_id, Support.status != SupportStatus.STOPPED,
                                            Support.owner_user_id.is_not(None))
    ))
    teachers = {uid for uid, rel in links if rel is Relationship.TEACHER}
    core = {uid for uid, rel in links if rel is not Relationship.TEACHER}
    core |= (teachers & owners) or teachers
    student_user = session.scalar(select(Student.user_id).where(Student.id == student_id))
    if student_user is not None:
        core.add(student_user)
    return core
