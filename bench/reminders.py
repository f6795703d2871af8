"""The daily reminders over a district-size school: time, SQL statements and messages queued.

    python -m bench.reminders [--sizes 2000,20000] [--db sqlite|postgres|both] [--json FILE] [--postgres-url URL]

For each database and size: a fresh database and the demo school of that many students, as
`python -m bench` makes them. Then `send-due` (plpcore.reminders.send_due) runs on a school
day inside a reporting period: the first run queues the home check-ins, the weekly supports
digests and whatever records and meetings are due; the second, straight after, must queue
nothing. Reported: ms, the statements the engine sent, messages and reminders queued.

The statements must not grow with the school's size (the work is set-based, the messages
inserted in one statement); the exit status is 1 if they do, or if the second run queued
anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from bench.__main__ import counted, database_arguments, fresh_database, say
from plpcore import demo, reminders
from plpcore.models import Message, ReportingPeriod, SchoolYear


def a_school_day(db) -> dt.datetime:
    """15:00 UTC on the tenth day of the current year's second reporting period (a weekday or not)."""
    with db.read() as s:
        starts = s.scalars(select(ReportingPeriod.starts_on).join(SchoolYear)
                           .where(SchoolYear.is_current.is_(True)).order_by(ReportingPeriod.starts_on)).all()
    day = starts[1] + dt.timedelta(days=10) if len(starts) > 1 else starts[0]
    return dt.datetime.combine(day, dt.time(15, 0))


def one_school(kind: str, students: int, postgres_url: str, work: Path) -> list[dict]:
    label = f"{kind} {students:,}"
    say(f"{label}: building the demo school…")
    db = fresh_database(kind, postgres_url, work, students)
    try:
        demo.build_school(db, students=students)
        now = a_school_day(db)
        rows = []
        for run in ("first", "second"):
            say(f"{label}: send-due, {run} run…")
            ms, statements, counts = counted(db, lambda: reminders.send_due(db, now))
            rows.append({"db": kind, "students": students, "run": run, "ms": round(ms), "statements": statements,
                         "messages": counts["messages"], "reminders": counts["items"]})
        with db.read() as s:
            rows[-1]["in_outbox"] = s.scalar(select(func.count(Message.id)))
        return rows
    finally:
        db.dispose()
        if db.is_sqlite:
            for path in work.glob(f"bench-{students}.db*"):
                path.unlink()


def table(rows: list[dict]) -> str:
    lines = ["| database | students | run | ms | SQL statements | e-mails queued | reminders in them |",
             "|---|---:|---|---:|---:|---:|---:|"]
    lines += [f"| {r['db']} | {r['students']:,} | {r['run']} | {r['ms']:,} | {r['statements']} | {r['messages']:,} "
              f"| {r['reminders']:,} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reminders", description="The daily reminders over a district-size school.")
    parser.add_argument("--sizes", default="2000,20000", help="students in the demo school, comma-separated")
    database_arguments(parser, json_help="also write the rows here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    work = Path(tempfile.mkdtemp(prefix="plantable-bench-"))
    rows: list[dict] = []
    try:
        for kind in kinds:
            for students in sizes:
                rows += one_school(kind, students, args.postgres_url, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    status = 0
    for kind in kinds:
        first = {r["students"]: r["statements"] for r in rows if r["db"] == kind and r["run"] == "first"}
        if len(set(first.values())) > 1:
            print(f"{kind}: statements GROW with the school's size: {first}")
            status = 1
        else:
            print(f"{kind}: statements are flat across sizes ({sorted(set(first.values()))})")
    for r in rows:
        if r["run"] == "second" and r["messages"]:
            print(f"NOT IDEMPOTENT: {r['db']} {r['students']:,}: the second run queued {r['messages']} e-mails")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
