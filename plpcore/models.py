"""The database tables of PlanTable, as SQLAlchemy 2.x typed declarative models."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Choice(enum.StrEnum):
    """An enum whose values are what the database stores and what a CSV may say."""


class Relationship(Choice):
    SPECIALIST = "specialist"
    TEACHER = "teacher"
    GUARDIAN = "guardian"


class AccountKind(Choice):
    """What an account is for: decides the home page and who may add students.

    Access to a student is still decided by links, never by this alone.
    """

    SPECIALIST = "specialist"
    TEACHER = "teacher"
    GUARDIAN = "guardian"
    STUDENT = "student"
    ADMIN = "admin"


class PlanKind(Choice):
    ALP = "ALP"
    PLP = "PLP"
    ILP = "ILP"


class PlanStatus(Choice):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class Voice(Choice):
    STUDENT = "student"
    TEAM = "team"


class GoalKind(Choice):
    ACHIEVEMENT = "achievement"
    AFFECTIVE = "affective"
    CAREER = "career"
    OTHER = "other"


class GoalStatus(Choice):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    MET = "met"
    NOT_MET = "not met"
    REVISED = "revised"
    DISCONTINUED = "discontinued"


class ProposedBy(Choice):
    STUDENT = "student"
    TEAM = "team"


class AuthorRole(Choice):
    SPECIALIST = "specialist"
    TEACHER = "teacher"
    GUARDIAN = "guardian"
    STUDENT = "student"
    ADMIN = "admin"


class SupportSetting(Choice):
    CLASSROOM = "classroom"
    SCHOOL = "school"
    HOME = "home"
    ONLINE = "online"


class SupportStatus(Choice):
    PROPOSED = "proposed"
    AGREED = "agreed"
    IN_PLACE = "in place"
    STOPPED = "stopped"


class MeetingKind(Choice):
    ANNUAL_REVIEW = "annual ALP review"
    CHECK_IN = "check-in"
    TRANSITION = "transition"


class MeetingStatus(Choice):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in progress"
    FINALIZED = "finalized"
    CANCELLED = "cancelled"


class AgendaStep(Choice):
    ATTENDANCE = "attendance"
    STUDENT_VOICE = "student voice"
    PROGRESS_REVIEW = "progress review"
    GOALS = "goals"
    SUPPORTS = "supports"
    NEXT_STEPS = "next steps"
    REVIEW_AND_SIGN = "review and sign"


class AttendanceStatus(Choice):
    INVITED = "invited"
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class AttendanceMode(Choice):
    IN_PERSON = "in person"
    PHONE = "phone"
    VIDEO = "video"


class VoiceOutcome(Choice):
    """What the student did with a voice-first question at one meeting's voice step."""

    CONFIRMED = "still true"
    UPDATED = "updated"
    PASSED = "passed"


class NoteKind(Choice):
    COMMENT = "comment"
    HOME_NOTE = "home note"
    REFLECTION = "reflection"


class MessageStatus(Choice):
    QUEUED = "queued"  # waiting for the sender (or for SMTP to be set up)
    SENDING = "sending"  # handed to SMTP by a sender that may have died: sent again, same Message-ID
    SENT = "sent"
    FAILED = "failed"  # refused for good, or out of attempts: the error says why


class LinkPurpose(Choice):
    """What a one-time link is for; the only thing its URL names."""

    INVITATION = "invitation"  # a new account: the person sets their own password
    RESET = "reset"  # a forgotten password
    SIGN = "sign"  # read and sign a finalized meeting's record


def choice(enum_cls: type[Choice]) -> Enum:
    """A portable enum column: a checked VARCHAR, not a PostgreSQL type, so migrations stay simple."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda cls: [m.value for m in cls],
        length=32,
        name=enum_cls.__name__.lower(),
    )


class School(Base):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # The demo school's made-up sign-ins (JSON [[role, username, password], ...]), shown on the
    # sign-in page while it is loaded. Never set for a real school.
    demo_sign_ins: Mapped[str | None] = mapped_column(Text)
    # The IANA zone people at the school read times in. Meeting times are stored as the
    # school's wall-clock time; moments the app records (created_at, signed_at ...) are UTC.
    time_zone: Mapped[str] = mapped_column(String(64), default="America/Denver", server_default="America/Denver")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    years: Mapped[list[SchoolYear]] = relationship(back_populates="school")


class SchoolYear(Base):
    __tablename__ = "school_year"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)

    school: Mapped[School] = relationship(back_populates="years")
    periods: Mapped[list[ReportingPeriod]] = relationship(
        back_populates="school_year", order_by="ReportingPeriod.starts_on"
    )


class ReportingPeriod(Base):
    __tablename__ = "reporting_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)

    school_year: Mapped[SchoolYear] = relationship(back_populates="periods")


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(100))
    kind: Mapped[AccountKind] = mapped_column(choice(AccountKind))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Signing out ends every sign-in cookie issued before this moment, even a copy kept elsewhere.
    signed_out_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # What the person chose to get by e-mail: reminders and digests (one click stops them), and
    # meeting notices and records (a family's election to get notices by e-mail, IDEA §300.505).
    # email_choice_at is when they last chose; None means the school's default still holds.
    email_reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    email_notices: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    email_choice_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The token of the one-click "stop these e-mails" link in every reminder (made when first needed).
    email_stop_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# Usernames are unique whatever their case: "JSmith" and "jsmith" are one person.
Index("uq_app_user_username_lower", func.lower(User.username), unique=True)
Index("uq_app_user_email_stop_token", User.email_stop_token, unique=True)


class SignInAttempt(Base):
    """One password sign-in attempt: who was tried, from which address, and whether it worked.

    Throttling reads these, so every server behind a load balancer agrees: failures from one
    address slow that address down, and never lock the account's owner out of other devices."""

    __tablename__ = "sign_in_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    address: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(64))  # as typed, lower-cased: also names no account
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


Index("ix_sign_in_attempt_address_at", SignInAttempt.address, SignInAttempt.at)
Index("ix_sign_in_attempt_username_at", SignInAttempt.username, SignInAttempt.at)


class Identity(Base):
    """A school sign-in (OIDC) identity linked to an account: by issuer and subject, never by a name.

    Made on first use when the provider's verified e-mail matches an account's; an admin can remove it."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254))  # the verified e-mail it was matched by
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Student(Base):
    __tablename__ = "student"
    __table_args__ = (UniqueConstraint("school_id", "local_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    local_id: Mapped[str] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    preferred_name: Mapped[str | None] = mapped_column(String(100))
    grade: Mapped[int] = mapped_column(Integer)
    gifted_areas: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), unique=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def name(self) -> str:
        return f"{self.preferred_name or self.first_name} {self.last_name}"


class Link(Base):
    __tablename__ = "link"
    __table_args__ = (UniqueConstraint("student_id", "user_id", "relationship"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    relationship: Mapped[Relationship] = mapped_column(choice(Relationship))
    course: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Plan(Base):
    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("student_id", "school_year_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    kind: Mapped[PlanKind] = mapped_column(choice(PlanKind))
    status: Mapped[PlanStatus] = mapped_column(choice(PlanStatus), default=PlanStatus.DRAFT)
    # Bumped by every write to the plan or anything in it; the meeting room polls it.
    revision: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class PlanSection(Base):
    """One answer in the plan: a profile question, a career or programming field.

    The student's own words and the team's additions are separate rows, so each has
    its own author and version and editing one never conflicts with the other.
    """

    __tablename__ = "plan_section"
    __table_args__ = (UniqueConstraint("plan_id", "key", "voice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    voice: Mapped[Voice] = mapped_column(choice(Voice))
    text: Mapped[str] = mapped_column(Text, default="")
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The answer of last year's plan this one was carried over from (shown as "from last year").
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("plan_section.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class Goal(Base):
    __tablename__ = "goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    kind: Mapped[GoalKind] = mapped_column(choice(GoalKind))
    area: Mapped[str | None] = mapped_column(String(60))
    statement: Mapped[str] = mapped_column(Text)
    success_criteria: Mapped[str] = mapped_column(Text, default="")
    baseline: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[GoalStatus] = mapped_column(choice(GoalStatus), default=GoalStatus.NOT_STARTED)
    proposed_by: Mapped[ProposedBy] = mapped_column(choice(ProposedBy), default=ProposedBy.TEAM)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Last year's goal this one continues: its wording, revisions and progress are this goal's history.
    continues_goal_id: Mapped[int | None] = mapped_column(ForeignKey("goal.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    revisions: Mapped[list[GoalRevision]] = relationship(
        order_by="GoalRevision.id", back_populates="goal"
    )


class GoalRevision(Base):
    """The wording a goal had before it was revised: revising never loses a statement."""

    __tablename__ = "goal_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id"), index=True)
    statement: Mapped[str] = mapped_column(Text)
    success_criteria: Mapped[str] = mapped_column(Text, default="")
    baseline: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    replaced_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    replaced_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="revisions")


class ProgressEntry(Base):
    __tablename__ = "progress_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id"), index=True)
    on: Mapped[dt.date] = mapped_column(Date)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    author_role: Mapped[AuthorRole] = mapped_column(choice(AuthorRole))
    rating: Mapped[int | None] = mapped_column(Integer)
    percent: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Support(Base):
    __tablename__ = "support"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goal.id"))
    description: Mapped[str] = mapped_column(Text)
    setting: Mapped[SupportSetting] = mapped_column(choice(SupportSetting))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    owner_role: Mapped[AuthorRole | None] = mapped_column(choice(AuthorRole))
    frequency: Mapped[str] = mapped_column(String(100), default="")
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[SupportStatus] = mapped_column(
        choice(SupportStatus), default=SupportStatus.PROPOSED
    )
    agreed_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class SupportLog(Base):
    """A teacher (or whoever owns a support) saying it was done on a day."""

    __tablename__ = "support_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    support_id: Mapped[int] = mapped_column(ForeignKey("support.id"), index=True)
    done_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Intervention(Base):
    __tablename__ = "intervention"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    course: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class Assessment(Base):
    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("student_id", "name", "taken_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    taken_on: Mapped[dt.date] = mapped_column(Date)
    score: Mapped[str] = mapped_column(String(50), default="")
    percentile: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class Meeting(Base):
    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(choice(MeetingKind))
    scheduled_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # when it was actually held
    location: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[MeetingStatus] = mapped_column(
        choice(MeetingStatus), default=MeetingStatus.SCHEDULED
    )
    agenda_step: Mapped[AgendaStep] = mapped_column(
        choice(AgendaStep), default=AgendaStep.ATTENDANCE
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    next_check_in: Mapped[dt.date | None] = mapped_column(Date)
    missing_role_reason: Mapped[str] = mapped_column(Text, default="")
    invitations_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The calendar SEQUENCE of its notices: each reschedule or cancellation sends one more.
    notice_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    finalized_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class Attendance(Base):
    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    guest_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[AuthorRole | None] = mapped_column(choice(AuthorRole))
    guest_role: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[AttendanceStatus] = mapped_column(
        choice(AttendanceStatus), default=AttendanceStatus.INVITED
    )
    mode: Mapped[AttendanceMode | None] = mapped_column(choice(AttendanceMode))
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class ActionItem(Base):
    """A next step agreed in a meeting, with who will do it."""

    __tablename__ = "action_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class MeetingRecord(Base):
    """The signed snapshot of a finalized meeting. Written once, never updated."""

    __tablename__ = "meeting_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finalized_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    snapshot: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))


class RecordSignature(Base):
    """A signature given after the record was finalized: the snapshot never changes, so each
    later "I was here and I have read this" is its own row, with the fingerprint of the record
    the person read. Written once, never updated."""

    __tablename__ = "record_signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("meeting_record.id"), index=True)
    attendance_id: Mapped[int] = mapped_column(ForeignKey("attendance.id"), unique=True)
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # who clicked (the specialist, for a guest)
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64))  # of the record they read


class VoiceConfirmation(Base):
    """At one meeting's voice step, the student confirmed, updated or passed on one question."""

    __tablename__ = "voice_confirmation"
    __table_args__ = (UniqueConstraint("meeting_id", "key"),)  # also the index the voice step reads by

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    key: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[VoiceOutcome] = mapped_column(choice(VoiceOutcome))
    by_user: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SetAside(Base):
    """Someone's edit lost a conflict and waits for them to merge it; the person whose save won is told."""

    __tablename__ = "set_aside"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    what: Mapped[str] = mapped_column(String(200))  # "the goal", "Strengths" … as people read it
    by_user: Mapped[int] = mapped_column(ForeignKey("app_user.id"))  # whose edit was set aside
    for_user: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # whose save won
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    settled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Note(Base):
    """A comment, a parent's home note or a student's reflection, on a plan or one goal."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goal.id"))
    kind: Mapped[NoteKind] = mapped_column(choice(NoteKind))
    prompt: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    author_role: Mapped[AuthorRole] = mapped_column(choice(AuthorRole))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PlanAcknowledgement(Base):
    """A parent or student saying they have read the plan at a given revision."""

    __tablename__ = "plan_acknowledgement"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    revision: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Presence(Base):
    """Heartbeat of a person in a meeting room; written at most every few seconds."""

    __tablename__ = "presence"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime)


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(200))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"), index=True)


class Message(Base):
    """An e-mail in the outbox, written in the same transaction as the event that causes it.

    The sender (plpcore.outbox.send) delivers it by SMTP. Its `message_id` is made once, here,
    so a message sent again after a crash is the same message, never a second one.
    """

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # JSON [{"filename", "content_type", "data" (base64)}, ...]
    attachments: Mapped[str] = mapped_column(Text, default="[]")
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"), index=True)
    support_id: Mapped[int | None] = mapped_column(ForeignKey("support.id"))
    # What makes a reminder "already sent" (e.g. "check-in 12 2026-27 Q2"): unique, so a second
    # run of send-due queues nothing new.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[MessageStatus] = mapped_column(choice(MessageStatus), default=MessageStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # next try, after backoff
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ReminderSent(Base):
    """One thing a person was reminded of (e.g. "check-in:12", the home check-in of reporting
    period 12), so `send-due` never reminds them of it twice, whatever day it runs."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("user_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    item_key: Mapped[str] = mapped_column(String(100), index=True)
    reminded_on: Mapped[dt.date] = mapped_column(Date)


class OneTimeLink(Base):
    """A signed, single-use, short-lived link. Only the SHA-256 of its token is kept."""

    __tablename__ = "one_time_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[LinkPurpose] = mapped_column(choice(LinkPurpose))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
