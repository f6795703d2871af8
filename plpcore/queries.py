"""The read side: what pages show, each a fixed number of SQL statements however many rows.

Every query passes the same authorization as the services; staff reads of a student
record leave a "view" audit event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from plpcore import accounts, records, shapes
from plpcore.access import STAFF, Action, active_user, authorize, deny, is_kept, load, note_view, record_view
from plpcore.db import Database
from plpcore.models import (
    Assessment,
    Attendance,
    AttendanceStatus,
    AuditEvent,
    Goal,
    GoalKind,
    GoalRevision,
    Intervention,
    Link,
    Meeting,
    MeetingKind,
    MeetingRecord,
    MeetingStatus,
    Note,
    NoteKind,
    Plan,
    PlanAcknowledgement,
    PlanSection,
    PlanStatus,
    ProgressEntry,
    Relationship,
    ReportingPeriod,
    School,
    SchoolYear,
    SetAside,
    Student,
    Support,
    SupportLog,
    User,
    utcnow,
)
from plpcore.rules import (
    LINK_OWES_SUPPORT,
    LIVE_GOAL,
    core_team,
    current_plan_id,
    current_plan_ids,
    may_acknowledge_support,
    may_log_support,
    owns_support,
    pick_current,
    viewer_can,
)
from plpcore.services import voice_done, voice_waiting

FLAGS = ("no_active_plan", "no_achievement_goal", "no_affective_goal", "no_progress_this_period",
         "meeting_overdue", "record_unsigned")
FLAG_LABELS = {
    "no_active_plan": "No active plan",
    "no_achievement_goal": "No achievement goal",
    "no_affective_goal": "No affective goal",
    "no_progress_this_period": "No progress this period",
    "meeting_overdue": "Annual meeting overdue",
    "record_unsigned": "Record unsigned",
}


def meeting_statuses(db: Database, meeting_ids: list[int]) -> dict[int, str]:
    """A home page's poll while a meeting of the viewer's is scheduled today: one indexed query for
    the status of meetings the page already showed them (so "in progress now — Join" appears
    without a reload). Like the room's poll it reveals only statuses, and is not audited."""
    if not meeting_ids:
        return {}
    with db.read() as s:
        return {mid: str(status) for mid, status in s.execute(
            select(Meeting.id, Meeting.status).where(Meeting.id.in_(meeting_ids)))}


def plan_revision(db: Database, plan_id: int) -> int | None:
    """The meeting room's poll: one indexed single-row query.

    It reveals only a counter, so it is not audited; the room authorized the viewer
    when it was opened.
    """
    with db.read() as s:
        return s.scalar(select(Plan.revision).where(Plan.id == plan_id))


# --- who and what a user can reach --------------------------------------------------------


def my_students(db: Database, actor_id: int) -> pd.DataFrame:
    """Every student the user has a role toward: linked to, is, or (an admin) in their school; one row per
    (student, relationship). The one answer to "which students may this person pick", for every picker."""
    with db.read() as s:
        actor = active_user(s, actor_id)
        if actor is None:
            raise deny(actor_id, Action.VIEW, "student", None, None)
        linked = (
            select(Student.id.label("student_id"), Link.relationship.label("relationship"), Link.course)
            .join(Link, Link.student_id == Student.id)
            .where(Link.user_id == actor_id, Link.active.is_(True), Student.active.is_(True))
        )
        rows = [
            {"student_id": r.student_id, "relationship": str(r.relationship), "course": r.course}
            for r in s.execute(linked)
        ]
        own = s.scalar(select(Student.id).where(Student.user_id == actor_id))
        if own is not None:
            rows.append({"student_id": own, "relationship": "student", "course": None})
        if actor.is_admin:  # an admin has a role toward every student of their school (access.roles_toward_each)
            rows += [{"student_id": i, "relationship": "admin", "course": None}
                     for i in s.scalars(select(Student.id).where(Student.school_id == actor.school_id,
                                                                 Student.active.is_(True)))]
        ids = {r["student_id"] for r in rows}
        people = {
            st.id: st
            for st in s.scalars(select(Student).where(Student.id.in_(ids)))
        } if ids else {}
        plans = current_plan_ids(s, ids)
    frame = pd.DataFrame(rows, columns=["student_id", "relationship", "course"])
    frame["name"] = [people[i].name for i in frame.student_id]
    frame["grade"] = [people[i].grade for i in frame.student_id]
    frame["local_id"] = [people[i].local_id for i in frame.student_id]
    frame["plan_id"] = [plans.get(i) for i in frame.student_id]
    return frame.sort_values(["name", "relationship"]).reset_index(drop=True)


def student_summary(db: Database, actor_id: int, student_id: int) -> shapes.StudentSummary:
    """Name, grade, areas and plans of one student."""
    with db.read() as s:
        grant = authorize(s, actor_id, student_id, Action.VIEW)
        st = grant.student
        plans = _plans_of(s, student_id)
        record_view(s, grant, "student", student_id)
        return {
            "id": st.id, "name": st.name, "first_name": st.first_name, "last_name": st.last_name,
            "preferred_name": st.preferred_name, "local_id": st.local_id, "grade": st.grade,
            "gifted_areas": st.gifted_areas, "has_login": st.user_id is not None,
            "roles": sorted(str(r) for r in grant.roles),
            "current_plan_id": (pick_current([p for p in plans if p["is_current"]]) or {}).get("id"),
            "plans": plans,
        }


def _plans_of(session: Session, student_id: int) -> list[shapes.SummaryPlan]:
    """Every plan of one student, the newest school year first."""
    rows = session.execute(
        select(Plan.id, Plan.kind, Plan.status, Plan.revision, SchoolYear.name.label("year"), SchoolYear.is_current)
        .join(SchoolYear, SchoolYear.id == Plan.school_year_id)
        .where(Plan.student_id == student_id)
        .order_by(SchoolYear.starts_on.desc(), Plan.id)
    ).all()
    return [{"id": p.id, "kind": str(p.kind), "status": str(p.status), "revision": p.revision, "year": p.year,
             "is_current": p.is_current} for p in rows]


# --- one plan, whole -------------------------------------------------------------------------


def student_plan(db: Database, actor_id: int, plan_id: int) -> shapes.ViewedPlan:
    """The whole working document of one plan, as plain values (also what records snapshot)."""
    with db.read() as s:
        plan, grant = load(s, actor_id, Plan, plan_id, Action.VIEW)
        record_view(s, grant, "plan", plan.id)
        roles = sorted(str(r) for r in grant.roles)
        document = plan_document(s, plan.id)
        kept = document["plan"]["kept"]
        doc = shapes.ViewedPlan(**document, viewer_roles=roles, can=viewer_can(roles, kept=kept),
                                plans=_plans_of(s, plan.student_id),
                                voice_waiting=voice_waiting(s, plan.id), voice_done=voice_done(s, plan.id) or {},
                                set_aside=_set_aside_for(s, actor_id, plan.id))
        for support in doc["supports"]:
            support["mine"] = owns_support(support["owner_user_id"], support["owner_role"], actor_id, roles)
            support["may_acknowledge"] = not kept and may_acknowledge_support(support, actor_id, roles)
            support["may_log"] = not kept and may_log_support(support, actor_id, roles)
        return doc


def _set_aside_for(session: Session, actor_id: int, plan_id: int) -> list[shapes.SetAsideNotice]:
    """Edits of other people that lost to this viewer's save and wait for them to merge."""
    rows = session.execute(
        select(SetAside.what, SetAside.at, User.display_name)
        .join(User, User.id == SetAside.by_user)
        .where(SetAside.plan_id == plan_id, SetAside.for_user == actor_id, SetAside.settled_at.is_(None))
        .order_by(SetAside.id)
    ).all()
    return [{"what": r.what, "by": r.display_name, "at": r.at} for r in rows]


def _names(session: Session, ids) -> dict[int | None, str]:  # None (nobody) finds no name
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def plan_document(session: Session, plan_id: int) -> shapes.PlanDoc:
    """Load a plan and everything in it: one query per table, whatever the size."""
    plan = session.get_one(Plan, plan_id)
    student = session.get_one(Student, plan.student_id)
    year = session.get_one(SchoolYear, plan.school_year_id)
    sections = session.scalars(select(PlanSection).where(PlanSection.plan_id == plan_id)).all()
    goals = session.scalars(select(Goal).where(Goal.plan_id == plan_id).order_by(Goal.id)).all()
    # A continuing goal's history is also that of the goals it carries on from earlier years.
    lineage = {g.id: g.id for g in goals}
    carried_from: dict[int, str] = {}  # goal or section id -> the year it was carried over from
    earlier = {g.continues_goal_id: g.id for g in goals if g.continues_goal_id}
    while earlier:
        found = session.execute(select(Goal.id, Goal.continues_goal_id, SchoolYear.name)
                                .join(Plan, Plan.id == Goal.plan_id).join(SchoolYear, SchoolYear.id == Plan.school_year_id)
                                .where(Goal.id.in_(list(earlier)))).all()
        for goal_id, _, year_name in found:
            lineage[goal_id] = lineage.get(earlier[goal_id], earlier[goal_id])
            carried_from.setdefault(earlier[goal_id], year_name)
        earlier = {before: goal_id for goal_id, before, _ in found if before and before not in lineage}
    goal_ids = list(lineage)
    revisions = session.scalars(
        select(GoalRevision).where(GoalRevision.goal_id.in_(goal_ids)).order_by(GoalRevision.replaced_at, GoalRevision.id)
    ).all() if goal_ids else []
    progress = session.scalars(
        select(ProgressEntry).where(ProgressEntry.goal_id.in_(goal_ids)).order_by(ProgressEntry.on, ProgressEntry.id)
    ).all() if goal_ids else []
    carried_sections = [x.carried_from_id for x in sections if x.carried_from_id]
    if carried_sections:
        carried_from |= {x_id: name for x_id, name in session.execute(
            select(PlanSection.id, SchoolYear.name).join(Plan, Plan.id == PlanSection.plan_id)
            .join(SchoolYear, SchoolYear.id == Plan.school_year_id).where(PlanSection.id.in_(carried_sections)))}
    supports = session.scalars(select(Support).where(Support.plan_id == plan_id).order_by(Support.id)).all()
    support_ids = [x.id for x in supports]
    logs = session.scalars(
        select(SupportLog).where(SupportLog.support_id.in_(support_ids)).order_by(SupportLog.done_on)
    ).all() if support_ids else []
    interventions = session.scalars(select(Intervention).where(Intervention.plan_id == plan_id).order_by(Intervention.id)).all()
    assessments = session.scalars(
        select(Assessment).where(Assessment.student_id == plan.student_id).order_by(Assessment.taken_on)
    ).all()
    notes = session.scalars(select(Note).where(Note.plan_id == plan_id).order_by(Note.created_at, Note.id)).all()
    meetings = session.scalars(select(Meeting).where(Meeting.plan_id == plan_id).order_by(Meeting.scheduled_at)).all()
    acks = session.scalars(select(PlanAcknowledgement).where(PlanAcknowledgement.plan_id == plan_id)).all()
    periods = session.scalars(
        select(ReportingPeriod).where(ReportingPeriod.school_year_id == plan.school_year_id).order_by(ReportingPeriod.starts_on)
    ).all()
    names = _names(session, [x.updated_by for x in sections] + [g.updated_by for g in goals] + [g.created_by for g in goals]
                   + [p.author_id for p in progress] + [x.owner_user_id for x in supports] + [n.author_id for n in notes]
                   + [a.user_id for a in acks] + [lg.author_id for lg in logs])

    def section(x: PlanSection) -> shapes.Section:
        return {"id": x.id, "key": x.key, "voice": str(x.voice), "text": x.text, "passed": x.passed,
                "version": x.version, "author": names.get(x.updated_by), "updated_at": x.updated_at,
                "by_student": student.user_id is not None and x.updated_by == student.user_id,
                "carried_from": carried_from.get(x.carried_from_id) if x.carried_from_id else None}

    by_goal_rev: dict[int, list[shapes.GoalRevision]] = {}
    for r in revisions:
        by_goal_rev.setdefault(lineage[r.goal_id], []).append(
            {"statement": r.statement, "success_criteria": r.success_criteria, "baseline": r.baseline,
             "target_date": r.target_date, "replaced_at": r.replaced_at, "replaced_by": names.get(r.replaced_by)})
    by_goal_prog: dict[int, list[shapes.ProgressEntry]] = {}
    for p in progress:
        by_goal_prog.setdefault(lineage[p.goal_id], []).append(
            {"id": p.id, "on": p.on, "rating": p.rating, "percent": p.percent, "note": p.note,
             "evidence_url": p.evidence_url, "author": names.get(p.author_id), "author_role": str(p.author_role)})
    by_support_log: dict[int, list[shapes.SupportLogEntry]] = {}
    for lg in logs:
        by_support_log.setdefault(lg.support_id, []).append(
            {"done_on": lg.done_on, "note": lg.note, "author": names.get(lg.author_id)})

    return {
        "time_zone": session.scalar(select(School.time_zone).where(School.id == student.school_id)) or "UTC",
        "plan": {"id": plan.id, "kind": str(plan.kind), "status": str(plan.status), "revision": plan.revision,
                 "version": plan.version, "year": year.name, "year_id": year.id,
                 "kept": is_kept(plan.status, year.is_current)},
        "periods": [{"name": p.name, "starts_on": p.starts_on, "ends_on": p.ends_on} for p in periods],
        "student": {"id": student.id, "name": student.name, "first_name": student.first_name,
                    "last_name": student.last_name, "preferred_name": student.preferred_name,
                    "local_id": student.local_id, "grade": student.grade, "gifted_areas": student.gifted_areas},
        "sections": [section(x) for x in sorted(sections, key=lambda x: (x.key, str(x.voice)))],
        "goals": [
            {"id": g.id, "kind": str(g.kind), "area": g.area, "statement": g.statement,
             "success_criteria": g.success_criteria, "baseline": g.baseline, "target_date": g.target_date,
             "status": str(g.status), "proposed_by": str(g.proposed_by), "version": g.version,
             "author": names.get(g.updated_by or g.created_by), "carried_from": carried_from.get(g.id),
             "history": by_goal_rev.get(g.id, []), "progress": by_goal_prog.get(g.id, [])}
            for g in goals
        ],
        "supports": [
            {"id": x.id, "goal_id": x.goal_id, "description": x.description, "setting": str(x.setting),
             "owner": names.get(x.owner_user_id) or (str(x.owner_role) if x.owner_role else None),
             "owner_user_id": x.owner_user_id, "owner_role": str(x.owner_role) if x.owner_role else None,
             "frequency": x.frequency, "starts_on": x.starts_on, "ends_on": x.ends_on, "status": str(x.status),
             "agreed_meeting_id": x.agreed_meeting_id, "acknowledged_at": x.acknowledged_at,
             "version": x.version, "log": by_support_log.get(x.id, [])}
            for x in supports
        ],
        "interventions": [
            {"id": i.id, "course": i.course, "description": i.description, "starts_on": i.starts_on,
             "ends_on": i.ends_on, "outcome": i.outcome, "version": i.version}
            for i in interventions
        ],
        "assessments": [
            {"id": a.id, "name": a.name, "taken_on": a.taken_on, "score": a.score, "percentile": a.percentile,
             "note": a.note}
            for a in assessments
        ],
        "notes": [
            {"id": n.id, "goal_id": n.goal_id, "kind": str(n.kind), "prompt": n.prompt, "text": n.text,
             "author": names.get(n.author_id), "author_role": str(n.author_role), "at": n.created_at}
            for n in notes
        ],
        "meetings": [
            {"id": m.id, "kind": str(m.kind), "scheduled_at": m.scheduled_at, "location": m.location,
             "status": str(m.status), "agenda_step": str(m.agenda_step), "next_check_in": m.next_check_in}
            for m in meetings
        ],
        "acknowledgements": [
            {"user": names.get(a.user_id), "revision": a.revision, "at": a.at} for a in acks
        ],
    }


def progress_frame(doc: shapes.PlanGoals) -> pd.DataFrame:
    """A plan document's progress as rows (goal, date, rating, who), for charts."""
    rows = [
        {"goal_id": g["id"], "goal": g["statement"], "kind": g["kind"], "on": p["on"], "rating": p["rating"],
         "percent": p["percent"], "author": p["author"], "author_role": p["author_role"],
         "who": "Student" if p["author_role"] == "student" else "Staff" if p["author_role"] in ("specialist", "teacher", "admin") else "Family"}
        for g in doc["goals"]
        for p in g["progress"]
    ]
    return pd.DataFrame(rows, columns=["goal_id", "goal", "kind", "on", "rating", "percent", "author", "author_role", "who"])


def goals_with_progress(db: Database, actor_id: int, student_id: int) -> pd.DataFrame:
    """A student's goals on the current plan with their progress series, one row per entry."""
    with db.read() as s:
        grant = authorize(s, actor_id, student_id, Action.VIEW)
        plan_id = current_plan_id(s, student_id)
        if plan_id is None:
            return progress_frame({"goals": []})
        record_view(s, grant, "goals", plan_id)
        return progress_frame(plan_document(s, plan_id))


# --- history ---------------------------------------------------------------------------------


def history(db: Database, actor_id: int, student_id: int) -> pd.DataFrame:
    """Who changed what and when, from the audit trail (views and denials left out)."""
    with db.read() as s:
        grant = authorize(s, actor_id, student_id, Action.VIEW)
        rows = s.execute(
            select(AuditEvent.at, User.display_name.label("who"), AuditEvent.action, AuditEvent.entity,
                   AuditEvent.field, AuditEvent.old, AuditEvent.new)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.student_id == student_id, AuditEvent.action.notin_(["view", "denied"]))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        ).all()
        record_view(s, grant, "history", student_id)
    return pd.DataFrame([r._asdict() for r in rows], columns=["at", "who", "action", "entity", "field", "old", "new"])


# --- caseload ------------------------------------------------------------------------------------


def current_period(session: Session, school_id: int | None,
                   today: dt.date) -> tuple[SchoolYear | None, ReportingPeriod | None]:
    year = session.scalar(select(SchoolYear).where(SchoolYear.school_id == school_id, SchoolYear.is_current.is_(True)))
    return year, period_on(session, year, today)


def period_on(session: Session, year: SchoolYear | None, day: dt.date) -> ReportingPeriod | None:
    """The reporting period of `year` that contains `day`: the latest one started by then (between periods too)."""
    if year is None:
        return None
    return session.scalar(
        select(ReportingPeriod)
        .where(ReportingPeriod.school_year_id == year.id, ReportingPeriod.starts_on <= day)
        .order_by(ReportingPeriod.starts_on.desc())
        .limit(1)
    )


CASELOAD_COLUMNS = [
    "student_id", "local_id", "name", "grade", "plan_id", "plan_kind", "plan_status", "achievement_goals",
    "affective_goals", "other_goals", "last_progress", "next_meeting", "last_annual_review",
    "parent_acknowledged", "last_home_note", "specialist", *FLAGS, "flags",
]


def caseload(db: Database, actor_id: int, today: dt.date | None = None, *, whole_school: bool = False,
             school_year_id: int | None = None) -> pd.DataFrame:
    """One row per student on the specialist's caseload (the whole school for an admin who asks),
    for the current school year or, with `school_year_id`, another year of the school (as it
    stood on `today` or on the year's last day, whichever is earlier).

    Flags:
    - no_active_plan: no plan with status active in the current school year;
    - no_achievement_goal / no_affective_goal: the current plan has none that is live
      (not discontinued or revised);
    - no_progress_this_period: no progress entry dated in the reporting period that
      contains today (the latest one started, between periods);
    - meeting_overdue: no finalized annual review this school year, and either a
      scheduled one's date has passed or the first reporting period is over;
    - record_unsigned: a finalized meeting this year where someone present has not signed.
    """
    today = today or dt.date.today()
    now = utcnow()
    with db.read() as s:
        actor = active_user(s, actor_id)
        if actor is None or not (actor.kind in STAFF or actor.is_admin):
            raise deny(actor_id, Action.VIEW, "caseload", None, None)
        # A year that is over kept its plans by archiving them: there, an archived plan was the year's plan.
        done_with = set()
        if school_year_id is None:
            year, period = current_period(s, actor.school_id, today)
        else:
            year = s.get(SchoolYear, school_year_id)
            if year is None or year.school_id != actor.school_id:
                raise deny(actor_id, Action.VIEW, "school year", school_year_id, None)
            today = min(today, year.ends_on)
            period = period_on(s, year, today)
            done_with = set() if year.is_current else {PlanStatus.ARCHIVED}
        first_period_end = s.scalar(
            select(func.min(ReportingPeriod.ends_on)).where(ReportingPeriod.school_year_id == (year.id if year else -1))
        )
        if whole_school and actor.is_admin:
            students_q = select(Student).where(Student.school_id == actor.school_id, Student.active.is_(True))
        else:
            students_q = (
                select(Student)
                .join(Link, Link.student_id == Student.id)
                .where(Link.user_id == actor_id, Link.relationship == Relationship.SPECIALIST,
                       Link.active.is_(True), Student.active.is_(True))
            )
        students = s.scalars(students_q.order_by(Student.last_name, Student.first_name)).all()
        ids = [st.id for st in students]
        year_id = year.id if year else -1
        # The caseload's plans for this year, as a subquery: the statement count stays the
        # same however many students there are (no IN list of thousands of ids either).
        year_plans = select(Plan.id).where(
            Plan.school_year_id == year_id, Plan.student_id.in_(students_q.with_only_columns(Student.id))
        )
        plan_rows = s.execute(
            select(Plan.id, Plan.student_id, Plan.kind, Plan.status)
            .where(year_plans.whereclause,  # pyright: ignore[reportArgumentType]  (year_plans has a WHERE)
                   or_(Plan.status != PlanStatus.ARCHIVED, Plan.status.in_(list(done_with))))
            .order_by(Plan.id)
        ).all() if ids else []
        by_student: dict[int, list[Any]] = {}
        for r in plan_rows:
            by_student.setdefault(r.student_id, []).append(r)
        plan_of = {student_id: pick_current(rows, year_over=bool(done_with)) for student_id, rows in by_student.items()}
        plan_ids = [r.id for r in plan_of.values()]  # pyright: ignore[reportOptionalMemberAccess]  (no list is empty)
        in_plans = Goal.plan_id.in_(year_plans)
        goal_counts = s.execute(
            select(Goal.plan_id, Goal.kind, func.count()).where(in_plans, LIVE_GOAL).group_by(Goal.plan_id, Goal.kind)
        ).all() if plan_ids else []
        progress = s.execute(
            select(Goal.plan_id, func.max(ProgressEntry.on),
                   func.sum(case((ProgressEntry.on >= (period.starts_on if period else dt.date.max), 1), else_=0)))
            .join(ProgressEntry, ProgressEntry.goal_id == Goal.id)
            .where(in_plans, ProgressEntry.on <= (period.ends_on if period else dt.date.max))
            .group_by(Goal.plan_id)
        ).all() if plan_ids else []
        in_meetings = Meeting.plan_id.in_(year_plans)
        meetings = s.execute(
            select(
                Meeting.plan_id,
                func.min(case((and_(Meeting.status == MeetingStatus.SCHEDULED, Meeting.scheduled_at >= now),
                               Meeting.scheduled_at))),
                func.max(case((and_(Meeting.status == MeetingStatus.FINALIZED, Meeting.kind == MeetingKind.ANNUAL_REVIEW),
                               Meeting.scheduled_at))),
                func.min(case((and_(Meeting.status.in_([MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS]),
                                    Meeting.kind == MeetingKind.ANNUAL_REVIEW), Meeting.scheduled_at))),
            )
            .where(in_meetings)
            .group_by(Meeting.plan_id)
        ).all() if plan_ids else []
        unsigned = s.execute(
            select(Meeting.plan_id, func.count())
            .join(Attendance, Attendance.meeting_id == Meeting.id)
            .where(in_meetings, Meeting.status == MeetingStatus.FINALIZED, Attendance.status == AttendanceStatus.PRESENT,
                   Attendance.user_id.is_not(None), Attendance.signed_at.is_(None))
            .group_by(Meeting.plan_id)
        ).all() if plan_ids else []
        acks = s.execute(
            select(PlanAcknowledgement.plan_id, func.max(PlanAcknowledgement.at))
            .join(Link, and_(Link.user_id == PlanAcknowledgement.user_id, Link.relationship == Relationship.GUARDIAN))
            .join(Plan, and_(Plan.id == PlanAcknowledgement.plan_id, Plan.student_id == Link.student_id))
            .where(Plan.id.in_(year_plans))
            .group_by(PlanAcknowledgement.plan_id)
        ).all() if plan_ids else []
        home_notes = s.execute(
            select(Note.plan_id, func.max(Note.created_at)).where(Note.plan_id.in_(year_plans), Note.kind == NoteKind.HOME_NOTE)
            .group_by(Note.plan_id)
        ).all() if plan_ids else []
        specialists = s.execute(
            select(Link.student_id, User.display_name)
            .join(User, User.id == Link.user_id)
            .where(Link.relationship == Relationship.SPECIALIST, Link.active.is_(True),
                   Link.student_id.in_(students_q.with_only_columns(Student.id)))
            .order_by(Link.id)
        ).all() if ids else []
        note_view(s, actor_id, "caseload", field=f"{len(ids)} students")

    counts: dict[int | None, dict[str, int]] = {}  # a student without a plan finds none
    for plan_id, kind, n in goal_counts:
        counts.setdefault(plan_id, {})[str(kind)] = n
    last_progress = {p: (last, n or 0) for p, last, n in progress}
    meeting_info = {m[0]: m[1:] for m in meetings}
    unsigned_of: dict[int | None, int] = dict(unsigned)
    ack_of: dict[int | None, dt.datetime] = dict(acks)
    home_note_of: dict[int | None, dt.datetime] = dict(home_notes)
    specialist_of: dict[int, str] = {}
    for student_id, name in specialists:
        specialist_of[student_id] = f"{specialist_of[student_id]}, {name}" if student_id in specialist_of else name
    rows = []
    for st in students:
        plan = plan_of.get(st.id)
        pid = plan.id if plan else None
        c = counts.get(pid, {})
        last, in_period = last_progress.get(pid, (None, 0))
        next_meeting, last_annual, pending_annual = meeting_info.get(pid, (None, None, None))
        overdue = plan is not None and last_annual is None and (
            (pending_annual is not None and pending_annual < now)
            or (first_period_end is not None and today > first_period_end)
        )
        row = {
            "student_id": st.id, "local_id": st.local_id, "name": st.name, "grade": st.grade,
            "plan_id": pid, "plan_kind": str(plan.kind) if plan else None, "plan_status": str(plan.status) if plan else None,
            "achievement_goals": c.get(GoalKind.ACHIEVEMENT.value, 0), "affective_goals": c.get(GoalKind.AFFECTIVE.value, 0),
            "other_goals": c.get(GoalKind.CAREER.value, 0) + c.get(GoalKind.OTHER.value, 0),
            "last_progress": last, "next_meeting": next_meeting, "last_annual_review": last_annual,
            "parent_acknowledged": ack_of.get(pid), "last_home_note": home_note_of.get(pid),
            "specialist": specialist_of.get(st.id, ""),
            "no_active_plan": plan is None or not (plan.status == PlanStatus.ACTIVE or plan.status in done_with),
            "no_achievement_goal": c.get(GoalKind.ACHIEVEMENT.value, 0) == 0,
            "no_affective_goal": c.get(GoalKind.AFFECTIVE.value, 0) == 0,
            "no_progress_this_period": period is not None and not in_period,
            "meeting_overdue": bool(overdue),
            "record_unsigned": bool(unsigned_of.get(pid)),
        }
        row["flags"] = ", ".join(FLAG_LABELS[f] for f in FLAGS if row[f])
        rows.append(row)
    return pd.DataFrame(rows, columns=CASELOAD_COLUMNS)


# Compliance, per school year (SPEC §4 Reports): what a district audit asks of every plan.
COMPLIANCE_CHECKS = {
    "no_active_plan": "No active plan",
    "no_achievement_goal": "No achievement goal",
    "no_affective_goal": "No affective goal",
    "no_progress_this_period": "No progress this period",
    "no_annual_meeting": "No annual meeting",
}


def compliance(db: Database, actor_id: int, school_year_id: int | None = None, today: dt.date | None = None, *,
               whole_school: bool = False) -> pd.DataFrame:
    """One row per student with each compliance check (True = missing) and `compliant`.

    The same rows and rules as the caseload, for a chosen school year; "this reporting
    period" is the one containing today, or the year's last one for a past year.
    """
    frame = caseload(db, actor_id, today, whole_school=whole_school, school_year_id=school_year_id)
    frame = frame.assign(no_annual_meeting=frame.last_annual_review.isna())
    checks = list(COMPLIANCE_CHECKS)
    frame["missing"] = [", ".join(COMPLIANCE_CHECKS[c] for c in checks if row[c])
                        for row in frame[checks].to_dict("records")]  # pyright: ignore[reportCallIssue]  (no pandas stubs: frame[list] is a frame)
    frame["compliant"] = ~frame[checks].any(axis=1)
    return frame[["student_id", "local_id", "name", "grade", "specialist", "plan_kind", "plan_status",  # pyright: ignore[reportReturnType]  (no pandas stubs: frame[list] is a frame)
                  *checks, "missing", "compliant"]]


def compliance_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts per specialist (and a school total): students, compliant, and how many miss each check."""
    checks = list(COMPLIANCE_CHECKS)
    by = frame.assign(specialist=frame.specialist.replace("", "(no specialist)"), students=1)
    groups = by.groupby("specialist", sort=True)[["students", "compliant", *checks]].sum().reset_index()  # pyright: ignore[reportAttributeAccessIssue]  (no pandas stubs: frame[list] is a frame)
    total = by[["students", "compliant", *checks]].sum().to_frame().T.assign(specialist="All students")
    return pd.concat([groups, total], ignore_index=True)[["specialist", "students", "compliant", *checks]]  # pyright: ignore[reportReturnType]  (no pandas stubs: frame[list] is a frame)


# --- teachers ---------------------------------------------------------------------------------------


def supports_owed(db: Database, actor_id: int, today: dt.date | None = None) -> pd.DataFrame:
    """Agreed supports this user owes: named as owner, or owed by 'teacher' to a student they teach."""
    today = today or dt.date.today()
    with db.read() as s:
        actor = active_user(s, actor_id)
        if actor is None:
            raise deny(actor_id, Action.VIEW, "support", None, None)
        owed = select(Link.id).where(Link.student_id == Student.id, Link.user_id == actor_id, LINK_OWES_SUPPORT)
        last_log = (
            select(SupportLog.support_id, func.max(SupportLog.done_on).label("last_done"), func.count().label("times"))
            .group_by(SupportLog.support_id).subquery()
        )
        rows = s.execute(
            select(Support.id.label("support_id"), Support.plan_id, Student.id.label("student_id"),
                   Support.description, Support.setting, Support.frequency, Support.status, Support.starts_on,
                   Support.ends_on, Support.acknowledged_at, Support.version, last_log.c.last_done, last_log.c.times,
                   Student.first_name, Student.preferred_name, Student.last_name)
            .join(Plan, Plan.id == Support.plan_id)
            .join(Student, Student.id == Plan.student_id)
            .outerjoin(last_log, last_log.c.support_id == Support.id)
            .where(Plan.status != PlanStatus.ARCHIVED, owed.exists())
            .order_by(Student.last_name, Support.id)
        ).all()
        if rows:
            note_view(s, actor_id, "supports owed", field=f"{len(rows)} supports")
    frame = pd.DataFrame(
        [
            {"support_id": r.support_id, "plan_id": r.plan_id, "student_id": r.student_id,
             "student": f"{r.preferred_name or r.first_name} {r.last_name}", "description": r.description,
             "setting": str(r.setting), "frequency": r.frequency, "status": str(r.status),
             "acknowledged": r.acknowledged_at is not None, "last_done": r.last_done, "times_done": r.times or 0,
             "version": r.version,
             "overdue": _overdue(r.frequency, r.last_done, r.starts_on, today)}
            for r in rows
        ],
        columns=["support_id", "plan_id", "student_id", "student", "description", "setting", "frequency",
                 "status", "acknowledged", "last_done", "times_done", "version", "overdue"],
    )
    return frame


_EVERY = {"daily": 1, "day": 1, "weekly": 7, "week": 7, "biweekly": 14, "monthly": 31, "month": 31}


def _overdue(frequency: str, last_done: dt.date | None, starts_on: dt.date | None, today: dt.date) -> bool:
    """A support is overdue when its frequency's interval has passed since it was last done."""
    words = (frequency or "").lower()
    days = next((d for w, d in _EVERY.items() if w in words), None)
    if days is None:
        return False
    since = last_done or starts_on
    return since is None or (today - since).days > days


def audit_events(db: Database, actor_id: int, student_id: int) -> list[dict[str, Any]]:
    """Raw audit rows of one student, for the history page and for tests."""
    with db.read() as s:
        grant = authorize(s, actor_id, student_id, Action.VIEW)
        if not grant.is_staff:
            raise deny(actor_id, Action.VIEW, "audit_event", None, student_id)
        rows = s.scalars(select(AuditEvent).where(AuditEvent.student_id == student_id).order_by(AuditEvent.id)).all()
        note_view(s, actor_id, "audit trail", student_id, student_id)
        return [
            {"at": r.at, "actor_id": r.actor_id, "action": r.action, "entity": r.entity, "entity_id": r.entity_id,
             "field": r.field, "old": r.old, "new": r.new}
            for r in rows
        ]


def meeting_record(db: Database, actor_id: int, meeting_id: int) -> shapes.MeetingRecordDoc | None:
    """A finalized meeting's record, whatever version its snapshot was stored in, read in the current
    shape (records.upgrade), with every signature: at the meeting and after finalizing. None before
    the meeting is finalized."""
    with db.read() as s:
        meeting, grant = load(s, actor_id, Meeting, meeting_id, Action.VIEW)
        record = s.scalar(select(MeetingRecord).where(MeetingRecord.meeting_id == meeting.id))
        record_view(s, grant, "meeting_record", meeting.id)
        return None if record is None else records.read(s, record)


# --- meetings (the meeting room and home; issue 4) ------------------------------------------------


def _my_students(session: Session, actor_id: int):
    """A WHERE clause for the active students an active account has a role toward (as my_students); refused otherwise."""
    actor = active_user(session, actor_id)
    if actor is None:
        raise deny(actor_id, Action.VIEW, "meeting", None, None)
    linked = select(Link.student_id).where(Link.user_id == actor_id, Link.active.is_(True))
    mine = or_(Student.id.in_(linked), Student.user_id == actor_id)
    if actor.is_admin:  # the same students my_students lists
        mine = or_(mine, Student.school_id == actor.school_id)
    return and_(mine, Student.active.is_(True))


def upcoming_meetings(db: Database, actor_id: int) -> list[shapes.UpcomingMeeting]:
    """Running, then scheduled meetings on the plans of students the user is linked to, or is; soonest first."""
    with db.read() as s:
        rows = s.execute(
            select(Meeting.id, Meeting.plan_id, Meeting.kind, Meeting.scheduled_at, Meeting.location, Meeting.status,
                   Student.id.label("student_id"), Student.first_name, Student.preferred_name, Student.last_name)
            .join(Plan, Plan.id == Meeting.plan_id)
            .join(Student, Student.id == Plan.student_id)
            .where(_my_students(s, actor_id), Meeting.status.in_([MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS]))
            .order_by(case((Meeting.status == MeetingStatus.IN_PROGRESS, 0), else_=1), Meeting.scheduled_at, Meeting.id)
        ).all()
    return [
        {"id": r.id, "plan_id": r.plan_id, "student_id": r.student_id,
         "student": f"{r.preferred_name or r.first_name} {r.last_name}", "kind": str(r.kind),
         "scheduled_at": r.scheduled_at, "location": r.location, "status": str(r.status)}
        for r in rows
    ]


def records_to_sign(db: Database, actor_id: int) -> list[shapes.RecordToSign]:
    """Finalized meetings this person attended and has not yet signed the record of; newest first."""
    with db.read() as s:
        mine = _my_students(s, actor_id)
        rows = s.execute(
            select(Meeting.id, Meeting.kind, Meeting.scheduled_at, Student.id.label("student_id"), Student.first_name,
                   Student.preferred_name, Student.last_name)
            .join(Attendance, Attendance.meeting_id == Meeting.id)
            .join(Plan, Plan.id == Meeting.plan_id)
            .join(Student, Student.id == Plan.student_id)
            .where(Attendance.user_id == actor_id, Attendance.status == AttendanceStatus.PRESENT,
                   Attendance.signed_at.is_(None), Meeting.status == MeetingStatus.FINALIZED, mine)
            .order_by(Meeting.scheduled_at.desc(), Meeting.id)
        ).all()
    return [{"id": r.id, "student_id": r.student_id, "student": f"{r.preferred_name or r.first_name} {r.last_name}",
             "kind": str(r.kind), "scheduled_at": r.scheduled_at} for r in rows]


def meeting_invitees(db: Database, actor_id: int, plan_id: int) -> list[shapes.Invitee]:
    """Who a meeting on this plan may invite: everyone actively linked to the student, and the student;
    `core` marks the plan's core team, whom a meeting invites unless the specialist says otherwise."""
    with db.read() as s:
        _plan, grant = load(s, actor_id, Plan, plan_id, Action.RUN_MEETING)
        core = core_team(s, plan_id, grant.student.id)
        rows = s.execute(
            select(User.id, User.display_name, Link.relationship)
            .join(Link, Link.user_id == User.id)
            .where(Link.student_id == grant.student.id, Link.active.is_(True))
            .order_by(Link.id)
        ).all()
        people: list[shapes.Invitee] = [
            {"user_id": r.id, "name": r.display_name, "role": str(r.relationship), "core": r.id in core} for r in rows]
        if grant.student.user_id:
            people.append({"user_id": grant.student.user_id, "name": grant.student.name, "role": "student", "core": True})
    unique: dict[int, shapes.Invitee] = {}
    for person in people:  # someone linked twice (a teacher who is also a parent) is invited once
        unique.setdefault(person["user_id"], person)
    return list(unique.values())


# --- links (the admin page; first added for the app shell, issue 3) -----------------------------


TEAM_LINK_COLUMNS = ["link_id", "student_id", "student", "user_id", "person", "username", "relationship", "course",
                     "active"]


def _holds_every_word(search: str, *columns: Any) -> list[Any]:
    """A WHERE clause per word of the search: each word is in one of the columns, in any case
    ("ana lop" finds Ana Lopez). No words, no clause."""
    return [or_(*(column.icontains(word, autoescape=True) for column in columns)) for word in search.split()]


def student_page(db: Database, actor_id: int, search: str = "", page: int = 1,
                 per_page: int = accounts.PER_PAGE) -> accounts.Page:
    """The students the actor may pick on the admin page (an admin: the school's active students;
    a specialist: their caseload, as `caseload(whole_school=True)` lists them), whose name or
    school id holds every word of `search`; by last name, one page of `per_page`."""
    search = accounts.searched(search)
    with db.read() as s:
        actor = active_user(s, actor_id)
        if actor is None or not (actor.kind in STAFF or actor.is_admin):
            raise deny(actor_id, Action.VIEW, "caseload", None, None)
        matching = [Student.active.is_(True), *_holds_every_word(
            search, Student.first_name, Student.preferred_name, Student.last_name, Student.local_id)]
        if actor.is_admin:
            matching.append(Student.school_id == actor.school_id)
        else:
            matching.append(Student.id.in_(select(Link.student_id).where(
                Link.user_id == actor_id, Link.relationship == Relationship.SPECIALIST, Link.active.is_(True))))
        total = s.scalar(select(func.count(Student.id)).where(*matching)) or 0
        page, offset = accounts.page_of(total, page, per_page)
        students = s.execute(
            select(Student.id, Student.local_id, Student.first_name, Student.preferred_name, Student.last_name,
                   Student.grade, Student.user_id)
            .where(*matching).order_by(Student.last_name, Student.first_name, Student.id).offset(offset).limit(per_page)
        ).all()
        note_view(s, actor_id, "students", field=f"{len(students)} of {total} students")
    return accounts.Page(
        [{"student_id": r.id, "local_id": r.local_id, "name": f"{r.preferred_name or r.first_name} {r.last_name}",
          "grade": r.grade, "has_sign_in": r.user_id is not None} for r in students],
        total, page, per_page,
    )


def team_links_page(db: Database, actor_id: int, search: str = "", page: int = 1, per_page: int = accounts.PER_PAGE,
                    *, removed_too: bool = False) -> accounts.Page:
    """Who is linked to which student, for the students the actor may manage links of (an admin:
    the whole school; a specialist: their caseload), one page at a time: the active links
    (`removed_too`: every link) whose student, person or username holds every word of `search`;
    by student (not by name: see below)."""
    search = accounts.searched(search)
    with db.read() as s:
        actor = active_user(s, actor_id)
        if actor is None or actor.school_id is None:
            raise deny(actor_id, Action.MANAGE_LINKS, "link", None, None)
        if actor.is_admin:
            managed = select(Student.id).where(Student.school_id == actor.school_id)
        else:
            managed = select(Link.student_id).where(
                Link.user_id == actor_id, Link.relationship == Relationship.SPECIALIST, Link.active.is_(True))
        matching: list[Any] = [Link.student_id.in_(managed)]
        for word in search.split():  # each word names the student or the person: a scan of each, not of every link
            students = select(Student.id).where(*_holds_every_word(
                word, Student.first_name, Student.preferred_name, Student.last_name))
            people = select(User.id).where(*_holds_every_word(word, User.display_name, User.username))
            matching.append(or_(Link.student_id.in_(students), Link.user_id.in_(people)))
        if not removed_too:
            matching.append(Link.active.is_(True))
        total = s.scalar(select(func.count(Link.id)).where(*matching)) or 0
        page, offset = accounts.page_of(total, page, per_page)
        rows = s.execute(
            select(Link.id, Link.student_id, Student.first_name, Student.preferred_name, Student.last_name,
                   Link.user_id, User.display_name, User.username, Link.relationship, Link.course, Link.active)
            .join(Student, Student.id == Link.student_id)
            .join(User, User.id == Link.user_id)
            .where(*matching)
            # Each student's links together, students in the order they joined the school: the link
            # table's student index gives that order, so a page is read without sorting every link.
            .order_by(Link.student_id, Link.id)
            .offset(offset).limit(per_page)
        ).all()
        note_view(s, actor_id, "links", field=f"{len(rows)} of {total} links")
    return accounts.Page(
        [{"link_id": r.id, "student_id": r.student_id, "student": f"{r.preferred_name or r.first_name} {r.last_name}",
          "user_id": r.user_id, "person": r.display_name, "username": r.username,
          "relationship": str(r.relationship), "course": r.course or "", "active": r.active}
         for r in rows],
        total, page, per_page,
    )
