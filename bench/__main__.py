"""Statements, rows loaded and render time per page and role, by school size and database.

    python -m bench [--sizes 86,2000] [--db sqlite|postgres|both] [--runs 5] [--pages admin,home]
                    [--json FILE] [--postgres-url URL]

For each database and size: a fresh database (a temporary SQLite file in WAL mode, as the
app uses it; or PostgreSQL at --postgres-url, else PLP_BENCH_POSTGRES_URL, else the local
plantable_bench database, its tables dropped and migrated again) and the demo school of that
many students. Then, through AppTest, each role's home and the specialist's plan, reports,
meeting lobby, admin (its People, Links and Students tabs) and import pages, and the admin's
admin page: one warm-up run and --runs
timed runs each, the median ms, the SQL statements the app's engine sent in one run and the
rows their results loaded (bench.sql says how rows are counted). Also: the build time, the
database's size, an idle poll tick, a plan PDF, a 2,000-row roster imported twice (the
second import must change nothing), and next school year started for the whole school by its admin
(preview, start, and a second start that must make nothing).

A page whose statement count differs between sizes sends a query per row somewhere: the
last line says whether counts are flat, and the exit status is 1 if they are not. Rows that
grow with the size are listed too, without failing: a page that shows every student of a
caseload loads them all, but one that pages or searches should not.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.pages import measure_pages
from bench.sql import count_work
from plpcore import accounts, demo, documents, imports, queries, rollover
from plpcore.db import Database, init_schema
from plpcore.models import Base

DEFAULT_POSTGRES_URL = "postgresql+psycopg://plantable:plantable@127.0.0.1:5432/plantable_bench"
ROSTER_ROWS = 2000
FIRST_ROSTER_ID = 900_001  # above the demo's local ids (240001 onwards, at most 100,000 students)
POLL_TICKS = 50  # a tick is well under a millisecond: more samples for a steady median


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- databases ---------------------------------------------------------------------------------


def fresh_database(kind: str, postgres_url: str, work: Path, students: int) -> Database:
    """An empty, migrated database: a new SQLite file, or the PostgreSQL one with every table dropped."""
    if kind == "sqlite":
        db = Database(f"sqlite:///{work / f'bench-{students}.db'}")
    else:
        db = Database(postgres_url)
        Base.metadata.drop_all(db.engine)
        with db.engine.begin() as conn:  # else init_schema finds "head" and creates nothing
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    init_schema(db)
    return db


def size_mb(db: Database) -> float:
    """SQLite: the file and its -wal after a checkpoint; PostgreSQL: pg_database_size."""
    with db.engine.connect() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            path = Path(db.engine.url.database)
            wal = path.with_name(path.name + "-wal")
            size = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        else:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    return round(size / 1024**2, 1)


# --- figures other than pages --------------------------------------------------------------------


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return (time.perf_counter() - started) * 1000, result


def counted(db: Database, work: Callable[[], Any]) -> tuple[float, int, int, Any]:
    """(ms, statements, rows loaded, result) of one call."""
    with count_work(db) as tally:
        ms, result = timed(work)
    return ms, len(tally.statements), tally.rows, result


def median_of(db: Database, work: Callable[[], Any], times: int) -> tuple[float, int, int]:
    """The median ms of `times` calls, and the statements and rows of the last one."""
    samples = [counted(db, work) for _ in range(times)]
    return statistics.median(ms for ms, _, _, _ in samples), samples[-1][1], samples[-1][2]


def plan_with_goals(db: Database, specialist_id: int) -> tuple[int, int]:
    """(student id, plan id) of the first student on the caseload whose plan has goals."""
    caseload = queries.caseload(db, specialist_id).dropna(subset=["plan_id"]).sort_values("student_id")
    for row in caseload.itertuples():
        if queries.student_plan(db, specialist_id, int(row.plan_id))["goals"]:
            return int(row.student_id), int(row.plan_id)
    raise RuntimeError("no plan on the demo caseload has goals")


def roster_csv(teachers: list[str]) -> bytes:
    """ROSTER_ROWS new students (local ids no demo student has), each linked to a demo teacher."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["student_id", "first_name", "last_name", "grade", "gifted_areas", "teacher_username", "course"])
    for i in range(ROSTER_ROWS):
        writer.writerow([FIRST_ROSTER_ID + i, demo.FIRST_NAMES[i % len(demo.FIRST_NAMES)],
                         demo.LAST_NAMES[(i * 7) % len(demo.LAST_NAMES)], 3 + i % 10,
                         "math; reading" if i % 3 else "general intellectual", teachers[i % len(teachers)],
                         f"Math {3 + i % 10}"])
    return out.getvalue().encode()


def roster_import(db: Database, actor_id: int, roster: bytes) -> list[dict]:
    """Preview and commit the roster; rows for each step, with what the commit did."""
    rows = []
    for step in ("import", "reimport"):
        ms, statements, loaded, preview = counted(db, lambda: imports.preview_roster(db, actor_id, roster))
        if preview.rejected:
            raise RuntimeError(f"the benchmark roster was rejected: {preview.rejected[:3]}")
        rows.append({"figure": f"{step}_preview", "statements": statements, "rows": loaded, "ms": round(ms)})
        ms, statements, loaded, result = counted(db, lambda p=preview: imports.commit_roster(db, actor_id, p))
        rows.append({"figure": f"{step}_commit", "statements": statements, "rows": loaded, "ms": round(ms),
                     "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                     "new_accounts": len(result.new_accounts)})
    return rows


def year_rollover(db: Database, admin_id: int) -> list[dict]:
    """The admin adds next school year and starts it for every student: the preview, the start, and
    the start again, which makes nothing."""
    year_id = accounts.add_school_year(db, admin_id, "2099-00", "2099-08-15", "2100-06-01")
    ms, statements, loaded, preview = counted(db, lambda: rollover.preview(db, admin_id, year_id, whole_school=True))
    rows = [{"figure": "rollover_preview", "statements": statements, "rows": loaded, "ms": round(ms),
             "listed": len(preview)}]
    for step in ("rollover_start", "rollover_again"):
        ms, statements, loaded, made = counted(db, lambda: rollover.start_year(db, admin_id, year_id, whole_school=True))
        # The start inserts its rows in batches of up to 1,000 a statement: a bigger school takes a few more.
        rows.append({"figure": step, "statements": statements, "rows": loaded, "ms": round(ms), "created": made,
                     "batched": True})
    if rows[-1]["created"]:
        raise RuntimeError(f"starting the year again made {rows[-1]['created']} plans")
    return rows


def one_school(kind: str, students: int, runs: int, postgres_url: str, work: Path,
               pages: set[str] | None = None) -> list[dict]:
    """Every figure for one database and size, as JSON rows."""
    label = f"{kind} {students}"
    say(f"{label}: building the demo school…")
    db = fresh_database(kind, postgres_url, work, students)
    rows: list[dict] = []
    try:
        build_ms, school = timed(lambda: demo.build_school(db, students=students))
        rows.append({"figure": "build_s", "value": round(build_ms / 1000, 1)})
        rows.append({"figure": "db_size_mb", "value": size_mb(db)})
        say(f"{label}: built in {build_ms / 1000:.1f} s, {rows[-1]['value']} MB")

        usernames: dict[str, str] = {}
        for role, username, _ in school.accounts:
            usernames.setdefault(role, username)
        student_id, plan_id = plan_with_goals(db, school.specialist_id)
        rows += measure_pages(db, usernames, student_id, runs, pages=pages,
                              progress=lambda line: say(f"{label}:{line}"))

        ms, statements, loaded = median_of(db, lambda: queries.plan_revision(db, plan_id), POLL_TICKS)
        rows.append({"figure": "poll_tick", "statements": statements, "rows": loaded, "median_ms": round(ms, 2)})
        ms, statements, loaded = median_of(
            db, lambda: documents.plan_pdf(queries.student_plan(db, school.specialist_id, plan_id)), runs)
        rows.append({"figure": "plan_pdf", "statements": statements, "rows": loaded, "median_ms": round(ms)})
        say(f"{label}: importing a {ROSTER_ROWS:,}-row roster twice…")
        teachers = [username for role, username, _ in school.accounts if role == "teacher"]
        rows += roster_import(db, school.specialist_id, roster_csv(teachers))
        say(f"{label}: starting next school year for everyone…")
        rows += year_rollover(db, accounts.user_by_name(db, usernames["admin"]).id)
    finally:
        db.dispose()
        if db.is_sqlite:
            for path in work.glob(f"bench-{students}.db*"):
                path.unlink()
    return [{"db": kind, "students": students} | row for row in rows]


# --- the report --------------------------------------------------------------------------------


def column_keys(rows: list[dict]) -> list[tuple[str, int]]:
    return list(dict.fromkeys((r["db"], r["students"]) for r in rows))


WIDTH = 25  # a table cell: statements, rows and ms


def pages_table(rows: list[dict]) -> str:
    """Pages down, (db, size) across: statements, rows loaded and median ms."""
    columns = column_keys(rows)
    cell = {(r["page"], r["role"], r["db"], r["students"]): r for r in rows if "page" in r}
    visits = list(dict.fromkeys((r["page"], r["role"]) for r in rows if "page" in r))
    head = f"{'page':<14} {'role':<10}" + "".join(f" | {f'{kind} {n:,}':>{WIDTH}}" for kind, n in columns)
    sub = f"{'':<25}" + "".join(f" | {'SQL':>5} {'rows':>9} {'ms':>9}" for _ in columns)
    lines = [head, sub, "-" * len(head)]
    for page, role in visits:
        line = f"{page:<14} {role:<10}"
        for kind, n in columns:
            r = cell.get((page, role, kind, n))
            line += f" | {r['statements']:>5} {r['rows']:>9,} {r['median_ms']:>9,}" if r else f" | {'':>{WIDTH}}"
        lines.append(line)
    return "\n".join(lines)


def figure_text(r: dict) -> str:
    name = r["figure"]
    if name == "build_s":
        return f"{r['value']:,} s"
    if name == "db_size_mb":
        return f"{r['value']:,} MB"
    ms = r.get("median_ms", r.get("ms"))
    return f"{r['statements']:>5} {r['rows']:>9,} {ms:>9,}"


def figures_table(rows: list[dict]) -> str:
    """The other figures: build, size, poll tick, plan PDF and the two roster imports."""
    columns = column_keys(rows)
    cell = {(r["figure"], r["db"], r["students"]): r for r in rows if "figure" in r}
    names = list(dict.fromkeys(r["figure"] for r in rows if "figure" in r))
    head = f"{'figure':<19}" + "".join(f" | {f'{kind} {n:,}':>{WIDTH}}" for kind, n in columns)
    sub = f"{'':<19}" + "".join(f" | {'SQL':>5} {'rows':>9} {'ms':>9}" for _ in columns)
    lines = [head, sub, "-" * len(head)]
    for name in names:
        line = f"{name:<19}"
        for kind, n in columns:
            r = cell.get((name, kind, n))
            line += f" | {figure_text(r):>{WIDTH}}" if r else f" | {'':>{WIDTH}}"
        lines.append(line)
    commits = [r for r in rows if r.get("figure", "").endswith("_commit")]
    for name in dict.fromkeys(r["figure"] for r in commits):
        line = f"{name.replace('_commit', ' did'):<19}"
        for kind, n in columns:
            r = cell.get((name, kind, n))
            did = f"+{r['created']} ~{r['updated']} ={r['unchanged']}" if r else ""
            line += f" | {did:>{WIDTH}}"
        lines.append(line)
    lines.append("(import did: +created ~updated =unchanged students)")
    return "\n".join(lines)


def growing(rows: list[dict], count: str = "statements", *, pages_only: bool = False) -> list[str]:
    """Each (db, page, role) or (db, figure) whose `count` (statements or rows) is not the same at every size."""
    counts: dict[tuple, dict[int, int]] = {}
    for r in rows:
        if count in r and ("page" in r or not pages_only) and not r.get("batched"):
            what = (r["page"], r["role"]) if "page" in r else (r["figure"],)
            counts.setdefault((r["db"], *what), {})[r["students"]] = r[count]
    return [f"{' '.join(key)}: " + ", ".join(f"{n:,} students → {s:,}" for n, s in sorted(by_size.items()))
            for key, by_size in counts.items() if len(set(by_size.values())) > 1]


def reimport_changes(rows: list[dict]) -> list[str]:
    return [f"{r['db']} {r['students']:,}: the second import created {r['created']}, updated {r['updated']}, "
            f"made {r['new_accounts']} accounts"
            for r in rows if r.get("figure") == "reimport_commit"
            and (r["created"] or r["updated"] or r["new_accounts"])]


def database_arguments(parser: argparse.ArgumentParser, json_help: str) -> None:
    """--db, --json and --postgres-url, as every benchmark here takes them."""
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--json", type=Path, help=json_help)
    parser.add_argument("--postgres-url", default=os.environ.get("PLP_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
                        help="a PostgreSQL database whose tables may be dropped (default: PLP_BENCH_POSTGRES_URL, "
                             "else the local plantable_bench)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="86,2000", help="students in the demo school, comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each page, after one warm-up")
    parser.add_argument("--pages", help="only these pages, comma-separated (home, plan, reports, meeting, admin, "
                                        "import); default: all")
    database_arguments(parser, json_help="also write the rows here")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes: whole numbers separated by commas, not {args.sizes!r}")
    if not sizes or args.runs < 1:
        parser.error("at least one size, and --runs of 1 or more")
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    pages = {p.strip() for p in args.pages.split(",") if p.strip()} if args.pages else None

    work = Path(tempfile.mkdtemp(prefix="plantable-bench-"))
    rows: list[dict] = []
    try:
        for kind in kinds:
            for students in sizes:
                rows += one_school(kind, students, args.runs, args.postgres_url, work, pages)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(pages_table(rows))
    print()
    print(figures_table(rows))
    print()
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    status = 0
    varied = [r for r in rows if "statements_varied" in r]
    for r in varied:
        print(f"note: {r['db']} {r['students']:,} {r['page']} as {r['role']} sent {r['statements_varied']} "
              "statements in different runs")
    for line in reimport_changes(rows):
        print(f"NOT IDEMPOTENT: {line}")
        status = 1
    grows = growing(rows)
    if len(sizes) > 1:
        more_rows = growing(rows, "rows", pages_only=True)
        print("rows loaded per page run grow with the school's size:" if more_rows
              else "rows loaded per page run are flat across sizes")
        for line in more_rows:
            print(f"  {line}")
    if len(sizes) < 2:
        print("one size only: nothing to compare statement counts with")
    elif grows:
        print("statement counts GROW with the school's size:")
        for line in grows:
            print(f"  {line}")
        status = 1
    else:
        print("statement counts are flat across sizes")
    return status


if __name__ == "__main__":
    sys.exit(main())
