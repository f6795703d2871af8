"""Verbs on a student's plan. Each takes the acting user's id and runs as one transaction.

Every write is authorized through `access`, bumps the plan's revision and leaves one
AuditEvent. Edits of existing rows name the version the editor started from; a newer
stored version raises EditConflict with both values instead of overwriting.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plpcore import checks
from plpcore.access import (
    ALLOWED,
    ROLE_ORDER,
    Action,
    Grant,
    R,
    active_user,
    audit,
    authorize,
    bump_revision,
    deny,
    find,
    load,
)
from plpcore.db import Database
from plpcore.errors import EditConflict, InvalidInput
from plpcore.models import (
    AccountKind,
    Assessment,
    AuditEvent,
    AuthorRole,
    Base,
    Goal,
    GoalKind,
    GoalRevision,
    GoalStatus,
    Intervention,
    Link,
    Meeting,
    MeetingStatus,
    Note,
    NoteKind,
    Plan,
    PlanAcknowledgement,
    PlanKind,
    PlanSection,
    PlanStatus,
    ProgressEntry,
    ProposedBy,
    Relationship,
    SchoolYear,
    SetAside,
    Student,
    Support,
    SupportLog,
    SupportSetting,
    SupportStatus,
    User,
    Voice,
    VoiceConfirmation,
    VoiceOutcome,
    utcnow,
)
from plpcore.rules import owns_support

# The plan's sections. Profile questions have the student's words and the team's
# additions; career planning and programming are written by the team.
PROFILE_SECTIONS = {
    "feelings": "How do you feel about school right now?",
    "strengths": "What are your strengths?",
    "needs": "What are your needs?",
    "learning_style": "How do you learn best?",
    "interests": "What are your interests?",
    "likes_dislikes": "What do you like and dislike?",
}
CAREER_SECTIONS = {
    "career_interests": "Career interests",
    "career_inventory": "Career inventory results",
    "anticipated_coursework": "Anticipated coursework by grade",
    "career_site": "State career site",
}
PROGRAMMING_SECTIONS = {
    "extension": "Extension",
    "acceleration": "Acceleration",
    "enrichment": "Enrichment",
}
# The questions the student answers first; in a meeting, the team's side of each opens after.
VOICE_FIRST = ("feelings", "strengths", "needs", "learning_style")
SECTIONS = PROFILE_SECTIONS | CAREER_SECTIONS | PROGRAMMING_SECTIONS
GIFTED_AREAS = (
    "general intellectual",
    "reading",
    "writing",
    "math",
    "science",
    "social studies",
    "world language",
    "creative thinking",
    "leadership",
    "visual arts",
    "performing arts",
    "music",
    "dance",
    "psychomotor",
)


# --- helpers shared by the verbs -------------------------------------------------


def lock(session: Session, actor_id: int, model: type[R], row_id: int, action: Action) -> tuple[R, Grant]:
    """Load a row for editing: authorized, and locked (on PostgreSQL) until the commit."""
    row, grant = load(session, actor_id, model, row_id, action)
    session.refresh(row, with_for_update=True)
    return row, grant


def edit(session: Session, row: Any, expected_version: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply `changes` to a row the editor saw at `expected_version`; return the old values."""
    if expected_version != row.version:
        who = session.get(User, row.updated_by) if getattr(row, "updated_by", None) else None
        raise EditConflict(
            row.__tablename__,
            row.id,
            stored={k: getattr(row, k) for k in changes},
            attempted=dict(changes),
            stored_version=row.version,
            stored_by=who.display_name if who else None,
        )
    old = {k: getattr(row, k) for k in changes}
    for key, value in changes.items():
        setattr(row, key, value)
    return old


def changed(old: dict[str, Any], new: dict[str, Any]) -> tuple[str, Any, Any]:
    """The audit's field, old and new: the one field, or the changed ones together."""
    keys = [k for k in new if old[k] != new[k]] or list(new)
    if len(keys) == 1:
        return keys[0], old[keys[0]], new[keys[0]]
    return ",".join(keys), {k: old[k] for k in keys}, {k: new[k] for k in keys}


def written(session: Session, grant: Grant, plan_id: int, verb: str, row: Base, **change: Any) -> None:
    """Close a write: one audit event and the plan's revision moved."""
    audit(session, grant.actor.id, verb, row, student_id=grant.student.id, **change)
    bump_revision(session, plan_id)


def author_role(grant: Grant, action: Action) -> AuthorRole:
    """The role a person writes in for an action: the strongest of theirs that allows it."""
    return next(r for r in ROLE_ORDER if r in grant.roles and r in ALLOWED[action])


def current_year(session: Session, school_id: int) -> SchoolYear:
    year = session.scalar(
        select(SchoolYear).where(SchoolYear.school_id == school_id, SchoolYear.is_current.is_(True))
    )
    if year is None:
        raise InvalidInput("school year", "no current school year is set for this school.")
    return year


# --- students and links ------------------------------------------------------------


def create_student(
    db: Database,
    actor_id: int,
    *,
    local_id: str,
    first_name: str,
    last_name: str,
    grade: int,
    preferred_name: str | None = None,
    gifted_areas: list[str] | tuple[str, ...] = (),
) -> int:
    """A specialist (or admin) adds a student to the school; a specialist is linked to them."""
    values = student_values(local_id, first_name, last_name, grade, preferred_name, gifted_areas)
    with db.write() as s:
        actor = active_user(s, actor_id)
        if actor is None or actor.school_id is None or not (actor.is_admin or actor.kind is AccountKind.SPECIALIST):
            raise deny(actor_id, Action.MANAGE_LINKS, "student", None, None)
        if s.scalar(select(Student.id).where(Student.school_id == actor.school_id, Student.local_id == values["local_id"])):
            raise InvalidInput("local student id", f"{values['local_id']!r} is already used in this school.")
        student = Student(school_id=actor.school_id, **values)
        s.add(student)
        s.flush()
        if actor.kind is AccountKind.SPECIALIST:
            s.add(Link(student_id=student.id, user_id=actor.id, relationship=Relationship.SPECIALIST))
        audit(s, actor.id, "create", student, field="name", new=f"{values['first_name']} {values['last_name']}", student_id=student.id)
        return student.id


def student_values(local_id, first_name, last_name, grade, preferred_name=None, gifted_areas=()) -> dict[str, Any]:
    areas = [checks.line("gifted area", a, max_len=60) for a in gifted_areas]
    unknown = [a for a in areas if a not in GIFTED_AREAS]
    if unknown:
        raise InvalidInput("gifted areas", f"unknown area {unknown[0]!r}; use: {', '.join(GIFTED_AREAS)}.")
    return {
        "local_id": checks.line("local student id", local_id, max_len=64),
        "first_name": checks.line("first name", first_name, max_len=100),
        "last_name": checks.line("last name", last_name, max_len=100),
        "preferred_name": checks.optional_line("preferred name", preferred_name, max_len=100),
        "grade": checks.integer("grade", grade, lo=0, hi=12),
        "gifted_areas": ", ".join(areas),
    }


def link_user(
    db: Database, actor_id: int, student_id: int, user_id: int, relationship: str, course: str | None = None
) -> int:
    """Give a user a relationship to a student (teacher with an optional course)."""
    rel = checks.choice("relationship", Relationship, relationship)
    course = checks.optional_line("course", course, max_len=100)
    with db.write() as s:
        grant = authorize(s, actor_id, student_id, Action.MANAGE_LINKS)
        user = find(s, User, user_id)
        if user is None or user.school_id != grant.student.school_id:
            raise InvalidInput("user", "no such user in this school.")
        link = s.scalar(
            select(Link).where(Link.student_id == student_id, Link.user_id == user_id, Link.relationship == rel)
        )
        if link is None:
            link = Link(student_id=student_id, user_id=user_id, relationship=rel, course=course)
            s.add(link)
        elif link.active and link.course == course:
            return link.id
        else:
            link.active, link.course = True, course
        audit(s, actor_id, "link", link, field="relationship", new=f"{user.username} {rel}", student_id=student_id)
        return link.id


def unlink_user(db: Database, actor_id: int, link_id: int) -> None:
    with db.write() as s:
        link = find(s, Link, link_id)
        authorize(s, actor_id, link.student_id if link else None, Action.MANAGE_LINKS)
        assert link is not None  # authorize refuses a link that is not there
        if link.active:
            link.active = False
            audit(s, actor_id, "unlink", link, field="active", old=True, new=False, student_id=link.student_id)


# --- plans and sections ------------------------------------------------------------


def create_plan(db: Database, actor_id: int, student_id: int, kind: str = "ALP", school_year_id: int | None = None) -> int:
    kind = checks.choice("plan kind", PlanKind, kind)
    with db.write() as s:
        grant = authorize(s, actor_id, student_id, Action.EDIT_PLAN)
        year = s.get(SchoolYear, school_year_id) if school_year_id else current_year(s, grant.student.school_id)
        if year is None or year.school_id != grant.student.school_id:
            raise InvalidInput("school year", "no such school year in this school.")
        if s.scalar(select(Plan.id).where(Plan.student_id == student_id, Plan.school_year_id == year.id, Plan.kind == kind)):
            raise InvalidInput("plan kind", f"this student already has an {kind} for {year.name}.")
        plan = Plan(student_id=student_id, school_year_id=year.id, kind=kind, status=PlanStatus.DRAFT, revision=0)
        s.add(plan)
        s.flush()
        written(s, grant, plan.id, "create", plan, field="kind", new=f"{kind} {year.name}")
        return plan.id


def set_plan_status(db: Database, actor_id: int, plan_id: int, status: str, expected_version: int) -> None:
    status = checks.choice("plan status", PlanStatus, status)
    with db.write() as s:
        plan, grant = lock(s, actor_id, Plan, plan_id, Action.EDIT_PLAN)
        old = edit(s, plan, expected_version, {"status": status})
        written(s, grant, plan.id, "update", plan, field="status", old=old["status"], new=status)


def update_section(
    db: Database,
    actor_id: int,
    plan_id: int,
    key: str,
    voice: str,
    text: str,
    expected_version: int,
    *,
    passed: bool = False,
) -> int:
    """Write one answer of the plan. `expected_version` is 0 for an answer not yet written.

    The student's own words can be written by the student, or by the specialist typing
    with the student present; the words are the student's either way, and the row keeps
    who typed them (pages show "in the student's words, typed by ..."). The
    student may also pass on a question (`passed=True`), which opens the team's side.
    """
    if key not in SECTIONS:
        raise InvalidInput("section", f"unknown section {key!r}.")
    voice = checks.choice("voice", Voice, voice)
    if voice is Voice.STUDENT and key not in PROFILE_SECTIONS:
        raise InvalidInput("section", "career planning and programming are written by the team.")
    text = checks.text(PROFILE_SECTIONS.get(key, SECTIONS[key]), text, required=False)
    action = Action.STUDENT_VOICE if voice is Voice.STUDENT else (
        Action.TEAM_VOICE if key in PROFILE_SECTIONS else Action.EDIT_PLAN
    )
    with db.write() as s:
        plan, grant = lock(s, actor_id, Plan, plan_id, action)
        if voice is Voice.TEAM and key in voice_waiting(s, plan.id):
            raise InvalidInput(PROFILE_SECTIONS[key], "at this meeting the team adds after the student has "
                                                      "confirmed, updated or passed on this question.")
        section = s.scalar(
            select(PlanSection).where(PlanSection.plan_id == plan_id, PlanSection.key == key, PlanSection.voice == voice)
            .with_for_update()
        )
        if section is None:
            if expected_version != 0:
                raise InvalidInput("section", "expected an existing answer; reload the plan.")
            section = PlanSection(plan_id=plan_id, key=key, voice=voice, text="")
            s.add(section)
            s.flush()
            expected_version = section.version
        old = edit(s, section, expected_version, {"text": text, "passed": passed})
        section.updated_by, section.updated_at = actor_id, utcnow()
        s.flush()
        # Passing on a question is a change too: the audit says so rather than recording an empty answer.
        new = text if text or not passed else "(passed on this question)"
        written(s, grant, plan.id, "update", section, field=f"{key} ({voice})", old=old["text"], new=new)
        if voice is Voice.STUDENT and (passed or text.strip()):
            voice_confirmed(s, plan.id, key, VoiceOutcome.PASSED if passed else VoiceOutcome.UPDATED, actor_id)
        return section.version


def voice_waiting(session: Session, plan_id: int) -> list[str]:
    """Student voice first, a rule per meeting: while a meeting on the plan is in progress, the
    voice-first questions the student has not yet confirmed ("still true"), updated or passed
    on at this meeting. An answer from September does not count in October: the student speaks
    first at every meeting. Outside a meeting nothing waits."""
    done = voice_done(session, plan_id)
    return [] if done is None else [k for k in VOICE_FIRST if k not in done]


def voice_done(session: Session, plan_id: int) -> dict[str, str] | None:
    """What the student did with each voice-first question at the meeting in progress ("still true",
    "updated", "passed"), by key; None outside a meeting."""
    meeting_id = in_progress_meeting(session, plan_id)
    if meeting_id is None:
        return None
    return {key: str(outcome) for key, outcome in session.execute(
        select(VoiceConfirmation.key, VoiceConfirmation.outcome).where(VoiceConfirmation.meeting_id == meeting_id))}


def in_progress_meeting(session: Session, plan_id: int) -> int | None:
    return session.scalar(
        select(Meeting.id).where(Meeting.plan_id == plan_id, Meeting.status == MeetingStatus.IN_PROGRESS)
        .order_by(Meeting.id).limit(1)
    )


def questions(keys: list[str]) -> str:
    """Voice-first questions as people read them, for a message."""
    return "; ".join(f"“{PROFILE_SECTIONS[k]}”" for k in keys)


def voice_confirmed(session: Session, plan_id: int, key: str, outcome: VoiceOutcome, actor_id: int) -> None:
    """Note what the student did with a voice-first question at the meeting in progress, if any
    (the latest of confirmed, updated or passed stands; the audit keeps each)."""
    meeting_id = in_progress_meeting(session, plan_id) if key in VOICE_FIRST else None
    if meeting_id is None:
        return
    row = session.scalar(select(VoiceConfirmation).where(VoiceConfirmation.meeting_id == meeting_id,
                                                          VoiceConfirmation.key == key))
    if row is None:
        session.add(VoiceConfirmation(meeting_id=meeting_id, key=key, outcome=outcome, by_user=actor_id))
    else:
        row.outcome, row.by_user, row.at = outcome, actor_id, utcnow()
    session.flush()


# --- goals ---------------------------------------------------------------------------


def _goal_values(kind, statement, success_criteria, baseline, target_date, area) -> dict[str, Any]:
    area = checks.optional_line("identification area", area, max_len=60)
    if area is not None and area not in GIFTED_AREAS:
        raise InvalidInput("identification area", f"unknown area {area!r}; use: {', '.join(GIFTED_AREAS)}.")
    return {
        "kind": checks.choice("goal kind", GoalKind, kind),
        "statement": checks.text("goal statement", statement, max_len=2000),
        "success_criteria": checks.text("success criteria", success_criteria, max_len=2000, required=False),
        "baseline": checks.text("baseline", baseline, max_len=2000, required=False),
        "target_date": checks.date("target date", target_date, required=False),
        "area": area,
    }


def add_goal(
    db: Database,
    actor_id: int,
    plan_id: int,
    *,
    kind: str,
    statement: str,
    success_criteria: str = "",
    baseline: str = "",
    target_date: dt.date | str | None = None,
    area: str | None = None,
    status: str = "not started",
) -> int:
    """The team sets a goal on the plan."""
    values = _goal_values(kind, statement, success_criteria, baseline, target_date, area)
    values["status"] = checks.choice("goal status", GoalStatus, status)
    return _new_goal(db, actor_id, plan_id, Action.EDIT_GOALS, ProposedBy.TEAM, values)


def propose_goal(
    db: Database, actor_id: int, plan_id: int, *, kind: str, statement: str, why: str = ""
) -> int:
    """A student (or parent) proposes a goal; it waits for the team as 'not started'."""
    values = _goal_values(kind, statement, "", why, None, None)
    values["status"] = GoalStatus.NOT_STARTED
    return _new_goal(db, actor_id, plan_id, Action.PROPOSE_GOAL, None, values)


def _new_goal(db, actor_id, plan_id, action, proposed_by, values) -> int:
    with db.write() as s:
        plan, grant = load(s, actor_id, Plan, plan_id, action)
        if proposed_by is None:
            proposed_by = ProposedBy.STUDENT if author_role(grant, action) in (AuthorRole.STUDENT, AuthorRole.GUARDIAN) else ProposedBy.TEAM
        goal = Goal(plan_id=plan.id, proposed_by=proposed_by, created_by=actor_id, updated_by=actor_id, updated_at=utcnow(), **values)
        s.add(goal)
        s.flush()
        written(s, grant, plan.id, "create", goal, field="statement", new=values["statement"])
        return goal.id


def revise_goal(
    db: Database,
    actor_id: int,
    goal_id: int,
    expected_version: int,
    *,
    statement: str,
    success_criteria: str | None = None,
    baseline: str | None = None,
    target_date: dt.date | str | None = None,
) -> int:
    """Change a goal's wording. The earlier wording is kept in its history."""
    with db.write() as s:
        goal, grant = lock(s, actor_id, Goal, goal_id, Action.EDIT_GOALS)
        changes = {
            "statement": checks.text("goal statement", statement, max_len=2000),
            "success_criteria": goal.success_criteria if success_criteria is None else checks.text("success criteria", success_criteria, max_len=2000, required=False),
            "baseline": goal.baseline if baseline is None else checks.text("baseline", baseline, max_len=2000, required=False),
            "target_date": checks.date("target date", target_date, required=False) if target_date is not None else goal.target_date,
        }
        s.add(GoalRevision(goal_id=goal.id, statement=goal.statement, success_criteria=goal.success_criteria,
                           baseline=goal.baseline, target_date=goal.target_date, replaced_by=actor_id))
        old = edit(s, goal, expected_version, changes)
        goal.updated_by, goal.updated_at = actor_id, utcnow()
        s.flush()
        field, before, after = changed(old, changes)
        written(s, grant, goal.plan_id, "revise", goal, field=field, old=before, new=after)
        return goal.version


def set_goal_status(db: Database, actor_id: int, goal_id: int, status: str, expected_version: int) -> int:
    """Move a goal along (in progress, met, not met, discontinued…); goals are never deleted."""
    status = checks.choice("goal status", GoalStatus, status)
    with db.write() as s:
        goal, grant = lock(s, actor_id, Goal, goal_id, Action.EDIT_GOALS)
        old = edit(s, goal, expected_version, {"status": status})
        goal.updated_by, goal.updated_at = actor_id, utcnow()
        s.flush()
        written(s, grant, goal.plan_id, "update", goal, field="status", old=old["status"], new=status)
        return goal.version


def close_goal(db: Database, actor_id: int, goal_id: int, outcome: str, expected_version: int) -> int:
    if outcome not in (GoalStatus.MET, GoalStatus.NOT_MET, GoalStatus.DISCONTINUED):
        raise InvalidInput("outcome", "must be met, not met or discontinued.")
    return set_goal_status(db, actor_id, goal_id, outcome, expected_version)


def record_progress(
    db: Database,
    actor_id: int,
    goal_id: int,
    *,
    on: dt.date | str | None = None,
    rating: int | None = None,
    percent: int | None = None,
    note: str = "",
    evidence_url: str | None = None,
) -> int:
    """A rating 1–4 (1 not yet … 4 met) and/or a percentage, by staff, student or parent."""
    values = _progress_values(on, rating, percent, note, evidence_url)
    with db.write() as s:
        goal, grant = load(s, actor_id, Goal, goal_id, Action.RECORD_PROGRESS)
        return _add_progress(s, grant, goal, values)


def _progress_values(on, rating, percent, note, evidence_url) -> dict[str, Any]:
    values = {
        "on": checks.date("date", on or dt.date.today()),
        "rating": checks.integer("rating", rating, lo=1, hi=4, required=False),
        "percent": checks.integer("percent", percent, lo=0, hi=100, required=False),
        "note": checks.text("note", note, max_len=4000, required=False),
        "evidence_url": checks.url("evidence link", evidence_url),
    }
    if values["rating"] is None and values["percent"] is None:
        raise InvalidInput("rating", "give a rating from 1 to 4 or a percentage.")
    return values


def _add_progress(s: Session, grant: Grant, goal: Goal, values: dict[str, Any], *, bump: bool = True) -> int:
    """Add one progress entry and audit it; `bump=False` when another row of the same write moves the revision."""
    entry = ProgressEntry(goal_id=goal.id, author_id=grant.actor.id,
                          author_role=author_role(grant, Action.RECORD_PROGRESS), **values)
    s.add(entry)
    s.flush()
    summary = f"rating {values['rating']}" if values["rating"] is not None else f"{values['percent']}%"
    if bump:
        written(s, grant, goal.plan_id, "create", entry, field="rating", new=summary)
    else:
        audit(s, grant.actor.id, "create", entry, student_id=grant.student.id, field="rating", new=summary)
    return entry.id


def check_in_at_home(db: Database, actor_id: int, goal_id: int, *, prompt: str, note: str = "",
                     rating: int | None = None) -> None:
    """A parent's (or student's) check-in on one goal: what was talked about, and/or how it is going.

    The note and the rating are written together or not at all: one write, so the plan's
    revision moves by one, and each row has its own audit event.
    """
    prompt = checks.line("prompt", prompt, max_len=200)
    text = checks.text("note", note, max_len=4000, required=False)
    values = _progress_values(None, rating, None, "", None) if rating is not None else None
    has_note = bool(text.strip())  # only spaces is no note, as add_note's required text says
    if not has_note and values is None:
        raise InvalidInput("note", "write what you talked about, or choose how it is going.")
    with db.write() as s:
        # Whoever may add a note on a goal may also rate it (the same roles in access.ALLOWED).
        goal, grant = load(s, actor_id, Goal, goal_id, Action.ADD_NOTE)
        if has_note:
            _add_note(s, grant, goal.plan_id, text, goal.id, prompt)
        if values is not None:
            _add_progress(s, grant, goal, values, bump=not has_note)


# --- supports ---------------------------------------------------------------------------


def propose_support(
    db: Database,
    actor_id: int,
    plan_id: int,
    *,
    description: str,
    setting: str,
    owner_user_id: int | None = None,
    owner_role: str | None = None,
    frequency: str = "",
    goal_id: int | None = None,
    starts_on: dt.date | str | None = None,
    ends_on: dt.date | str | None = None,
) -> int:
    values = {
        "description": checks.text("support", description, max_len=2000),
        "setting": checks.choice("setting", SupportSetting, setting),
        "frequency": checks.line("frequency", frequency, max_len=100, required=False),
        "owner_role": checks.choice("owner role", AuthorRole, owner_role) if owner_role else None,
        "starts_on": checks.date("start date", starts_on, required=False),
        "ends_on": checks.date("end date", ends_on, required=False),
    }
    checks.date_order("start date", values["starts_on"], "end date", values["ends_on"])
    with db.write() as s:
        plan, grant = load(s, actor_id, Plan, plan_id, Action.PROPOSE_SUPPORT)
        if owner_user_id is not None and owner_user_id not in _linked_users(s, grant.student):
            raise InvalidInput("owner", "the owner must be someone linked to this student.")
        if goal_id is not None and s.scalar(select(Goal.plan_id).where(Goal.id == goal_id)) != plan.id:
            raise InvalidInput("goal", "that goal is not on this plan.")
        if owner_user_id is None and values["owner_role"] is None:
            raise InvalidInput("owner", "name a person or a role who owns this support.")
        support = Support(plan_id=plan.id, goal_id=goal_id, owner_user_id=owner_user_id, created_by=actor_id,
                          status=SupportStatus.PROPOSED, **values)
        s.add(support)
        s.flush()
        written(s, grant, plan.id, "create", support, field="description", new=values["description"])
        return support.id


def _linked_users(session: Session, student: Student) -> set[int]:
    ids = set(session.scalars(select(Link.user_id).where(Link.student_id == student.id, Link.active.is_(True))))
    if student.user_id:
        ids.add(student.user_id)
    return ids


def set_support_status(
    db: Database, actor_id: int, support_id: int, status: str, expected_version: int, *, meeting_id: int | None = None
) -> int:
    """Agree, put in place or stop a support (supports are stopped, never deleted)."""
    status = checks.choice("support status", SupportStatus, status)
    with db.write() as s:
        support, grant = lock(s, actor_id, Support, support_id, Action.MANAGE_SUPPORTS)
        changes: dict[str, Any] = {"status": status}
        if meeting_id is not None:
            changes["agreed_meeting_id"] = meeting_id
        old = edit(s, support, expected_version, changes)
        s.flush()
        written(s, grant, support.plan_id, "update", support, field="status", old=old["status"], new=status)
        return support.version


def _owns(grant: Grant, support: Support, session: Session) -> bool:
    return owns_support(support.owner_user_id, support.owner_role, grant.actor.id, [str(r) for r in grant.roles])


def acknowledge_support(db: Database, actor_id: int, support_id: int) -> None:
    """The owner of a support says 'I have seen this and will do it'."""
    with db.write() as s:
        support, grant = lock(s, actor_id, Support, support_id, Action.LOG_SUPPORT)
        if not _owns(grant, support, s):
            raise deny(actor_id, Action.LOG_SUPPORT, "support", support_id, grant.student.id)
        if support.acknowledged_at is None:
            support.acknowledged_at = utcnow()
            s.flush()
            written(s, grant, support.plan_id, "acknowledge", support, field="acknowledged_at", new=support.acknowledged_at)


def log_support(db: Database, actor_id: int, support_id: int, *, done_on: dt.date | str | None = None, note: str = "") -> int:
    """The owner records that a support was given on a day."""
    done_on = checks.date("date", done_on or dt.date.today())
    note = checks.text("note", note, max_len=2000, required=False)
    with db.write() as s:
        support, grant = load(s, actor_id, Support, support_id, Action.LOG_SUPPORT)
        if not (_owns(grant, support, s) or AuthorRole.SPECIALIST in grant.roles):
            raise deny(actor_id, Action.LOG_SUPPORT, "support", support_id, grant.student.id)
        if support.status is SupportStatus.STOPPED:
            raise InvalidInput("support", "this support was stopped.")
        entry = SupportLog(support_id=support.id, done_on=done_on, note=note, author_id=actor_id)
        s.add(entry)
        s.flush()
        written(s, grant, support.plan_id, "create", entry, field="done_on", new=done_on)
        return entry.id


# --- interventions, assessments, notes -------------------------------------------------


def log_intervention(
    db: Database,
    actor_id: int,
    plan_id: int,
    *,
    course: str,
    description: str,
    starts_on: dt.date | str | None = None,
    ends_on: dt.date | str | None = None,
    outcome: str = "",
) -> int:
    values = {
        "course": checks.line("course or classroom", course, max_len=100),
        "description": checks.text("intervention", description, max_len=2000),
        "starts_on": checks.date("start date", starts_on, required=False),
        "ends_on": checks.date("end date", ends_on, required=False),
        "outcome": checks.text("outcome", outcome, max_len=2000, required=False),
    }
    checks.date_order("start date", values["starts_on"], "end date", values["ends_on"])
    with db.write() as s:
        plan, grant = load(s, actor_id, Plan, plan_id, Action.INTERVENTION)
        row = Intervention(plan_id=plan.id, created_by=actor_id, **values)
        s.add(row)
        s.flush()
        written(s, grant, plan.id, "create", row, field="description", new=values["description"])
        return row.id


def assessment_values(name, taken_on, score="", percentile=None, note="") -> dict[str, Any]:
    return {
        "name": checks.line("assessment", name, max_len=100),
        "taken_on": checks.date("date", taken_on),
        "score": checks.line("score", "" if score is None else str(score), max_len=50, required=False),
        "percentile": checks.integer("percentile", percentile, lo=1, hi=99, required=False),
        "note": checks.text("note", note, max_len=2000, required=False),
    }


def record_assessment(db: Database, actor_id: int, student_id: int, **fields: Any) -> int:
    """An assessment result (CogAT, MAP, a state test…) for the student's data warehouse."""
    values = assessment_values(**fields)
    with db.write() as s:
        authorize(s, actor_id, student_id, Action.ASSESSMENT)
        row = s.scalar(select(Assessment).where(Assessment.student_id == student_id, Assessment.name == values["name"], Assessment.taken_on == values["taken_on"]))
        if row is not None:
            raise InvalidInput("assessment", f"{values['name']} on {values['taken_on']} is already recorded.")
        row = Assessment(student_id=student_id, created_by=actor_id, **values)
        s.add(row)
        s.flush()
        audit(s, actor_id, "create", row, field="score", new=f"{values['name']} {values['score']}", student_id=student_id)
        for plan_id in s.scalars(select(Plan.id).where(Plan.student_id == student_id)):
            bump_revision(s, plan_id)
        return row.id


def add_note(
    db: Database, actor_id: int, plan_id: int, text: str, *, goal_id: int | None = None, prompt: str | None = None
) -> int:
    """A comment (staff), a home note (parent) or a reflection (student) on the plan or a goal."""
    text = checks.text("note", text, max_len=4000)
    prompt = checks.optional_line("prompt", prompt, max_len=200)
    with db.write() as s:
        plan, grant = load(s, actor_id, Plan, plan_id, Action.ADD_NOTE)
        if goal_id is not None and s.scalar(select(Goal.plan_id).where(Goal.id == goal_id)) != plan.id:
            raise InvalidInput("goal", "that goal is not on this plan.")
        return _add_note(s, grant, plan.id, text, goal_id, prompt)


def _add_note(s: Session, grant: Grant, plan_id: int, text: str, goal_id: int | None, prompt: str | None) -> int:
    role = author_role(grant, Action.ADD_NOTE)
    kind = {AuthorRole.GUARDIAN: NoteKind.HOME_NOTE, AuthorRole.STUDENT: NoteKind.REFLECTION}.get(role, NoteKind.COMMENT)
    note = Note(plan_id=plan_id, goal_id=goal_id, kind=kind, prompt=prompt, text=text, author_id=grant.actor.id,
                author_role=role)
    s.add(note)
    s.flush()
    written(s, grant, plan_id, "create", note, field="text", new=text)
    return note.id


def acknowledge_plan(db: Database, actor_id: int, plan_id: int) -> int:
    """A parent or the student says they have read the plan as it stands now."""
    with db.write() as s:
        plan, grant = load(s, actor_id, Plan, plan_id, Action.ACKNOWLEDGE)
        row = PlanAcknowledgement(plan_id=plan.id, user_id=actor_id, revision=plan.revision)
        s.add(row)
        s.flush()
        written(s, grant, plan.id, "acknowledge", row, field="revision", new=plan.revision)
        return row.id


# --- an edit set aside in a conflict ---------------------------------------------------------------

_SET_ASIDE_ROWS: dict[str, type[Base]] = {m.__tablename__: m for m in (Plan, PlanSection, Goal, Support, Meeting)}


def _what(row: Base) -> str:
    """The thing edited, as people read it, for the one-line notice."""
    if isinstance(row, PlanSection):
        return f"“{SECTIONS[row.key]}”"
    if isinstance(row, Goal):
        return f"the goal “{row.statement[:60]}”"
    if isinstance(row, Support):
        return f"the support “{row.description[:60]}”"
    if isinstance(row, Meeting):
        return "the meeting's next steps"
    return "the plan's status"


def _edited_row(session: Session, actor_id: int, entity: str, entity_id: int) -> tuple[Base, Grant]:
    model = _SET_ASIDE_ROWS.get(entity)
    if model is None:
        raise InvalidInput("edit", f"unknown kind of row {entity!r}.")
    return load(session, actor_id, model, entity_id, Action.VIEW)


def set_aside(db: Database, actor_id: int, entity: str, entity_id: int) -> None:
    """The actor's edit of a row lost a conflict and waits for them to merge it. The person whose
    save won (the last other person to write the row) is told, so two people do not both think
    they are done. Once per row and person until settled."""
    with db.write() as s:
        row, grant = _edited_row(s, actor_id, entity, entity_id)
        waiting = s.scalar(select(SetAside.id).where(SetAside.entity == entity, SetAside.entity_id == entity_id,
                                                      SetAside.by_user == actor_id, SetAside.settled_at.is_(None)))
        if waiting is not None:
            return
        winner = s.scalar(
            select(AuditEvent.actor_id)
            .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id, AuditEvent.actor_id != actor_id)
            .order_by(AuditEvent.id.desc()).limit(1)
        )
        plan_id = row.id if isinstance(row, Plan) else row.plan_id  # pyright: ignore[reportAttributeAccessIssue]
        notice = SetAside(plan_id=plan_id, entity=entity, entity_id=entity_id, what=_what(row), by_user=actor_id,
                          for_user=winner)
        s.add(notice)
        written(s, grant, plan_id, "set aside", notice, field=entity, new=notice.what)


def settle_set_aside(db: Database, actor_id: int, entity: str, entity_id: int) -> None:
    """The actor chose (kept theirs, kept their own, or merged): the notice of their set-aside edit ends."""
    with db.write() as s:
        _row, grant = _edited_row(s, actor_id, entity, entity_id)
        notices = s.scalars(select(SetAside).where(SetAside.entity == entity, SetAside.entity_id == entity_id,
                                                   SetAside.by_user == actor_id, SetAside.settled_at.is_(None))).all()
        for notice in notices:
            notice.settled_at = utcnow()
            written(s, grant, notice.plan_id, "settle", notice, field=entity, new=notice.what)
