"""The shapes of what the read side returns: the plan document, a student's summary, the meeting room, meeting records."""

# TypedDicts, not classes: the queries still hand out plain dicts (what records snapshot,
# exports write as JSON and tests compare), and pyright checks every key a caller reads.
# Choices (kinds, statuses, roles) are their plain string values; "author", "owner" and
# "user" are display names, None when nobody is known.

from __future__ import annotations

import datetime as dt
from typing import Any, NotRequired, TypedDict

# --- the plan document (queries.plan_document, queries.student_plan) ------------------------------


class StudentInfo(TypedDict):
    id: int
    name: str  # the name people use: the preferred first name, then the last name
    first_name: str
    last_name: str
    preferred_name: str | None
    local_id: str
    grade: int
    gifted_areas: str  # as stored: areas joined by ", "


class PlanInfo(TypedDict):
    id: int
    kind: str
    status: str
    revision: int  # moves on every change of plan content (the meeting room polls it)
    version: int
    year: str  # the school year's name
    year_id: int
    kept: bool  # a past year's archived plan, kept as it was to read (access.PLAN_KEPT_RULE)


class Period(TypedDict):
    name: str
    starts_on: dt.date
    ends_on: dt.date


class Section(TypedDict):
    id: int
    key: str
    voice: str  # "student" (the student's own words) or "team"
    text: str
    passed: bool
    version: int
    author: str | None
    updated_at: dt.datetime | None
    by_student: bool
    carried_from: str | None  # the school year this answer was carried over from, if it was


class GoalRevision(TypedDict):
    """An earlier wording of a goal, kept when it was changed."""

    statement: str
    success_criteria: str
    baseline: str
    target_date: dt.date | None
    replaced_at: dt.datetime
    replaced_by: str | None


class ProgressEntry(TypedDict):
    id: int
    on: dt.date
    rating: int | None  # 1-4, rules.RATING_WORDS
    percent: int | None
    note: str
    evidence_url: str | None
    author: str | None
    author_role: str


class Goal(TypedDict):
    id: int
    kind: str
    area: str | None
    statement: str
    success_criteria: str
    baseline: str
    target_date: dt.date | None
    status: str
    proposed_by: str
    version: int
    author: str | None
    carried_from: str | None  # the school year of the goal this one continues, if it does
    history: list[GoalRevision]  # oldest first, the continued goal's included
    progress: list[ProgressEntry]  # by date, the continued goal's included


class SupportLogEntry(TypedDict):
    done_on: dt.date
    note: str
    author: str | None


class Support(TypedDict):
    id: int
    goal_id: int | None
    description: str
    setting: str
    owner: str | None  # the owner's name, or the role that owes it
    owner_user_id: int | None
    owner_role: str | None
    frequency: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    status: str
    agreed_meeting_id: int | None
    acknowledged_at: dt.datetime | None
    version: int
    log: list[SupportLogEntry]
    # For the viewer (queries.student_plan only; plan_document, what records snapshot, has none):
    mine: NotRequired[bool]
    may_acknowledge: NotRequired[bool]
    may_log: NotRequired[bool]


class Intervention(TypedDict):
    id: int
    course: str
    description: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    outcome: str
    version: int


class Assessment(TypedDict):
    id: int
    name: str
    taken_on: dt.date
    score: str
    percentile: int | None
    note: str


class Note(TypedDict):
    id: int
    goal_id: int | None
    kind: str
    prompt: str | None
    text: str
    author: str | None
    author_role: str
    at: dt.datetime


class Meeting(TypedDict):
    id: int
    kind: str
    scheduled_at: dt.datetime
    location: str
    status: str
    agenda_step: str
    next_check_in: dt.date | None


class Acknowledgement(TypedDict):
    user: str | None
    revision: int
    at: dt.datetime


class PlanGoals(TypedDict):
    """The part of a plan document queries.progress_frame reads (a PlanDoc is one)."""

    goals: list[Goal]


class PlanDoc(TypedDict):
    """One plan, whole: what the plan page, the meeting room, the PDFs and the records work from."""

    time_zone: str  # the school's IANA zone (clock.py: which times are its wall clock, which UTC)
    plan: PlanInfo
    periods: list[Period]  # the plan's school year's reporting periods, in order
    student: StudentInfo
    sections: list[Section]
    goals: list[Goal]
    supports: list[Support]
    interventions: list[Intervention]
    assessments: list[Assessment]  # the student's, of every year
    notes: list[Note]
    meetings: list[Meeting]
    acknowledgements: list[Acknowledgement]


class ViewedPlan(PlanDoc):
    """A plan document as one viewer reads it (queries.student_plan): with what their roles allow."""

    viewer_roles: list[str]
    can: dict[str, bool]  # Action value -> whether the viewer's roles allow it
    voice_waiting: list[str]  # voice-first questions whose team side is closed: a meeting in progress waits for the student
    voice_done: dict[str, str]  # at the meeting in progress: key -> "still true", "updated" or "passed"
    set_aside: list[SetAsideNotice]  # other people's edits that lost to this viewer's save, not yet merged
    plans: list[SummaryPlan]  # every plan of the student, the newest year first: the plan page's year picker


class SetAsideNotice(TypedDict):
    what: str  # "the goal “…”", "“What are your strengths?”"
    by: str  # whose edit was set aside
    at: dt.datetime


# --- one student (queries.student_summary) ----------------------------------------------------------


class SummaryPlan(TypedDict):
    id: int
    kind: str
    status: str
    revision: int
    year: str
    is_current: bool  # of the current school year


class StudentSummary(TypedDict):
    id: int
    name: str
    first_name: str
    last_name: str
    preferred_name: str | None
    local_id: str
    grade: int
    gifted_areas: str
    has_login: bool
    roles: list[str]  # the viewer's roles toward the student
    current_plan_id: int | None  # rules.CURRENT_PLAN_RULE
    plans: list[SummaryPlan]  # newest school year first


# --- the meeting room (meetings.meeting_state) and meeting lists (queries) --------------------------


class Attendance(TypedDict):
    id: int
    user_id: int | None  # None for a guest
    name: str | None
    role: str | None
    status: str
    mode: str | None
    signed: bool
    version: int


class ActionItem(TypedDict):
    id: int
    description: str
    owner: str
    due_on: dt.date | None
    author: str | None


class MeetingState(TypedDict):
    id: int
    plan_id: int
    kind: str
    status: str
    agenda_step: str
    scheduled_at: dt.datetime
    location: str
    notes: str
    next_check_in: dt.date | None
    version: int
    attendance: list[Attendance]
    missing_roles: list[str]  # required roles with nobody present
    action_items: list[ActionItem]
    voice_waiting: list[str]  # voice-first questions the student has not confirmed, updated or passed on at this meeting
    opened_at: dt.datetime | None  # when it was held (first opened)
    viewer_roles: list[str]


class UpcomingMeeting(TypedDict):
    id: int
    plan_id: int
    student_id: int
    student: str
    kind: str
    scheduled_at: dt.datetime
    location: str
    status: str


class RecordToSign(TypedDict):
    id: int  # the meeting's
    student_id: int
    student: str
    kind: str
    scheduled_at: dt.datetime


class Invitee(TypedDict):
    user_id: int
    name: str
    role: str
    core: bool  # on the plan's core team (rules.CORE_TEAM_RULE): invited unless the specialist unticks them


# --- a finalized meeting's record (queries.meeting_record, records.read) -----------------------------
# The snapshot as stored: JSON, so its dates and times are strings (str() of the value). Every
# stored version is read in this, the current, shape (records.upgrade says what each version lacks).


class RecordMeeting(TypedDict):
    id: int
    kind: str
    scheduled_at: str
    opened_at: str | None  # when it was really held; None when never opened, or not kept (version 1)
    location: str
    finalized_at: str | None
    notes: str
    next_check_in: str | None
    missing_roles: list[str]
    missing_role_reason: str


class RecordPlan(TypedDict):
    id: int
    kind: str
    status: str
    revision: int
    version: int | None  # None: not kept (a version 1 demo record)
    year: str | None
    year_id: int | None


class RecordAttendance(TypedDict):
    id: int | None  # the attendance row's; None only for a version 1 record that could not be matched
    name: str | None
    role: str | None
    status: str
    mode: str | None
    checked_in_at: str | None
    signed_at: str | None  # signed at the meeting; later signatures are the record's `signatures`


class RecordActionItem(TypedDict):
    description: str
    owner: str
    due_on: str | None


class NoticeEntry(TypedDict):
    """One line of a meeting's notice log (notices.log): a notice e-mailed, or an invitee not reached."""

    name: str
    role: str
    notice: str  # "invitation", "update", "cancellation"; "" when none could be e-mailed
    queued_at: dt.datetime | None  # at the school, aware
    status: str  # sent, waiting (queued or retrying), failed, or why nothing was e-mailed
    sent_at: dt.datetime | None  # at the school, aware
    zone: str  # the school's IANA zone: a record keeps the times as ISO text with only their offset
    attempts: int
    error: str


class NoticeLog(TypedDict):
    entries: list[NoticeEntry]
    not_delivered: int  # notices waiting or failed: "3 invitations not delivered"


class RecordSnapshot(TypedDict):
    version: int  # the version it was stored in (records.SNAPSHOT_VERSION for new records)
    meeting: RecordMeeting
    student: StudentInfo
    plan: RecordPlan
    # The plan document's rows at finalizing (goals without their progress, agreed and
    # in-place supports only), their dates as strings:
    sections: list[dict[str, Any]]
    goals: list[dict[str, Any]]  # a version 1 demo record kept no status: None
    supports: list[dict[str, Any]]
    attendance: list[RecordAttendance]
    action_items: list[RecordActionItem]
    notices: list[dict[str, Any]]  # NoticeEntry rows, times as strings; empty before version 3


class Signature(TypedDict):
    """One person's "I was here and I have read this" on a record."""

    attendance_id: int | None
    name: str | None
    role: str | None
    signed_at: dt.datetime
    after_finalizing: bool  # False: signed at the meeting, so in the snapshot's attendance
    sha256: str | None  # the fingerprint of the record they read (after finalizing; None if not kept)


class MeetingRecordDoc(TypedDict):
    id: int
    created_at: dt.datetime
    sha256: str  # of the snapshot's JSON text
    snapshot: RecordSnapshot
    signatures: list[Signature]  # every signature, at the meeting and after, in the order given
    time_zone: str  # the school's IANA zone: its times (UTC moments, wall-clock meeting times) are read in it
