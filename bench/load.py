"""A bounded load test: many meeting rooms and savers at once, with zero errors and zero lost writes.

    python -m bench.load [--db sqlite|postgres|both] [--servers 2] [--meetings 8] [--seconds 60]
                         [--savers 16] [--students 86] [--json FILE] [--postgres-url URL]

For each database: a fresh one (as `python -m bench` makes them), the demo school of --students,
and --meetings meetings opened on different students' plans with four people checked in to
each (the specialist, a teacher, a guardian and the student's sign-in, or another linked person
when the student has none). Then --servers worker processes stand in for that many
`streamlit run` processes, each with its own Database (engine and pool) on the same URL, and run
every browser session as a thread, doing through plpcore what the app's server does for it:

- a person in a meeting room (ui/meeting/room.py): every POLL_SECONDS the `live` fragment (the
  plan's revision; a heartbeat and who is in the room every HEARTBEAT_EVERY) and, when the
  revision moved, the page again (the plan, then the meeting, then the fragment). Each person's
  turn to edit comes round every few seconds: they open the editor on what their screen shows,
  type for a moment and save an action item or the "interests" answer, with a token in the words;
  on an EditConflict they reload and save again (a conflict, not an error). The others' screens
  time edit-to-visible from the writer's acknowledgement until a reload shows the token;
- a saver: a teacher or a student recording progress, or a guardian checking in at home, with a
  short think time between saves.

Afterwards every acknowledged progress entry, note and action item is looked up by id or token,
and each edited answer must hold the words of its last acknowledged save: lost = acknowledged -
found. Errors are every exception but EditConflict (and the "reload the plan" refusal a racing
first answer gets), with "database is locked" (SQLite) and serialization failures or deadlocks
(PostgreSQL) counted apart. Exit status 1 on any error or lost write.

Not exercised: Streamlit itself. Each rerun's entrypoint (the sign-in check and the
authenticator's credentials read from the database), drawing the page, and the websocket.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import json
import math
import multiprocessing
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from plpcore import demo, meetings, queries, services
from plpcore.db import Database
from plpcore.errors import EditConflict, InvalidInput
from plpcore.models import ActionItem, Note, PlanSection, ProgressEntry

SEATS = ("specialist", "teacher", "guardian", "student")  # who sits in each room, by slot
EDIT_EVERY_S = 2.5  # in each room someone's turn to edit comes this often; each person's every 4 turns
FIRST_TURN_S = 3.0  # the rooms have opened by then
TYPING_S = (1.0, 4.0)  # from opening the editor to Save: an edit in the same room may land meanwhile
THINK_S = (0.2, 1.0)  # a saver's pause between saves
CONFLICT_TRIES = 5
SECTION = "interests"  # not a voice-first question: the team's side is open during a meeting
UNSEEN_MARGIN_S = 5.0  # an edit acknowledged this close to the end may not have been shown yet
BARRIER_TIMEOUT_S = 180
TOKEN = re.compile(r"\bLT[0-9a-f]{10}\b")
HOME_PROMPT = "What did you talk about at home?"
DB_ERRORS = {"locked": "database is locked", "serialization": "serialization failure or deadlock"}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def new_token() -> str:
    return "LT" + uuid.uuid4().hex[:10]


def sleep_until(moment: float) -> None:
    wait = moment - time.time()
    if wait > 0:
        time.sleep(wait)


def ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


# --- who does what ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Seat:
    """One person's browser session in one meeting room."""

    meeting: int  # the room's index in this run
    meeting_id: int
    plan_id: int
    user_id: int
    role: str  # the role they write in: specialist, teacher, guardian or student
    slot: int  # their place in the room, 0-3
    first_turn_s: float  # seconds after the start; then every len(SEATS) * EDIT_EVERY_S


@dataclasses.dataclass(frozen=True)
class Saver:
    """A teacher or student recording progress, or a guardian checking in, on goals of their students."""

    user_id: int
    role: str
    goal_ids: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class Clock:
    start: float  # time.time(): comparable across the processes of one machine
    deadline: float
    poll_s: float


@dataclasses.dataclass
class Tally:
    """What sessions did and saw; one per thread, merged per process and then across processes."""

    ticks_ms: list[float] = dataclasses.field(default_factory=list)
    reloads_ms: list[float] = dataclasses.field(default_factory=list)
    saves_ms: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    progress_ids: list[int] = dataclasses.field(default_factory=list)
    action_ids: list[int] = dataclasses.field(default_factory=list)
    home: list[tuple[str, bool]] = dataclasses.field(default_factory=list)  # (token, rated)
    sections: list[tuple[int, str, str, int, str]] = dataclasses.field(default_factory=list)  # plan, key, voice, version, token
    edits: list[tuple[str, int, int, float, str]] = dataclasses.field(default_factory=list)  # token, room, slot, ack, kind
    seen: list[tuple[str, int, int, float]] = dataclasses.field(default_factory=list)  # token, room, slot, when
    conflicts: int = 0
    gave_up: int = 0
    errors: dict[str, dict] = dataclasses.field(default_factory=dict)
    start: float = math.inf
    deadline: float = math.inf
    ended: float = 0.0

    def saved(self, kind: str, ms: float) -> None:
        self.saves_ms.setdefault(kind, []).append(ms)

    def failed(self, what: str, exc: BaseException) -> None:
        first_line = (str(exc).strip().splitlines() or [""])[0][:200]
        key = f"{what}: {type(exc).__name__}: {first_line}"
        entry = self.errors.setdefault(key, {"count": 0, "kind": error_kind(exc), "where": where(exc),
                                             "traceback": "".join(traceback.format_exception(exc))[-4000:]})
        entry["count"] += 1

    def merge(self, other: Tally) -> None:
        for name in ("ticks_ms", "reloads_ms", "progress_ids", "action_ids", "home", "sections", "edits", "seen"):
            getattr(self, name).extend(getattr(other, name))
        for kind, values in other.saves_ms.items():
            self.saves_ms.setdefault(kind, []).extend(values)
        self.conflicts += other.conflicts
        self.gave_up += other.gave_up
        for key, entry in other.errors.items():
            if key in self.errors:
                self.errors[key]["count"] += entry["count"]
            else:
                self.errors[key] = dict(entry)
        self.start, self.deadline = min(self.start, other.start), min(self.deadline, other.deadline)
        self.ended = max(self.ended, other.ended)


def error_kind(exc: BaseException) -> str:
    if "database is locked" in str(exc):
        return "locked"
    if isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in ("40001", "40P01"):
        return "serialization"
    return "other"


def where(exc: BaseException) -> str:
    """The innermost frames in our own code, innermost last: enough to find the statement."""
    ours = [f for f in traceback.extract_tb(exc.__traceback__) if "/plpcore/" in f.filename or "/bench/" in f.filename]
    return " → ".join(f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} {f.name}" for f in ours[-4:])


# --- a person in a meeting room --------------------------------------------------------------------


@dataclasses.dataclass
class Edit:
    kind: str  # "action" or the voice of the SECTION answer: "team" or "student"
    expected_version: int  # of the answer, as the writer's screen showed it when they opened the editor
    save_at: float


class Room:
    """One participant's session, as the meeting room (ui/meeting/room.py) runs it for their browser."""

    def __init__(self, db: Database, seat: Seat, clock: Clock, tally: Tally):
        self.db, self.seat, self.clock, self.tally = db, seat, clock, tally
        self.rng = random.Random(seat.meeting * len(SEATS) + seat.slot)
        self.doc: dict[str, Any] = {}
        self.shown_revision: int | None = None
        self.known: set[str] = set()
        self.next_heartbeat = 0.0
        self.turns = 0

    def run(self) -> None:
        clock = self.clock
        opened = clock.start + self.rng.uniform(0, clock.poll_s)  # browsers are not in step
        sleep_until(opened)
        self.rerun()  # opening the room draws the whole page
        next_tick = opened + clock.poll_s
        next_turn = clock.start + self.seat.first_turn_s
        editing: Edit | None = None
        while True:
            due = min(next_tick, editing.save_at if editing else next_turn)
            if due >= clock.deadline:
                return
            sleep_until(due)
            if editing and due == editing.save_at:
                self.save(editing)
                editing = None
            elif not editing and due == next_turn:
                editing = self.open_editor()
                next_turn += len(SEATS) * EDIT_EVERY_S
            else:
                self.tick()
                next_tick = max(next_tick + clock.poll_s, time.time())  # a late tick is not run twice

    # reading ------------------------------------------------------------------------------------

    def load_room(self) -> None:
        """The plan first, then the meeting (as load_room does): the revision shown is never newer."""
        seat = self.seat
        self.doc = queries.student_plan(self.db, seat.user_id, seat.plan_id)
        state = meetings.meeting_state(self.db, seat.user_id, seat.meeting_id)
        self.shown_revision = self.doc["plan"]["revision"]
        now = time.time()
        words = [x["text"] for x in self.doc["sections"]] + [a["description"] for a in state["action_items"]]
        for token in set(TOKEN.findall(" ".join(words))) - self.known:
            self.known.add(token)
            self.tally.seen.append((token, seat.meeting, seat.slot, now))

    def live(self) -> bool:
        """The `live` fragment; True when the plan moved and the whole page reruns."""
        seat = self.seat
        if queries.plan_revision(self.db, seat.plan_id) != self.shown_revision:
            return True
        if time.monotonic() >= self.next_heartbeat:
            self.next_heartbeat = time.monotonic() + meetings.HEARTBEAT_EVERY.total_seconds()
            meetings.heartbeat(self.db, seat.user_id, seat.meeting_id)
            meetings.in_room(self.db, seat.user_id, seat.meeting_id)
        return False

    def rerun(self) -> None:
        """The whole page: the room loaded again, and the fragment drawn in it runs once."""
        started = time.perf_counter()
        try:
            self.load_room()
            self.live()
        except Exception as exc:
            self.tally.failed("reload", exc)
            return
        self.tally.reloads_ms.append(ms_since(started))

    def tick(self) -> None:
        started = time.perf_counter()
        try:
            moved = self.live()
        except Exception as exc:
            self.tally.failed("tick", exc)
            return
        self.tally.ticks_ms.append(ms_since(started))
        if moved:
            self.rerun()

    # writing ------------------------------------------------------------------------------------

    def open_editor(self) -> Edit:
        """What this person edits on this turn, and the version of it their screen shows now."""
        kinds = {"specialist": ("action", "team"), "teacher": ("team", "action"), "guardian": ("team",),
                 "student": ("student",)}[self.seat.role]
        kind = kinds[self.turns % len(kinds)]
        self.turns += 1
        return Edit(kind, self.answer_version(kind), time.time() + self.rng.uniform(*TYPING_S))

    def answer_version(self, voice: str) -> int:
        return next((x["version"] for x in self.doc.get("sections", [])
                     if x["key"] == SECTION and x["voice"] == voice), 0)

    def save(self, edit: Edit) -> None:
        token = new_token()
        try:
            if edit.kind == "action":
                self.add_action(token)
            else:
                self.write_answer(edit, token)
        except Exception as exc:
            self.tally.failed(f"edit ({edit.kind})", exc)

    def add_action(self, token: str) -> None:
        seat = self.seat
        started = time.perf_counter()
        item = meetings.add_action_item(self.db, seat.user_id, seat.meeting_id,
                                        f"Send the extension menu home ({token})", seat.role)
        self.acknowledged("action item", started, token, "action")
        self.tally.action_ids.append(item)

    def write_answer(self, edit: Edit, token: str) -> None:
        """Save; on a conflict reload the plan and save the same words again, as the person would."""
        seat, expected = self.seat, edit.expected_version
        words = f"Robotics club and chess, said in the meeting ({token})"
        for _ in range(CONFLICT_TRIES):
            started = time.perf_counter()
            try:
                version = services.update_section(self.db, seat.user_id, seat.plan_id, SECTION, edit.kind, words,
                                                  expected)
            except (EditConflict, InvalidInput) as refused:
                if isinstance(refused, InvalidInput) and "reload the plan" not in str(refused):
                    raise  # only a first answer racing another first answer is refused by design
                self.tally.conflicts += 1
                self.rerun()
                expected = self.answer_version(edit.kind)
                continue
            self.acknowledged("answer", started, token, edit.kind)
            self.tally.sections.append((seat.plan_id, SECTION, edit.kind, version, token))
            return
        self.tally.gave_up += 1

    def acknowledged(self, kind: str, started: float, token: str, edit_kind: str) -> None:
        self.tally.saved(kind, ms_since(started))
        self.tally.edits.append((token, self.seat.meeting, self.seat.slot, time.time(), edit_kind))


# --- a saver -------------------------------------------------------------------------------------


def save_loop(db: Database, saver: Saver, clock: Clock, tally: Tally, rng: random.Random) -> None:
    """Progress entries (teachers, students) or home check-ins (guardians) until the deadline."""
    while True:
        at = time.time() + rng.uniform(*THINK_S)
        if at >= clock.deadline:
            return
        sleep_until(at)
        goal, token = rng.choice(saver.goal_ids), new_token()
        kind = "home check-in" if saver.role == "guardian" else "progress"
        started = time.perf_counter()
        try:
            if saver.role == "guardian":
                rating = rng.choice((None, 1, 2, 3, 4))
                services.check_in_at_home(db, saver.user_id, goal, prompt=HOME_PROMPT,
                                          note=f"We talked about it at dinner ({token}).", rating=rating)
                tally.home.append((token, rating is not None))
            else:
                entry = services.record_progress(db, saver.user_id, goal, rating=rng.randint(1, 4),
                                                 note=f"Worked on it today ({token}).")
                tally.progress_ids.append(entry)
        except Exception as exc:
            tally.failed(kind, exc)
            continue
        tally.saved(kind, ms_since(started))


# --- one stand-in server process ------------------------------------------------------------------


def guarded(tally: Tally, session: Callable[[], None]) -> None:
    """A session's thread: whatever escapes the session's own handling is an error too, not a silent death."""
    try:
        session()
    except Exception as exc:
        tally.failed("session", exc)


def serve(url: str, seats: list[Seat], savers: list[Saver], poll_s: float, seconds: float,
          barrier, results) -> None:
    """A worker process: its own Database on the URL, a thread per session; its Tally, as a dict, on `results`."""
    try:
        db = Database(url)
        queries.plan_revision(db, seats[0].plan_id if seats else 0)  # connect before the clock starts
        barrier.wait(timeout=BARRIER_TIMEOUT_S)
        start = time.time()
        clock = Clock(start, start + seconds, poll_s)
        tallies: list[Tally] = []
        threads = []
        for seat in seats:
            tally = Tally()
            tallies.append(tally)
            threads.append(threading.Thread(target=guarded, args=(tally, Room(db, seat, clock, tally).run),
                                            name=f"room-{seat.meeting}-{seat.slot}"))
        for i, saver in enumerate(savers):
            tally = Tally()
            tallies.append(tally)
            rng = random.Random(f"{saver.user_id}-{i}")
            threads.append(threading.Thread(target=guarded, name=f"saver-{i}",
                                            args=(tally, functools.partial(save_loop, db, saver, clock, tally, rng))))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        merged = Tally(start=start, deadline=clock.deadline)
        for tally in tallies:
            merged.merge(tally)
        merged.ended = time.time()
        db.dispose()
        results.put(("ok", dataclasses.asdict(merged)))
    except BaseException:
        results.put(("crashed", traceback.format_exc()))
        raise


# --- setup, in the parent ------------------------------------------------------------------------


def people_by_plan(db: Database, specialist_id: int) -> dict[int, list[dict]]:
    """Plan id -> who is linked to its student (and the student's sign-in), for every plan on the caseload."""
    caseload = queries.caseload(db, specialist_id).dropna(subset=["plan_id"]).sort_values("student_id")
    return {int(row.plan_id): queries.meeting_invitees(db, specialist_id, int(row.plan_id))
            for row in caseload.itertuples()}


def choose_rooms(people: dict[int, list[dict]], specialist_id: int, count: int) -> list[tuple[int, list[tuple[int, str]]]]:
    """`count` plans, each with four people as (user id, role): students with all four roles first,
    and no teacher or guardian in two rooms where that can be helped (the demo has one specialist)."""
    def roles(plan_id: int) -> set[str]:
        return {p["role"] for p in people[plan_id]}

    ordered = sorted(people, key=lambda p: (not {"teacher", "guardian", "student"} <= roles(p), p))
    taken: set[int] = set()
    rooms = []
    for plan_id in ordered:
        if len(rooms) == count:
            break
        others = [p for p in people[plan_id] if p["user_id"] != specialist_id]
        others.sort(key=lambda p: p["user_id"] in taken)
        chosen: list[tuple[int, str]] = [(specialist_id, "specialist")]
        for role in SEATS[1:]:
            person = next((p for p in others if p["role"] == role), None) or next(iter(others), None)
            if person is None:
                break
            others.remove(person)
            chosen.append((person["user_id"], person["role"]))
        if len(chosen) == len(SEATS):
            rooms.append((plan_id, chosen))
            taken.update(uid for uid, _ in chosen)
    if len(rooms) < count:
        raise RuntimeError(f"only {len(rooms)} plans have four people to meet about; ask for fewer --meetings")
    return rooms


def choose_savers(db: Database, people: dict[int, list[dict]], specialist_id: int, busy: set[int],
                  count: int) -> list[Saver]:
    """Teachers, students and guardians in turn, not in a meeting where there are enough, each with
    the live goals of their students."""
    plans_of: dict[tuple[int, str], list[int]] = {}
    for plan_id, linked in people.items():
        for p in linked:
            if p["role"] in ("teacher", "student", "guardian"):
                plans_of.setdefault((p["user_id"], p["role"]), []).append(plan_id)
    by_role = {role: sorted((k for k in plans_of if k[1] == role), key=lambda k: (k[0] in busy, k[0]))
               for role in ("teacher", "student", "guardian")}
    goals: dict[int, tuple[int, ...]] = {}
    savers = []
    for i in range(count):
        role = ("teacher", "student", "guardian")[i % 3]
        candidates = by_role[role] or by_role["teacher"]
        user_id, role = candidates[(i // 3) % len(candidates)]
        for plan_id in plans_of[(user_id, role)]:
            if plan_id not in goals:
                doc = queries.student_plan(db, specialist_id, plan_id)
                goals[plan_id] = tuple(g["id"] for g in doc["goals"] if g["status"] not in ("revised", "discontinued"))
        mine = tuple(g for plan_id in plans_of[(user_id, role)] for g in goals[plan_id])
        if mine:
            savers.append(Saver(user_id, role, mine))
    if len(savers) < count:
        raise RuntimeError(f"only {len(savers)} of {count} savers have a goal to save progress on")
    return savers


def open_rooms(db: Database, specialist_id: int, rooms, meeting_count: int) -> list[Seat]:
    """Schedule and open a meeting on each plan, check its four people in; one Seat each."""
    now = dt.datetime.now().replace(second=0, microsecond=0)
    seats = []
    for index, (plan_id, chosen) in enumerate(rooms):
        meeting_id = meetings.schedule_meeting(db, specialist_id, plan_id, kind="annual ALP review", scheduled_at=now)
        meetings.open_meeting(db, specialist_id, meeting_id)
        for slot, (user_id, role) in enumerate(chosen):
            meetings.check_in(db, user_id, meeting_id)
            first = FIRST_TURN_S + (index / meeting_count + slot) * EDIT_EVERY_S
            seats.append(Seat(index, meeting_id, plan_id, user_id, role, slot, first))
    return seats


def high_water(db: Database) -> dict[str, int]:
    """The largest ids before the run: rows above them were written during it."""
    with db.read() as s:
        return {model.__tablename__: s.scalar(select(func.coalesce(func.max(model.id), 0)))
                for model in (ProgressEntry, Note, ActionItem)}


# --- after: what was acknowledged and is not there -------------------------------------------------


def stored_ids(db: Database, model, ids: list[int]) -> set[int]:
    found: set[int] = set()
    with db.read() as s:
        for i in range(0, len(ids), 500):
            found.update(s.scalars(select(model.id).where(model.id.in_(ids[i:i + 500]))))
    return found


def lost_writes(db: Database, tally: Tally, before: dict[str, int], guardian_ids: set[int]) -> dict[str, int]:
    """Per kind, acknowledged writes the database does not hold; `stored_unacknowledged` counts the
    other way round (a save that failed after its commit): not lost, but worth knowing."""
    lost = {
        "progress": len(set(tally.progress_ids) - stored_ids(db, ProgressEntry, tally.progress_ids)),
        "action item": len(set(tally.action_ids) - stored_ids(db, ActionItem, tally.action_ids)),
    }
    with db.read() as s:
        notes = s.scalars(select(Note.text).where(Note.id > before["note"], Note.author_id.in_(guardian_ids))).all()
        home_entries = s.scalar(select(func.count(ProgressEntry.id)).where(
            ProgressEntry.id > before["progress_entry"], ProgressEntry.author_id.in_(guardian_ids)))
        last_ack: dict[tuple[int, str, str], tuple[int, str]] = {}
        for plan_id, key, voice, version, token in tally.sections:
            if version > last_ack.get((plan_id, key, voice), (0, ""))[0]:
                last_ack[(plan_id, key, voice)] = (version, token)
        answers_lost = answers_ahead = 0
        for (plan_id, key, voice), (version, token) in last_ack.items():
            row = s.scalar(select(PlanSection).where(PlanSection.plan_id == plan_id, PlanSection.key == key,
                                                     PlanSection.voice == voice))
            if row is None or row.version < version or (row.version == version and token not in row.text):
                answers_lost += 1
            elif row.version > version:
                answers_ahead += 1
    stored_tokens = set(TOKEN.findall(" ".join(notes)))
    rated = sum(1 for _, r in tally.home if r)
    lost["home note"] = len({t for t, _ in tally.home} - stored_tokens)
    lost["home rating"] = max(0, rated - home_entries)
    lost["answer"] = answers_lost
    lost["stored_unacknowledged"] = max(0, home_entries - rated) + answers_ahead
    return lost


# --- one database --------------------------------------------------------------------------------


def percentiles(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "p50": None, "p95": None}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 1)

    return {"count": len(ordered), "p50": at(0.5), "p95": at(0.95)}


def visibility(tally: Tally) -> tuple[list[float], int]:
    """Edit-to-visible ms for each (edit, other person in the room), and how many action items
    some other person never saw (answers may be overwritten before a reload, action items not)."""
    seen = {(token, room, slot): when for token, room, slot, when in tally.seen}
    latencies, unseen = [], 0
    for token, room, writer, acked, kind in tally.edits:
        for slot in range(len(SEATS)):
            if slot == writer:
                continue
            when = seen.get((token, room, slot))
            if when is not None:
                latencies.append((when - acked) * 1000)
            elif kind == "action" and acked < tally.deadline - UNSEEN_MARGIN_S:
                unseen += 1
    return latencies, unseen


def run_workers(url: str, seats: list[Seat], savers: list[Saver], servers: int, poll_s: float,
                seconds: float) -> Tally:
    """Start the worker processes, let them run together, and merge what they report."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(servers + 1)
    results = ctx.Queue()
    workers = [ctx.Process(target=serve, name=f"plantable-load-{i}",
                           args=(url, seats[i::servers], savers[i::servers], poll_s, seconds, barrier, results))
               for i in range(servers)]
    for worker in workers:
        worker.start()
    merged = Tally()
    crashed = []
    try:
        barrier.wait(timeout=BARRIER_TIMEOUT_S)
        for _ in workers:
            status, payload = results.get(timeout=seconds + 600)
            if status == "ok":
                merged.merge(Tally(**payload))
            else:
                crashed.append(payload)
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
                worker.join()
    if crashed:
        raise RuntimeError("a worker process crashed:\n" + "\n".join(crashed))
    return merged


def one_database(kind: str, args: argparse.Namespace, poll_s: float, work: Path) -> dict[str, Any]:
    """Set up, run and check one database; its figures as one JSON row."""
    from bench.__main__ import fresh_database  # here, not at the top: the workers need not import Streamlit

    say(f"{kind}: building the demo school of {args.students} students…")
    db = fresh_database(kind, args.postgres_url, work, args.students)
    try:
        school = demo.build_school(db, students=args.students)
        people = people_by_plan(db, school.specialist_id)
        rooms = choose_rooms(people, school.specialist_id, args.meetings)
        busy = {uid for _, chosen in rooms for uid, _ in chosen}
        savers = choose_savers(db, people, school.specialist_id, busy, args.savers)
        seats = open_rooms(db, school.specialist_id, rooms, args.meetings)
        before = high_water(db)
        db.engine.dispose()  # the parent holds no connection while the servers run
        say(f"{kind}: {len(seats)} people in {args.meetings} meetings and {len(savers)} savers over "
            f"{args.servers} processes for {args.seconds} s…")
        tally = run_workers(db.url, seats, savers, args.servers, poll_s, args.seconds)
        guardians = {s.user_id for s in savers if s.role == "guardian"}
        lost = lost_writes(db, tally, before, guardians)
    finally:
        db.dispose()
        if db.is_sqlite:
            for path in work.glob(f"bench-{args.students}.db*"):
                path.unlink()
    return figures(kind, args, tally, lost, len(seats), len(savers))


def figures(kind: str, args: argparse.Namespace, tally: Tally, lost: dict[str, int], seats: int,
            savers: int) -> dict[str, Any]:
    seconds = tally.ended - tally.start
    all_saves = [ms for values in tally.saves_ms.values() for ms in values]
    latencies, unseen = visibility(tally)
    errors = sorted(({"error": key} | entry for key, entry in tally.errors.items()), key=lambda e: -e["count"])
    return {
        "db": kind, "servers": args.servers, "meetings": args.meetings, "in_meetings": seats, "savers": savers,
        "sessions": seats + savers, "students": args.students, "seconds": round(seconds, 1),
        "saves": len(all_saves), "saves_per_s": round(len(all_saves) / seconds, 1) if seconds else 0.0,
        "conflicts_retried": tally.conflicts, "conflicts_given_up": tally.gave_up,
        "errors": sum(e["count"] for e in errors),
        "locked": sum(e["count"] for e in errors if e["kind"] == "locked"),
        "serialization": sum(e["count"] for e in errors if e["kind"] == "serialization"),
        "lost_writes": sum(n for k, n in lost.items() if k != "stored_unacknowledged"),
        "lost_by_kind": lost,
        "save_ms": percentiles(all_saves),
        "save_ms_by_kind": {k: percentiles(v) for k, v in sorted(tally.saves_ms.items())},
        "tick_ms": percentiles(tally.ticks_ms),
        "reload_ms": percentiles(tally.reloads_ms),
        "edit_to_visible_ms": percentiles(latencies),
        "edits": len(tally.edits), "action_items_unseen": unseen,
        "error_list": errors,
    }


# --- the report ----------------------------------------------------------------------------------


def p50_p95(stats: dict[str, Any]) -> str:
    if not stats["count"]:
        return "-"
    return f"{stats['p50']:,.1f} / {stats['p95']:,.1f}"


def report(rows: list[dict]) -> str:
    """Figures down, one column per database."""
    lines_of: list[tuple[str, list[str]]] = [
        ("server processes", [f"{r['servers']}" for r in rows]),
        ("sessions (meetings + savers)", [f"{r['sessions']} ({r['in_meetings']} + {r['savers']})" for r in rows]),
        ("seconds", [f"{r['seconds']}" for r in rows]),
        ("saves acknowledged", [f"{r['saves']:,}" for r in rows]),
        ("saves/s", [f"{r['saves_per_s']}" for r in rows]),
        ("conflicts retried", [f"{r['conflicts_retried']}" + (f" ({r['conflicts_given_up']} given up)"
                                                              if r["conflicts_given_up"] else "") for r in rows]),
        ("errors", [f"{r['errors']}" for r in rows]),
        ("  database is locked", [f"{r['locked']}" if r["db"] == "sqlite" else "-" for r in rows]),
        ("  serialization/deadlock", [f"{r['serialization']}" if r["db"] != "sqlite" else "-" for r in rows]),
        ("lost writes", [f"{r['lost_writes']}" for r in rows]),
        ("save p50 / p95 ms", [p50_p95(r["save_ms"]) for r in rows]),
    ]
    kinds = list(dict.fromkeys(k for r in rows for k in r["save_ms_by_kind"]))
    for name in kinds:
        lines_of.append((f"  {name} (count)", [
            f"{p50_p95(r['save_ms_by_kind'][name])} ({r['save_ms_by_kind'][name]['count']:,})"
            if name in r["save_ms_by_kind"] else "-" for r in rows]))
    lines_of += [
        ("tick p50 / p95 ms", [p50_p95(r["tick_ms"]) for r in rows]),
        ("reload p50 / p95 ms", [p50_p95(r["reload_ms"]) for r in rows]),
        ("edit-to-visible p50 / p95 ms", [p50_p95(r["edit_to_visible_ms"]) for r in rows]),
        ("  (edits, times seen)", [f"{r['edits']:,}, {r['edit_to_visible_ms']['count']:,}" for r in rows]),
    ]
    width = max([24, *(len(cell) for _, cells in lines_of for cell in cells)])
    head = f"{'':<30}" + "".join(f" | {r['db']:>{width}}" for r in rows)
    lines = [head, "-" * len(head)]
    lines += [f"{label:<30}" + "".join(f" | {cell:>{width}}" for cell in cells) for label, cells in lines_of]
    return "\n".join(lines)


def findings(rows: list[dict]) -> list[str]:
    """The errors with where they came from, lost writes by kind, and what is odd but not a failure."""
    lines = []
    for r in rows:
        for e in r["error_list"]:
            lines.append(f"{r['db']}: {e['count']} × {e['error']}" + (f" [{DB_ERRORS[e['kind']]}]"
                                                                       if e["kind"] in DB_ERRORS else ""))
            lines.append(f"    at {e['where']}")
        lost = {k: n for k, n in r["lost_by_kind"].items() if n and k != "stored_unacknowledged"}
        if lost:
            lines.append(f"{r['db']}: LOST " + ", ".join(f"{n} {k}" for k, n in lost.items()))
        if r["lost_by_kind"].get("stored_unacknowledged"):
            lines.append(f"{r['db']}: {r['lost_by_kind']['stored_unacknowledged']} writes are stored that their "
                         "writer was not told about (a save that raised after its commit)")
        if r["action_items_unseen"]:
            lines.append(f"{r['db']}: {r['action_items_unseen']} times an action item never reached another "
                         "person's screen in the room")
    return lines


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import database_arguments  # here, as in one_database
    from ui.meeting.room import POLL_SECONDS

    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=2, help="worker processes standing in for `streamlit run`")
    parser.add_argument("--meetings", type=int, default=8, help="meetings in progress, four people in each")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--savers", type=int, default=16, help="teachers, students and guardians saving")
    parser.add_argument("--students", type=int, default=86, help="students in the demo school")
    database_arguments(parser, json_help="also write the figures here")
    args = parser.parse_args(argv)
    if args.servers < 1 or args.meetings < 0 or args.savers < 0 or args.seconds <= 0 or args.students < 1:
        parser.error("--servers and --students of 1 or more, --seconds above 0, no negative counts")
    if not args.meetings and not args.savers:
        parser.error("nothing to run: give --meetings or --savers")
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)

    work = Path(tempfile.mkdtemp(prefix="plantable-load-"))
    try:
        rows = [one_database(kind, args, POLL_SECONDS, work) for kind in kinds]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(report(rows))
    print()
    for line in findings(rows):
        print(line)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str) + "\n")
    errors, lost = sum(r["errors"] for r in rows), sum(r["lost_writes"] for r in rows)
    if errors or lost:
        print(f"FAILED: {errors} errors, {lost} lost writes")
        return 1
    print("OK: 0 errors, 0 lost writes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
