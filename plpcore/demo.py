"""The demo school: one specialist's caseload with a year of realistic plan work, built fast.

`build_school` writes everything in one transaction with bulk inserts, so a caseload
of 2,000 students takes seconds, not minutes. The one exception is the records of the
finalized meetings: they are written after the insert, in the same transaction, by
records.write, the code meetings.finalize uses, so a demo record is shaped like any other
(one plan read per record: about two thirds of the build time). Two shortcuts make the
rest fast, and both are deliberate:

- audit: the whole build leaves ONE AuditEvent ("create demo school", with the counts),
  not one per row. It is synthetic data written by the operator, not a person's work;
- passwords: each demo role (specialist, admin, teacher, guardian, student) has one
  random password, hashed once with bcrypt and shared by every account of that role,
  so every demo account can sign in while only a handful are printed.

It refuses to run on a database that holds any real (non-demo) school or account.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import re
import secrets
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, or_, select, text
from sqlalchemy.orm import Session

from plpcore import clock, records
from plpcore.accounts import default_periods, hash_password
from plpcore.db import Database
from plpcore.errors import InvalidInput
from plpcore.meetings import missing_roles
from plpcore.models import (
    AccountKind,
    ActionItem,
    AgendaStep,
    Assessment,
    Attendance,
    AttendanceMode,
    AttendanceStatus,
    AuditEvent,
    AuthorRole,
    Base,
    Goal,
    GoalKind,
    GoalRevision,
    GoalStatus,
    Link,
    Meeting,
    MeetingKind,
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
    ReportingPeriod,
    School,
    SchoolYear,
    Student,
    Support,
    SupportLog,
    SupportSetting,
    SupportStatus,
    User,
    Voice,
)
from plpcore.queries import plan_document

DEMO_SCHOOL_NAME = "Cedar Ridge K-12 (demo)"
ZONE = "America/Denver"  # where the demo school is: its meetings' times are this wall clock
ROLES = ("specialist", "admin", "teacher", "guardian", "student")


@dataclasses.dataclass
class DemoSchool:
    """What the demo build made, and how to sign in to it.

    `accounts` is the handful to print, as (role, username, password); `passwords`
    holds the one password of each role, valid for every account of that role.
    """

    school_id: int
    specialist_id: int
    students: int
    accounts: list[tuple[str, str, str]]
    passwords: dict[str, str]
    counts: dict[str, int]


# --- the people ---------------------------------------------------------------------------

FIRST_NAMES = (
    "Sofía", "Mateo", "Aaliyah", "Liam", "Zoë", "Jayden", "Priya", "Arjun", "Mei", "Hiroshi", "Amara", "Kwame",
    "Chloé", "Noah", "Fatima", "Omar", "Isabella", "Diego", "Ngozi", "Chidi", "Siobhán", "Declan", "Björn",
    "Astrid", "Renée", "José", "María", "Luis", "Camila", "Ethan", "Olivia", "Aiden", "Emma", "Elijah", "Ava",
    "Malik", "Imani", "Santiago", "Valentina", "Yusuf", "Layla", "Ananya", "Rohan", "Hana", "Kenji", "Seo-yeon",
    "Min-jun", "Thandiwe", "Tariq", "Esperanza", "Joaquín", "Inés", "Maëlle", "François", "Léa", "Søren", "Freya",
    "Aroha", "Kai", "Nia", "Dakota", "Winona", "Ahanu", "Talia", "Eli", "Miriam", "Ezra", "Anastasia", "Dmitri",
    "Oksana", "Zainab", "Idris", "Keanu", "Leilani", "Marisol", "Xóchitl", "Aoife", "Niamh", "Grace", "Samuel",
    "Benjamin", "Lucía", "Gabriel", "Nadia", "Amir", "Yara", "Tomás", "Ji-woo", "Lin", "Wei", "Anh", "Bảo",
)
PREFERRED = {"Benjamin": "Ben", "Anastasia": "Ana", "Samuel": "Sam", "Valentina": "Vale", "Santiago": "Santi",
             "Elijah": "Eli", "Gabriel": "Gabe", "Dmitri": "Dima", "Isabella": "Bella", "Seo-yeon": "Sunny"}
LAST_NAMES = (
    "García", "López", "Martínez", "Nguyễn", "Tran", "Kim", "Park", "Patel", "Shah", "Okafor", "Adeyemi", "Mensah",
    "O'Brien", "O'Connor", "D'Angelo", "N'Diaye", "Müller", "Schröder", "Johansson", "Ødegaard", "Kowalski", "Nowak",
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Davis", "Miller", "Wilson", "Moore", "Taylor", "Anderson",
    "Thomas", "Jackson", "White", "Harris", "Martin", "Thompson", "Robinson", "Clark", "Lewis", "Walker", "Hall",
    "Young", "Hernández", "Ramírez", "Peña", "Núñez", "Begay", "Yazzie", "Whitehorse", "Cohen", "Levi", "Haddad",
    "Khalil", "Rahman", "Chowdhury", "Yamamoto", "Tanaka", "Wang", "Li", "Chen", "Zhang", "Singh", "Abdi",
    "Mohamed", "Ivanova", "Petrov", "Fitzgerald", "MacLeod", "García-Reyes", "Le", "Pham", "Dubois", "Lefèvre",
    "Rossi", "Esposito", "Silva", "Santos", "Gonçalves", "Kealoha", "Ó Súilleabháin", "St. Clair", "Van der Berg",
)
ADULT_FIRST = (
    "Rosa", "Michael", "Jennifer", "David", "Lakshmi", "Carlos", "Aisha", "Thomas", "Yolanda", "Kevin", "Mónica",
    "Hye-jin", "Emeka", "Sarah", "Ahmed", "Lorena", "James", "Keiko", "Olga", "Patrick", "Guadalupe", "Andre",
    "Nkechi", "Hannah", "Raj", "Beatriz", "Jessica", "Darnell", "Mariana", "Sean", "Mai", "Erik", "Dolores",
)

# Courses a teacher of each grade band teaches, with the areas they serve.
ELEMENTARY = (("Grade {g} homeroom", None), ("Math {g}", "math"), ("Reading {g}", "reading"), ("Art", "visual arts"),
              ("Music", "music"), ("Science Lab {g}", "science"))
MIDDLE = (("Math {g}", "math"), ("Pre-Algebra {g}", "math"), ("ELA {g}", "reading"), ("Science {g}", "science"),
          ("Social Studies {g}", "social studies"), ("Spanish I", "world language"), ("Band", "music"),
          ("Art {g}", "visual arts"))
HIGH = (("Honors English {g}", "writing"), ("AP Calculus AB", "math"), ("Geometry Honors", "math"),
        ("AP Biology", "science"), ("Chemistry Honors", "science"), ("AP U.S. History", "social studies"),
        ("AP Spanish Language", "world language"), ("Theatre", "performing arts"), ("Orchestra", "music"),
        ("Leadership", "leadership"), ("AP Studio Art", "visual arts"))
AREA_WEIGHTS = {
    "general intellectual": 9, "math": 8, "reading": 7, "writing": 4, "science": 4, "social studies": 2,
    "world language": 1, "creative thinking": 2, "leadership": 2, "visual arts": 2, "performing arts": 1,
    "music": 2, "dance": 1, "psychomotor": 1,
}

# --- what the plans say -------------------------------------------------------------------

# An achievement goal says "by March" (or April, May): its target date is the 15th of that month.
TARGET_MONTHS = {"March": 3, "April": 4, "May": 5}
ACHIEVEMENT = {
    "math": ("Complete compacted {next} math units and score 85% or higher on each unit test by {month}.",
             "Solve at least 20 of 30 MATHCOUNTS sprint-round problems at the chapter competition in February.",
             "Use algebraic reasoning in a data project on a real question and present it to the class by {month}."),
    "reading": ("Read and discuss six complex books above grade level, writing an analysis of theme for each by {month}.",
                "Lead two literature-circle discussions a month, using text evidence in every contribution."),
    "writing": ("Draft, revise and submit an original short story to a youth writing contest by {month}.",
                "Write a researched argument essay that scores 4 of 4 on the district rubric for evidence by {month}."),
    "science": ("Design and carry out an independent science-fair investigation with a data log and conclusion by February.",
                "Complete the online AP Biology prep modules and explain each lab's design to a peer by {month}."),
    "social studies": ("Research a local history question using three primary sources and present it by {month}.",),
    "general intellectual": ("Complete an independent study on a chosen topic, meeting every monthly milestone in the contract.",
                             "Finish an accelerated unit and create a product that teaches the concept to younger students by {month}."),
    "world language": ("Reach Novice High on the STAMP proficiency test in Spanish by {month}.",),
    "creative thinking": ("Prototype three solutions to a school problem with the design-thinking process by {month}.",
                          "Enter Odyssey of the Mind and contribute one original idea at every team practice."),
    "leadership": ("Plan and lead a service project with at least five classmates, keeping a weekly leadership journal.",),
    "visual arts": ("Build a portfolio of eight finished works in two media and show them at the spring art show.",),
    "performing arts": ("Audition for the spring production and keep a rehearsal journal with weekly goals.",),
    "music": ("Prepare a solo for the district honors recital, practicing at least four times a week.",),
    "dance": ("Choreograph a two-minute piece and perform it at the winter showcase.",),
    "psychomotor": ("Reach the state qualifying time in the 200 m freestyle while keeping all grades at B or above.",),
}
AFFECTIVE = (
    "When a problem feels too hard, I will try one strategy from my toolkit (break, breathe, ask) before giving up, 4 out of 5 times.",
    "I will write about one mistake and what I learned from it in my journal every week.",
    "I will share my thinking in class discussions at least twice a week, even when I am not sure I am right.",
    "I will use a planner to break long projects into steps and check them off, so I am not rushing at the end.",
    "I will join one club or group and get to know at least two classmates who share my interests.",
    "I will ask my teacher for more challenge when the work feels too easy, at least once a month.",
    "I will notice when perfectionism stops me from starting, and start with a rough draft anyway.",
    "I will take part in the lunch-bunch group and practice one conversation skill each session.",
)
CAREER = (
    "Complete the career interest inventory and job-shadow someone who works in {field} by spring.",
    "Research three college programs in {field} and map the high-school courses each one expects.",
)
FIELDS = ("engineering", "medicine", "computer science", "architecture", "law", "environmental science",
          "graphic design", "music production", "teaching", "veterinary medicine")
# How each kind of goal is measured and where it starts, so an affective goal is not judged by unit tests.
CRITERIA = {
    GoalKind.ACHIEVEMENT: ("Unit tests and the project rubric", "Competition results and practice logs",
                           "Teacher observation recorded every two weeks"),
    GoalKind.AFFECTIVE: ("Journal entries reviewed at each check-in", "Student self-rating at each check-in",
                         "Teacher observation recorded every two weeks"),
    GoalKind.CAREER: ("A written plan reviewed with the counselor", "Notes from each visit or interview"),
}
BASELINES = {
    GoalKind.ACHIEVEMENT: ("Scored 92% on the pre-test for the first three units",
                           "Completed 2 of 5 long projects on time last year",
                           "Reads two grade-levels above; rarely discusses books"),
    GoalKind.AFFECTIVE: ("Avoided sharing ideas in class most weeks in August",
                         "Gave up on two hard problems in the first week's observation",
                         "Said in August that mistakes mean 'I'm not smart'"),
    GoalKind.CAREER: ("Has not yet named a field to explore", "Named two fields of interest in August"),
}

VOICE_YOUNG = {
    "feelings": ("I like school but math is too easy sometimes.", "Pretty good! I like my class.",
                 "Sometimes I get bored and then I get in trouble for talking.", "I love science days the most."),
    "strengths": ("I am good at puzzles and reading.", "I know a lot about animals.", "I can do math in my head fast."),
    "needs": ("Harder math problems.", "I need help when I get frustrated.", "More time to read my own books."),
    "learning_style": ("I learn best when I can build things.", "When I can talk about it with a friend.",
                       "Drawing pictures helps me remember."),
    "interests": ("Dinosaurs, Minecraft and soccer.", "Drawing comics and my dog.", "Space and planets."),
}
VOICE_OLDER = {
    "feelings": ("Mostly fine, but the workload is stressful right before tests.",
                 "I feel like I'm coasting in some classes and drowning in others.",
                 "Better than last year. I found people who like the same things.",
                 "Honestly kind of bored. I want classes that actually push me."),
    "strengths": ("Writing and arguing a point, and I pick up new math quickly.",
                  "I'm good at seeing patterns and explaining them to others.",
                  "Coding, and I don't give up on a bug until it's fixed."),
    "needs": ("Help planning big projects so they aren't all last-minute.", "More challenge in math.",
              "Someone to talk to when I get overwhelmed.", "Fewer repetitive worksheets."),
    "learning_style": ("I learn by doing projects and teaching it to someone else.",
                       "Reading on my own first, then discussing.", "Visual: diagrams and videos."),
    "interests": ("Robotics club, debate, and video editing.", "Music production and marine biology.",
                  "Politics, history podcasts and running."),
    "career_interests": ("Maybe biomedical engineering.", "Something with computers or design.",
                         "Environmental law or policy."),
}
TEAM_ADDS = {
    "feelings": "Teachers report the student is engaged when given choice; shows frustration with repetition.",
    "strengths": "Strong abstract reasoning; CogAT profile shows a relative strength in quantitative reasoning.",
    "needs": "Executive-function support for long-term projects; regular access to above-level content.",
    "learning_style": "Responds well to open-ended tasks and collaborative work with intellectual peers.",
    "interests": "Encourage the student to join the robotics or writing club this semester.",
}
PROGRAMMING = {
    "extension": "Tiered assignments and extension menus in the area(s) of identification.",
    "acceleration": "Curriculum compacting; subject acceleration considered at the spring review.",
    "enrichment": "Pull-out enrichment group twice a month; competitions as interest allows.",
}
SUPPORTS_CLASSROOM = (
    ("Curriculum compacting: pre-test each unit and replace mastered content with extension work", "each unit"),
    ("Flexible grouping with intellectual peers for literature circles", "weekly"),
    ("Choice board with tiered, open-ended tasks", "weekly"),
    ("Access to above-level texts from the library, chosen with the student", "weekly"),
    ("Check in with the student about the project plan and timeline", "weekly"),
    ("Independent study time during the unit review days", "weekly"),
)
SUPPORTS_HOME = (
    ("Talk at dinner about one thing that was hard this week and how it was handled", "weekly"),
    ("Visit the public library together and let the student choose two books", "biweekly"),
    ("Make space for 30 minutes of unhurried project time without screens", "daily"),
    ("Praise effort and strategies rather than grades or being 'smart'", "daily"),
)
SUPPORT_SCHOOL = ("Check-in with the gifted specialist", "biweekly")
SUPPORT_ONLINE = ("Beast Academy or Khan Academy practice, 30 minutes", "3 times a week")
PROGRESS_NOTES_STUDENT = ("I finished the extension menu!", "This was hard but I kept going.", "I forgot my planner twice.",
                          "I shared in discussion three times this week.", "Still working on it.", "")
PROGRESS_NOTES_TEACHER = ("Completed the extension task with strong reasoning.", "Participated more in group work.",
                          "Needed reminders to stay on the project timeline.", "Work shows growing independence.",
                          "Excellent explanation of the solution to peers.", "")
HOME_NOTES = (
    ("How can we support you at home?", "We set up a quiet corner for homework and it helps a lot."),
    ("Why did you choose this goal?", "She said she wants to stop being scared of making mistakes."),
    ("What is getting in the way?", "Soccer practice three nights a week leaves little time for the project."),
    (None, "Thank you for the update — he was proud to tell us about the competition."),
)
REFLECTIONS = ("I'm proud that I didn't give up on the hard problem.", "I want to try the harder book next.",
               "I think my goal is going well but I need more time.", "Group work was better this week.")
ACTION_ITEMS = (("Send the extension menu home", "specialist"), ("Share the competition sign-up link", "teacher"),
                ("Set up the planner routine at home", "guardian"))


# --- building ---------------------------------------------------------------------------------


class _Rows:
    """Rows waiting for a bulk insert, with ids handed out in advance so rows can refer to each other."""

    ORDER = (School, SchoolYear, ReportingPeriod, User, Student, Link, Plan, PlanSection, Goal, GoalRevision,
             ProgressEntry, Meeting, Support, SupportLog, Assessment, Attendance, ActionItem, Note,
             PlanAcknowledgement, AuditEvent)
    VERSIONED = frozenset(m for m in ORDER if "version" in m.__table__.c)

    def __init__(self, session: Session):
        self.rows: dict[type[Base], list[dict]] = {m: [] for m in self.ORDER}
        self.next: dict[type[Base], int] = {
            m: (session.scalar(select(func.max(m.id))) or 0) + 1 for m in self.ORDER
        }

    def add(self, model: type[Base], **values: Any) -> int:
        row_id = self.next[model]
        self.next[model] += 1
        values["id"] = row_id
        if model in self.VERSIONED:
            values.setdefault("version", 1)  # bulk inserts skip version_id_col's own counter
        self.rows[model].append(values)
        return row_id

    def insert(self, session: Session) -> dict[str, int]:
        for model in self.ORDER:
            if self.rows[model]:
                # A Core executemany per table: every row carries every column, so SQLite
                # and psycopg get one batched statement (the ORM's per-row bookkeeping is
                # the slowest part otherwise).
                session.execute(insert(model.__table__), self.rows[model])  # pyright: ignore[reportArgumentType]  (a Table)
        if session.get_bind().dialect.name == "postgresql":
            # Explicit ids do not move PostgreSQL's sequences; set them past the new rows.
            for model in self.ORDER:
                table = model.__tablename__
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (table names are ours)
                    f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
                ))
        return {m.__tablename__: len(self.rows[m]) for m in self.ORDER}


def _ascii(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", folded) or "user"


class _Usernames:
    """Unique usernames: jgarcia, jgarcia2, jgarcia3… (a counter per base keeps it linear)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.last: dict[str, int] = {}

    def make(self, base: str) -> str:
        base = base[:56]
        name, n = base, self.last.get(base, 1)
        if n > 1 or name in self.taken:
            while name in self.taken:
                n += 1
                name = f"{base}{n}"
        self.last[base] = n
        self.taken.add(name)
        return name


def _school_year(today: dt.date) -> tuple[str, dt.date, dt.date]:
    first = today.year if today.month >= 8 else today.year - 1
    return f"{first}-{str(first + 1)[2:]}", dt.date(first, 8, 18), dt.date(first + 1, 6, 5)


def _check_empty(session: Session) -> None:
    _check_no_real_school(session)
    if session.scalar(select(func.count(School.id))):
        raise InvalidInput("database", "it already holds the demo school; load a fresh one with "
                                       "`python -m plpcore demo --fresh`.")


def _check_no_real_school(session: Session) -> None:
    real_school = session.scalar(select(func.count(School.id)).where(School.demo.is_(False)))
    real_users = session.scalar(
        select(func.count(User.id))
        .outerjoin(School, School.id == User.school_id)
        .where(or_(User.school_id.is_(None), School.demo.is_(False)))
    )
    if real_school or real_users:
        raise InvalidInput("database", "it already holds a real school's data; the demo is only built on an "
                                       "empty database (point --db or PLP_DATABASE_URL at a new one).")


def drop_school(db: Database) -> None:
    """Empty a database that holds only the demo school (`python -m plpcore demo --fresh`), in one
    transaction; refused, and nothing touched, when it holds anything real."""
    with db.write() as s:
        _check_no_real_school(s)
        if not s.scalar(select(func.count(School.id)).where(School.demo.is_(True))):
            raise InvalidInput("database", "it holds no demo school to drop.")
        for table in reversed(Base.metadata.sorted_tables):
            s.execute(table.delete())


def build_school(
    db: Database,
    *,
    students: int = 86,
    seed: int = 7,
    today: dt.date | None = None,
    school_name: str = DEMO_SCHOOL_NAME,
) -> DemoSchool:
    """Build the demo school in one transaction; see the module docstring for the shortcuts taken."""
    if not isinstance(students, int) or isinstance(students, bool) or not 1 <= students <= 100_000:
        raise InvalidInput("students", "must be a whole number from 1 to 100,000.")
    today = today or dt.date.today()
    rng = random.Random(seed)
    passwords = {role: secrets.token_urlsafe(9) for role in ROLES}
    # bcrypt releases the GIL: hash the five passwords while the rows are being built.
    with ThreadPoolExecutor(max_workers=len(ROLES)) as pool:
        hashing = {role: pool.submit(hash_password, pw) for role, pw in passwords.items()}
        with db.write() as s:
            _check_empty(s)
            builder = _Builder(s, rng, today, school_name)
            builder.build(students)
            hashes = {role: job.result() for role, job in hashing.items()}
            for row in builder.rows.rows[User]:
                row["password_hash"] = hashes[row["password_hash"]]
            builder.rows.rows[School][0]["demo_sign_ins"] = json.dumps(
                [[role, username, passwords[role]] for role, username in builder.shown])
            counts = builder.rows.insert(s)
            counts["meeting_record"] = _records(s, builder.specialist_id)
    db.analyze()
    return DemoSchool(
        school_id=builder.school_id,
        specialist_id=builder.specialist_id,
        students=students,
        accounts=[(role, username, passwords[role]) for role, username in builder.shown],
        passwords=passwords,
        counts=counts,
    )


class _Builder:
    def __init__(self, session: Session, rng: random.Random, today: dt.date, school_name: str):
        self.rng = rng
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(15, 30))
        self.rows = _Rows(session)
        self.names = _Usernames()
        self.shown: list[tuple[str, str]] = []
        self.school_name = school_name
        self.user_names: dict[int | None, str] = {}  # None (nobody, a guest) finds no name
        self.finalized: list[int] = []  # finalized meetings: records.write makes their records after the insert

    # people ---------------------------------------------------------------------------------

    def user(self, kind: AccountKind, display_name: str, username_base: str, *, email_domain: str | None = None,
             is_admin: bool = False) -> tuple[int, str]:
        username = self.names.make(username_base)
        uid = self.rows.add(
            User, school_id=self.school_id, username=username, display_name=display_name,
            email=f"{username}@{email_domain}" if email_domain else None,
            password_hash=str(kind),  # the role's bcrypt hash replaces this before the insert
            kind=kind, active=True, is_admin=is_admin,
            must_change_password=False, failed_logins=0, locked_until=None, created_at=self.now,
        )
        self.user_names[uid] = display_name
        return uid, username

    def adult_name(self, last: str | None = None) -> tuple[str, str]:
        return self.rng.choice(ADULT_FIRST), last or self.rng.choice(LAST_NAMES)

    def build(self, n: int) -> None:
        rng = self.rng
        year_name, starts, ends = _school_year(self.today)
        self.year_start = starts
        self.school_id = self.rows.add(School, name=self.school_name, demo=True, time_zone=ZONE, created_at=self.now)
        self.year_id = self.rows.add(SchoolYear, school_id=self.school_id, name=year_name, starts_on=starts,
                                     ends_on=ends, is_current=True)
        for pname, pstart, pend in default_periods(starts, ends):
            self.rows.add(ReportingPeriod, school_year_id=self.year_id, name=pname, starts_on=pstart, ends_on=pend)

        self.specialist_id, username = self.user(AccountKind.SPECIALIST, "Dana Whitfield", "dana.whitfield",
                                                 email_domain="cedarridge.example")
        self.shown.append(("specialist", username))
        _, username = self.user(AccountKind.ADMIN, "Principal Marcus Oyelaran", "principal", is_admin=True,
                                email_domain="cedarridge.example")
        self.shown.append(("admin", username))

        # Teachers: enough sections per grade and course for about 25 gifted students each.
        per_grade = max(1, -(-n // 10))
        self.teachers: dict[int, list[tuple[int, str, str | None]]] = {}
        self.by_area: dict[tuple[int, str | None], list[tuple[int, str, str | None]]] = {}
        for grade in range(3, 13):
            band = ELEMENTARY if grade <= 5 else MIDDLE if grade <= 8 else HIGH
            sections = max(1, -(-per_grade // 25))
            self.teachers[grade] = []
            for course, area in band:
                for _ in range(sections):
                    first, last = self.adult_name()
                    uid, _ = self.user(AccountKind.TEACHER, f"{first} {last}", _ascii(first[0] + last),
                                       email_domain="cedarridge.example")
                    self.teachers[grade].append((uid, course.format(g=grade), area))
                    self.by_area.setdefault((grade, area), []).append(self.teachers[grade][-1])

        shown_teacher = shown_guardian = shown_student = 0
        families: list[tuple[str, list[int]]] = []
        for i in range(n):
            grade = 3 + (i * 10) // n if n >= 10 else rng.randint(3, 12)
            # About one student in eight is a younger sibling of an earlier one: the parents
            # see several children, as parents do.
            sibling = families and rng.random() < 0.12
            if sibling:
                last, guardians = rng.choice(families)
            else:
                last = rng.choice(LAST_NAMES)
                guardians = []
                for _ in range(1 if rng.random() < 0.35 else 2):
                    gfirst, glast = self.adult_name(last if rng.random() < 0.8 else None)
                    uid, _ = self.user(AccountKind.GUARDIAN, f"{gfirst} {glast}", f"{_ascii(gfirst)}.{_ascii(glast)}",
                                       email_domain="example.net")
                    guardians.append(uid)
                families.append((last, guardians))
            first = rng.choice(FIRST_NAMES)
            has_login = rng.random() < (0.85 if grade >= 6 else 0.4)
            login_id, login_name = None, ""
            if has_login:
                login_id, login_name = self.user(AccountKind.STUDENT, f"{first} {last}", f"{_ascii(first)}.{_ascii(last)}")
            student_id = self.rows.add(
                Student, school_id=self.school_id, local_id=f"{240001 + i}", first_name=first, last_name=last,
                preferred_name=PREFERRED.get(first) if rng.random() < 0.5 else None, grade=grade,
                gifted_areas=", ".join(self.areas()), active=True, user_id=login_id,
            )
            areas = self.rows.rows[Student][-1]["gifted_areas"].split(", ")
            team = self.link_team(student_id, grade, guardians, areas)
            made = self.plan(student_id, grade, first, last, areas, team, login_id)
            if made and login_id and shown_student < 2:
                self.shown.append(("student", login_name))
                shown_student += 1
            if made and shown_guardian < 1 and (sibling or i > n // 2):
                self.shown.append(("guardian", self.username_of(guardians[0])))
                shown_guardian += 1
            teacher = self.username_of(team["teachers"][0][0])
            if made and shown_teacher < 2 and ("teacher", teacher) not in self.shown:
                self.shown.append(("teacher", teacher))
                shown_teacher += 1
        self.shown.sort(key=lambda r: ROLES.index(r[0]))

        total = {m.__tablename__: len(r) for m, r in self.rows.rows.items()} | {"meeting_record": len(self.finalized)}
        self.rows.add(
            AuditEvent, at=self.now, actor_id=None, action="create", entity="school", entity_id=self.school_id,
            field="demo", old=None, student_id=None,
            new=json.dumps({"students": n, "rows": sum(total.values())} | total, sort_keys=True),
        )

    def username_of(self, user_id: int) -> str:
        rows = self.rows.rows[User]
        return rows[user_id - rows[0]["id"]]["username"]

    def areas(self) -> list[str]:
        names, weights = zip(*AREA_WEIGHTS.items(), strict=True)
        picked = set(self.rng.choices(names, weights, k=self.rng.choice((1, 1, 2, 2, 3))))
        return [a for a in names if a in picked]

    def link_team(self, student_id: int, grade: int, guardians: list[int], areas: list[str]) -> dict:
        rng = self.rng
        self.rows.add(Link, student_id=student_id, user_id=self.specialist_id, relationship=Relationship.SPECIALIST,
                      course=None, active=True)
        pool = self.teachers[grade]
        matching = [t for area in areas for t in self.by_area.get((grade, area), ())] or pool
        chosen = [rng.choice(matching)]
        other = rng.choice(pool)
        if other[0] != chosen[0][0]:
            chosen.append(other)
        for uid, course, _ in chosen:
            self.rows.add(Link, student_id=student_id, user_id=uid, relationship=Relationship.TEACHER, course=course,
                          active=True)
        for uid in guardians:
            self.rows.add(Link, student_id=student_id, user_id=uid, relationship=Relationship.GUARDIAN, course=None,
                          active=True)
        return {"teachers": chosen, "guardians": guardians}

    # the plan -------------------------------------------------------------------------------

    def day(self, earliest: dt.date, latest: dt.date) -> dt.date:
        span = (latest - earliest).days
        return earliest + dt.timedelta(days=self.rng.randint(0, span)) if span > 0 else earliest

    def plan(self, student_id: int, grade: int, first: str, last: str, areas: list[str], team: dict,
             login_id: int | None) -> bool:
        rng, rows, today = self.rng, self.rows, self.today
        roll = rng.random()
        if roll < 0.04:
            return False  # a few students have no plan yet this year
        status = PlanStatus.DRAFT if roll < 0.09 else PlanStatus.ACTIVE
        plan_id = rows.add(Plan, student_id=student_id, school_year_id=self.year_id, kind=PlanKind.ALP, status=status,
                           revision=0, created_at=dt.datetime.combine(self.year_start, dt.time(9)))
        writes = 1
        voice = VOICE_YOUNG if grade <= 6 else VOICE_OLDER
        stamp = dt.datetime.combine(self.day(self.year_start, today), dt.time(10))
        for key, options in voice.items():
            if status is PlanStatus.DRAFT and key not in ("feelings", "strengths"):
                continue
            rows.add(PlanSection, plan_id=plan_id, key=key, voice=Voice.STUDENT, text=rng.choice(options),
                     passed=False, updated_by=login_id or self.specialist_id, updated_at=stamp)
            writes += 1
            if key in TEAM_ADDS and status is PlanStatus.ACTIVE and rng.random() < 0.8:
                rows.add(PlanSection, plan_id=plan_id, key=key, voice=Voice.TEAM, text=TEAM_ADDS[key], passed=False,
                         updated_by=self.specialist_id, updated_at=stamp)
                writes += 1
        if status is PlanStatus.ACTIVE:
            for key, words in PROGRAMMING.items():
                rows.add(PlanSection, plan_id=plan_id, key=key, voice=Voice.TEAM, text=words, passed=False,
                         updated_by=self.specialist_id, updated_at=stamp)
                writes += 1

        teacher_id, course, _ = team["teachers"][0]
        month = rng.choice(tuple(TARGET_MONTHS))
        by = dt.date(self.year_start.year + 1, TARGET_MONTHS[month], 15)  # what "by {month}" says
        goals: list[tuple[int, GoalKind, str]] = []
        area = rng.choice(areas)
        statement = rng.choice(ACHIEVEMENT[area]).format(next=f"grade {min(grade + 1, 12)}", month=month)
        goals.append((self.goal(plan_id, GoalKind.ACHIEVEMENT, area, statement, status, by=by), GoalKind.ACHIEVEMENT,
                      statement))
        if status is PlanStatus.ACTIVE and rng.random() < 0.35 and len(areas) > 1:
            area2 = next(a for a in areas if a != area)
            statement = rng.choice(ACHIEVEMENT[area2]).format(next=f"grade {min(grade + 1, 12)}", month=month)
            goals.append((self.goal(plan_id, GoalKind.ACHIEVEMENT, area2, statement, status, by=by), GoalKind.ACHIEVEMENT,
                          statement))
        if rng.random() < 0.9:  # a few plans still lack an affective goal: the caseload flags them
            statement = rng.choice(AFFECTIVE)
            goals.append((self.goal(plan_id, GoalKind.AFFECTIVE, None, statement, status, proposed_by_student=login_id is not None
                                    and rng.random() < 0.3), GoalKind.AFFECTIVE, statement))
        if grade >= 9 and rng.random() < 0.5:
            statement = rng.choice(CAREER).format(field=rng.choice(FIELDS))
            goals.append((self.goal(plan_id, GoalKind.CAREER, None, statement, status), GoalKind.CAREER, statement))
        writes += len(goals)

        if status is PlanStatus.ACTIVE:
            writes += self.progress(goals, teacher_id, login_id, team["guardians"])
            writes += self.notes(plan_id, goals, team["guardians"], login_id)
        meeting_id = self.meetings(plan_id, status, team, login_id, first, last)
        writes += 3 if meeting_id else 0
        writes += self.supports(plan_id, goals, team, status, meeting_id)
        writes += self.assessments(student_id, grade)
        rows.rows[Plan][-1]["revision"] = writes
        if status is PlanStatus.ACTIVE and team["guardians"] and rng.random() < 0.55:
            rows.add(PlanAcknowledgement, plan_id=plan_id, user_id=team["guardians"][0], revision=writes,
                     at=self.now - dt.timedelta(days=rng.randint(1, 20)))
        return True

    def goal(self, plan_id: int, kind: GoalKind, area: str | None, statement: str, plan_status: PlanStatus, *,
             proposed_by_student: bool = False, by: dt.date | None = None) -> int:
        """A goal due `by` the date its statement names (the end of the school year's May when it names none)."""
        rng = self.rng
        status = GoalStatus.NOT_STARTED if plan_status is PlanStatus.DRAFT else rng.choice(
            (GoalStatus.IN_PROGRESS,) * 8 + (GoalStatus.MET, GoalStatus.NOT_STARTED))
        created = dt.datetime.combine(self.day(self.year_start, self.today), dt.time(11))
        goal_id = self.rows.add(
            Goal, plan_id=plan_id, kind=kind, area=area, statement=statement,
            success_criteria=rng.choice(CRITERIA.get(kind, CRITERIA[GoalKind.ACHIEVEMENT])),
            baseline=rng.choice(BASELINES.get(kind, BASELINES[GoalKind.ACHIEVEMENT])),
            target_date=by or dt.date(self.year_start.year + 1, 5, 15), status=status,
            proposed_by=ProposedBy.STUDENT if proposed_by_student else ProposedBy.TEAM, created_by=self.specialist_id,
            created_at=created, updated_by=self.specialist_id, updated_at=created,
        )
        if rng.random() < 0.1:  # an earlier wording, kept in the goal's history
            self.rows.add(GoalRevision, goal_id=goal_id, statement=statement.replace("at least", "about"),
                          success_criteria="", baseline="", target_date=None, replaced_by=self.specialist_id,
                          replaced_at=created)
            self.rows.rows[Goal][-1]["version"] = 2
        return goal_id

    def progress(self, goals, teacher_id: int, login_id: int | None, guardians: list[int]) -> int:
        """Weekly ratings over the last weeks, up to yesterday: the student's own beside the teacher's."""
        rng, n = self.rng, 0
        stale = rng.random() < 0.15  # nothing recent: "no progress this period"
        for goal_id, _kind, _ in goals:
            level = rng.choice((1, 1, 2))
            for week in range(rng.randint(3, 7), -1, -1):
                on = self.today - dt.timedelta(days=1 + 7 * week + rng.randint(0, 3) + (35 if stale else 0))
                if on < self.year_start:
                    continue
                level = min(4, level + (rng.random() < 0.3))
                if login_id and rng.random() < 0.8:
                    self.rows.add(ProgressEntry, goal_id=goal_id, on=on, author_id=login_id,
                                  author_role=AuthorRole.STUDENT, rating=min(4, level + rng.choice((0, 0, 1))),
                                  percent=None, note=rng.choice(PROGRESS_NOTES_STUDENT), evidence_url=None,
                                  created_at=dt.datetime.combine(on, dt.time(14)))
                    n += 1
                if week % 2 == 0:
                    self.rows.add(ProgressEntry, goal_id=goal_id, on=on, author_id=teacher_id,
                                  author_role=AuthorRole.TEACHER, rating=level,
                                  percent=rng.choice((None, None, 25 * level)), note=rng.choice(PROGRESS_NOTES_TEACHER),
                                  evidence_url=rng.choice((None, None, "https://drive.example.org/evidence/unit-test")),
                                  created_at=dt.datetime.combine(on, dt.time(16)))
                    n += 1
        return n

    def notes(self, plan_id: int, goals, guardians: list[int], login_id: int | None) -> int:
        rng, n = self.rng, 0
        if guardians and rng.random() < 0.35:
            prompt, words = rng.choice(HOME_NOTES)
            self.rows.add(Note, plan_id=plan_id, goal_id=goals[-1][0], kind=NoteKind.HOME_NOTE, prompt=prompt, text=words,
                          author_id=guardians[0], author_role=AuthorRole.GUARDIAN,
                          created_at=self.now - dt.timedelta(days=rng.randint(1, 30)))
            n += 1
        if login_id and rng.random() < 0.4:
            self.rows.add(Note, plan_id=plan_id, goal_id=goals[0][0], kind=NoteKind.REFLECTION, prompt=None,
                          text=rng.choice(REFLECTIONS), author_id=login_id, author_role=AuthorRole.STUDENT,
                          created_at=self.now - dt.timedelta(days=rng.randint(1, 30)))
            n += 1
        return n

    def supports(self, plan_id: int, goals, team: dict, plan_status: PlanStatus, meeting_id: int | None) -> int:
        rng, n = self.rng, 0
        agreed = plan_status is PlanStatus.ACTIVE
        started = self.day(self.year_start, self.today - dt.timedelta(days=21)) if self.today - dt.timedelta(
            days=21) > self.year_start else self.year_start
        for description, frequency in rng.sample(SUPPORTS_CLASSROOM, 2):
            teacher_id = rng.choice(team["teachers"])[0]
            status = (SupportStatus.IN_PLACE if rng.random() < 0.6 else SupportStatus.AGREED) if agreed else SupportStatus.PROPOSED
            acknowledged = status is SupportStatus.IN_PLACE or rng.random() < 0.3
            sid = self.rows.add(
                Support, plan_id=plan_id, goal_id=goals[0][0], description=description, setting=SupportSetting.CLASSROOM,
                owner_user_id=teacher_id, owner_role=None, frequency=frequency, starts_on=started, ends_on=None,
                status=status, agreed_meeting_id=meeting_id if agreed else None,
                acknowledged_at=dt.datetime.combine(started, dt.time(8)) if agreed and acknowledged else None,
                created_by=self.specialist_id, created_at=dt.datetime.combine(started, dt.time(8)),
            )
            n += 1
            if status is SupportStatus.IN_PLACE:
                # Logged weekly, except that some teachers have fallen behind (shown as overdue).
                last_gap = rng.choice((2, 3, 5, 12, 20))
                for k in range(rng.randint(1, 4)):
                    done = self.today - dt.timedelta(days=last_gap + 7 * k)
                    if done >= started:
                        self.rows.add(SupportLog, support_id=sid, done_on=done, note=rng.choice(("", "", "Went well.")),
                                      author_id=teacher_id, created_at=dt.datetime.combine(done, dt.time(15)))
                        n += 1
        if team["guardians"] and rng.random() < 0.7:
            description, frequency = rng.choice(SUPPORTS_HOME)
            by_person = rng.random() < 0.5
            self.rows.add(
                Support, plan_id=plan_id, goal_id=goals[-1][0], description=description, setting=SupportSetting.HOME,
                owner_user_id=team["guardians"][0] if by_person else None,
                owner_role=None if by_person else AuthorRole.GUARDIAN, frequency=frequency, starts_on=started,
                ends_on=None, status=SupportStatus.AGREED if agreed else SupportStatus.PROPOSED,
                agreed_meeting_id=meeting_id if agreed else None, acknowledged_at=None, created_by=self.specialist_id,
                created_at=dt.datetime.combine(started, dt.time(8)),
            )
            n += 1
        if agreed and rng.random() < 0.5:
            description, frequency = SUPPORT_SCHOOL if rng.random() < 0.6 else SUPPORT_ONLINE
            setting = SupportSetting.SCHOOL if description == SUPPORT_SCHOOL[0] else SupportSetting.ONLINE
            self.rows.add(
                Support, plan_id=plan_id, goal_id=None, description=description, setting=setting,
                owner_user_id=self.specialist_id if setting is SupportSetting.SCHOOL else None,
                owner_role=None if setting is SupportSetting.SCHOOL else AuthorRole.STUDENT, frequency=frequency,
                starts_on=started, ends_on=None, status=SupportStatus.IN_PLACE, agreed_meeting_id=meeting_id,
                acknowledged_at=None, created_by=self.specialist_id, created_at=dt.datetime.combine(started, dt.time(8)),
            )
            n += 1
        return n

    def assessments(self, student_id: int, grade: int) -> int:
        rng, n = self.rng, 0
        spring = dt.date(self.year_start.year, 4, 15)
        cogat = dt.date(self.year_start.year - rng.randint(0, 2), 10, 7)
        tests = [("CogAT Form 7", cogat, f"SAS {rng.randint(122, 145)}", rng.randint(92, 99))]
        if grade <= 11:
            tests.append(("MAP Growth Math", spring, f"RIT {180 + grade * 6 + rng.randint(0, 25)}", rng.randint(80, 99)))
            tests.append(("MAP Growth Reading", spring, f"RIT {178 + grade * 5 + rng.randint(0, 22)}", rng.randint(75, 99)))
        if 4 <= grade <= 9:
            level = rng.choice(("Exceeded Expectations", "Exceeded Expectations", "Met Expectations"))
            tests.append(("CMAS Math", spring - dt.timedelta(days=10), f"{level} ({rng.randint(760, 850)})",
                          rng.randint(85, 99)))
        if grade >= 10:
            tests.append(("PSAT 10", dt.date(self.year_start.year, 4, 9), str(rng.randrange(1150, 1460, 10)),
                          rng.randint(88, 99)))
        fall = dt.date(self.year_start.year, 9, 12)
        if grade <= 11 and fall <= self.today:
            tests.append(("MAP Growth Math", fall, f"RIT {184 + grade * 6 + rng.randint(0, 25)}", rng.randint(80, 99)))
        for name, taken, score, pct in tests:
            self.rows.add(Assessment, student_id=student_id, name=name, taken_on=taken, score=score, percentile=pct,
                          note="", created_by=self.specialist_id)
            n += 1
        return n

    # meetings -------------------------------------------------------------------------------

    def meetings(self, plan_id: int, status: PlanStatus, team: dict, login_id: int | None, first: str,
                 last: str) -> int | None:
        """A finalized annual review for most active plans (its id); upcoming ones for drafts and the rest."""
        rng, rows = self.rng, self.rows
        span = (self.today - self.year_start).days
        if status is PlanStatus.DRAFT or rng.random() < 0.12:
            if rng.random() < 0.6:  # the annual review is on the calendar
                when = self.now + dt.timedelta(days=rng.randint(3, 40), hours=rng.choice((-7, -6, -5, 0)))
                mid = rows.add(Meeting, plan_id=plan_id, kind=MeetingKind.ANNUAL_REVIEW, scheduled_at=when, opened_at=None,
                               location=rng.choice(("Room 114", "Library conference room", "https://meet.example.org/alp")),
                               status=MeetingStatus.SCHEDULED, agenda_step=AgendaStep.ATTENDANCE, notes="",
                               next_check_in=None, missing_role_reason="", invitations_sent_at=self.now,
                               created_by=self.specialist_id, finalized_at=None)
                self.attendance(mid, team, login_id, first, last, finalized=False)
            return None
        held = self.year_start + dt.timedelta(days=rng.randint(7, max(8, span - 5))) if span >= 14 else (
            self.today - dt.timedelta(days=rng.randint(5, 25)))
        when = dt.datetime.combine(held, dt.time(rng.choice((8, 13, 15)), rng.choice((0, 30))))
        opened = clock.utc(when, ZoneInfo(ZONE))  # on time; the moments a meeting records are UTC
        next_check = held + dt.timedelta(days=rng.choice((42, 56, 70)))
        mid = rows.add(Meeting, plan_id=plan_id, kind=MeetingKind.ANNUAL_REVIEW, scheduled_at=when, opened_at=opened,
                       location=rng.choice(("Room 114", "Library conference room", "https://meet.example.org/alp")),
                       status=MeetingStatus.FINALIZED, agenda_step=AgendaStep.REVIEW_AND_SIGN,
                       notes="Reviewed strengths and goals with the student first; agreed supports below.",
                       next_check_in=next_check, missing_role_reason="", invitations_sent_at=when - dt.timedelta(days=10),
                       created_by=self.specialist_id, finalized_at=opened + dt.timedelta(minutes=45))
        self.attendance(mid, team, login_id, first, last, finalized=True, when=opened)
        self.finalized.append(mid)
        description, owner = rng.choice(ACTION_ITEMS)
        rows.add(ActionItem, meeting_id=mid, description=description, owner=owner, due_on=held + dt.timedelta(days=14),
                 created_by=self.specialist_id)
        if next_check > self.today and rng.random() < 0.7:
            rows.add(Meeting, plan_id=plan_id, kind=MeetingKind.CHECK_IN,
                     scheduled_at=dt.datetime.combine(next_check, dt.time(15)), opened_at=None, location="Room 114",
                     status=MeetingStatus.SCHEDULED, agenda_step=AgendaStep.ATTENDANCE, notes="", next_check_in=None,
                     missing_role_reason="", invitations_sent_at=self.now, created_by=self.specialist_id,
                     finalized_at=None)
        return mid

    def attendance(self, meeting_id: int, team: dict, login_id: int | None, first: str, last: str, *,
                   finalized: bool, when: dt.datetime | None = None) -> None:
        rng = self.rng
        people: list[tuple[int | None, AuthorRole, str | None]] = [(self.specialist_id, AuthorRole.SPECIALIST, None)]
        people += [(uid, AuthorRole.TEACHER, None) for uid, _, _ in team["teachers"]]
        people += [(uid, AuthorRole.GUARDIAN, None) for uid in team["guardians"]]
        people.append((login_id, AuthorRole.STUDENT, None if login_id else f"{first} {last}"))
        unsigned = finalized and rng.random() < 0.12  # someone present has not signed yet
        for k, (uid, role, guest) in enumerate(people):
            if not finalized:
                status, mode, checked, signed = AttendanceStatus.INVITED, None, None, None
            else:
                assert when is not None  # a finalized meeting was held at a time
                absent = role is AuthorRole.TEACHER and k > 1 and rng.random() < 0.5 or (
                    role is AuthorRole.GUARDIAN and k == len(people) - 2 and len(team["guardians"]) > 1 and rng.random() < 0.4)
                status = (AttendanceStatus.EXCUSED if role is AuthorRole.TEACHER else AttendanceStatus.ABSENT) if absent \
                    else AttendanceStatus.PRESENT
                mode = None if absent else (rng.choice((AttendanceMode.PHONE, AttendanceMode.VIDEO))
                                            if role is AuthorRole.GUARDIAN and rng.random() < 0.3 else AttendanceMode.IN_PERSON)
                checked = None if absent else when + dt.timedelta(minutes=rng.randint(0, 4))
                signed = None if absent or (unsigned and role is AuthorRole.GUARDIAN and uid) else \
                    when + dt.timedelta(minutes=40 + rng.randint(0, 4))
            self.rows.add(Attendance, meeting_id=meeting_id, user_id=uid, guest_name=guest, role=role,
                          guest_role="student" if guest else None, status=status, mode=mode, checked_in_at=checked,
                          signed_at=signed)


def _records(session: Session, finalized_by: int) -> int:
    """The finalized demo meetings' records, written as meetings.finalize writes them (records.write),
    from the rows just inserted: a demo record reads like any other. (The database holds no other
    school, so every finalized meeting is the demo's.)"""
    finalized = session.scalars(select(Meeting).where(Meeting.status == MeetingStatus.FINALIZED).order_by(Meeting.id)).all()
    for meeting in finalized:
        records.write(session, meeting, plan_document(session, meeting.plan_id),
                      missing=missing_roles(session, meeting.id), notices=(),  # no notice was e-mailed
                      finalized_by=finalized_by)
    return len(finalized)
