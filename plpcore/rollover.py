"""Starting next school year from this one: each student's new draft plan carries over what is
still open in this year's plan.

For each student on the specialist's caseload (the whole school, for an admin who asks) with a
plan in the year before it, the new year's plan of the same kind is made as a draft holding:
- the profile answers, each side in its own voice and author, marked as carried from last year;
- the goals not met, as continuing goals: the new goal points to last year's, whose wording,
  revisions and progress are its history;
- the supports in place, proposed again (the team agrees them anew).

The team's links belong to the student, not the year, so they carry over as they are. A student
who already has that plan next year is left alone, so starting the year twice makes nothing new.
The preview and the start run the same selection; the start is one transaction, audited row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from plpcore.access import ALLOWED, Action, Event, active_user, audit_all, deny, roles_toward_each
from plpcore.db import Database
from plpcore.errors import InvalidInput
from plpcore.models import (
    AccountKind,
    Goal,
    GoalStatus,
    Link,
    Plan,
    PlanSection,
    PlanStatus,
    Relationship,
    SchoolYear,
    Student,
    Support,
    SupportStatus,
)
from plpcore.services import PROFILE_SECTIONS

UNMET = (GoalStatus.NOT_STARTED, GoalStatus.IN_PROGRESS, GoalStatus.NOT_MET)


@dataclass
class CarryOver:
    """What one student's plan takes into next year; `exists` when next year's plan is already there."""

    student_id: int
    name: str
    from_year: str
    kind: str | None  # None: no plan in the year before, so nothing to start from
    plan_id: int | None
    exists: bool
    sections: list[PlanSection] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    supports: list[Support] = field(default_factory=list)

    def as_row(self) -> dict:
        return {"student_id": self.student_id, "name": self.name, "from_year": self.from_year, "plan": self.kind,
                "exists": self.exists,
                "answers": len(self.sections), "goals": len(self.goals), "supports": len(self.supports),
                "continuing_goals": [g.statement for g in self.goals]}


def preview(db: Database, actor_id: int, to_year_id: int, *, whole_school: bool = False) -> list[dict]:
    """One row a student: what starting `to_year_id` would carry over, who already has next year's plan,
    and who has no plan the year before (`plan` None), so that nobody on the caseload goes unmentioned."""
    with db.read() as s:
        return [c.as_row() for c in _carry_overs(s, actor_id, to_year_id, whole_school)]


def start_year(db: Database, actor_id: int, to_year_id: int, *, whole_school: bool = False) -> int:
    """Make next year's draft plans, all or none; the number made (0 when run again). The rows go in
    batches (plans, then their sections and goals, then supports, then the audit), so a school of
    thousands takes a handful of statements."""
    with db.write() as s:
        to_make = [c for c in _carry_overs(s, actor_id, to_year_id, whole_school) if c.kind and not c.exists]
        year = s.get_one(SchoolYear, to_year_id)
        events: list[Event] = []
        plans = {c.plan_id: Plan(student_id=c.student_id, school_year_id=year.id, kind=c.kind, status=PlanStatus.DRAFT,
                                 revision=0) for c in to_make}
        s.add_all(plans.values())
        s.flush()
        goals: dict[int, Goal] = {}  # last year's goal id -> the goal that continues it
        for carry in to_make:
            plan, student = plans[carry.plan_id], carry.student_id
            events.append(("create", plan, "kind", None, f"{carry.kind} {year.name}, carried over", student))
            for old in carry.sections:  # the words keep their voice and their author
                section = PlanSection(plan_id=plan.id, key=old.key, voice=old.voice, text=old.text, passed=old.passed,
                                      updated_by=old.updated_by, updated_at=old.updated_at, carried_from_id=old.id)
                s.add(section)
                events.append(("carry over", section, f"{old.key} ({old.voice})", None, old.text, student))
            for old in carry.goals:
                goals[old.id] = Goal(
                    plan_id=plan.id, kind=old.kind, area=old.area, statement=old.statement,
                    success_criteria=old.success_criteria, baseline=old.baseline, target_date=None,
                    status=GoalStatus.NOT_STARTED if old.status is GoalStatus.NOT_STARTED else GoalStatus.IN_PROGRESS,
                    proposed_by=old.proposed_by, created_by=actor_id, continues_goal_id=old.id)
                s.add(goals[old.id])
                events.append(("carry over", goals[old.id], "statement", None, old.statement, student))
        s.flush()
        for carry in to_make:
            for old in carry.supports:  # in place last year; the team agrees it again
                goal = goals.get(old.goal_id) if old.goal_id else None
                support = Support(plan_id=plans[carry.plan_id].id, goal_id=goal.id if goal else None,
                                  description=old.description, setting=old.setting, owner_user_id=old.owner_user_id,
                                  owner_role=old.owner_role, frequency=old.frequency, status=SupportStatus.PROPOSED,
                                  created_by=actor_id)
                s.add(support)
                events.append(("carry over", support, "description", None, old.description, carry.student_id))
        s.flush()
        audit_all(s, actor_id, events)
        return len(to_make)


def _carry_overs(s: Session, actor_id: int, to_year_id: int, whole_school: bool) -> list[CarryOver]:
    actor = active_user(s, actor_id)
    if actor is None or actor.school_id is None or not (actor.is_admin or actor.kind is AccountKind.SPECIALIST):
        raise deny(actor_id, Action.EDIT_PLAN, "school_year", to_year_id, None)
    to_year = s.get(SchoolYear, to_year_id) if isinstance(to_year_id, int) else None
    if to_year is None or to_year.school_id != actor.school_id:
        raise InvalidInput("school year", "no such school year in this school.")
    from_year = s.scalar(select(SchoolYear).where(SchoolYear.school_id == actor.school_id,
                                                  SchoolYear.starts_on < to_year.starts_on)
                         .order_by(SchoolYear.starts_on.desc()).limit(1))
    if from_year is None:
        raise InvalidInput("school year", f"no school year comes before {to_year.name} to start it from.")
    # A year that is over archived its plans at its end: there, an archived plan was the year's plan.
    statuses = list(PlanStatus) if not from_year.is_current else [PlanStatus.DRAFT, PlanStatus.ACTIVE]
    students_q = select(Student).where(Student.school_id == actor.school_id, Student.active.is_(True))
    if not (whole_school and actor.is_admin):
        students_q = students_q.join(Link, Link.student_id == Student.id).where(
            Link.user_id == actor.id, Link.relationship == Relationship.SPECIALIST, Link.active.is_(True))
    students = s.scalars(students_q.order_by(Student.last_name, Student.first_name, Student.id)).all()
    roles = roles_toward_each(s, actor, students)
    students = [st for st in students if roles[st.id] & ALLOWED[Action.EDIT_PLAN]]
    by_id = {st.id: st for st in students}
    plans = s.scalars(select(Plan).where(Plan.student_id.in_(list(by_id)), Plan.school_year_id == from_year.id,
                                         Plan.status.in_(statuses))).all()
    already = set(s.execute(select(Plan.student_id, Plan.kind).where(
        Plan.student_id.in_(list(by_id)), Plan.school_year_id == to_year.id)).all())
    carries = {p.id: CarryOver(p.student_id, by_id[p.student_id].name, from_year.name, str(p.kind), p.id,
                               (p.student_id, p.kind) in already) for p in plans}
    plan_ids = list(carries)
    for section in s.scalars(select(PlanSection).where(
            PlanSection.plan_id.in_(plan_ids), PlanSection.key.in_(list(PROFILE_SECTIONS)),
            or_(PlanSection.text != "", PlanSection.passed.is_(True))).order_by(PlanSection.id)):
        carries[section.plan_id].sections.append(section)
    for goal in s.scalars(select(Goal).where(Goal.plan_id.in_(plan_ids), Goal.status.in_(UNMET)).order_by(Goal.id)):
        carries[goal.plan_id].goals.append(goal)
    for support in s.scalars(select(Support).where(Support.plan_id.in_(plan_ids),
                                                   Support.status == SupportStatus.IN_PLACE).order_by(Support.id)):
        carries[support.plan_id].supports.append(support)
    with_plan = {c.student_id for c in carries.values()}
    no_plan = [CarryOver(st.id, st.name, from_year.name, None, None, False) for st in students if st.id not in with_plan]
    order = {st.id: i for i, st in enumerate(students)}
    return sorted([*carries.values(), *no_plan], key=lambda c: (order[c.student_id], c.kind or ""))
