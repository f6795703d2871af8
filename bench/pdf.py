"""Milliseconds to make each PDF a family or a records request receives, from a demo plan.

    python -m bench.pdf [--runs 10] [--students 86]

Builds the demo school in a temporary SQLite file, takes the first finalized meeting whose
plan has goals, and makes that plan's PDF, the meeting's record, the progress report for the
plan's first reporting period and the student's whole record: one warm-up, then --runs timed
runs of each. Prints the median ms of each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from plpcore import demo, documents, export, queries
from plpcore.db import Database, init_schema
from plpcore.models import Meeting, MeetingStatus


def median_ms(make: Callable[[], bytes], runs: int) -> float:
    make()  # warm-up: fonts and templates load once per process
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        make()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def documents_of_a_demo_plan(db: Database, specialist_id: int) -> dict[str, Callable[[], bytes]]:
    """What to time: each document of the first finalized meeting's plan that has goals."""
    with db.read() as s:
        finalized = s.execute(select(Meeting.id, Meeting.plan_id).where(Meeting.status == MeetingStatus.FINALIZED)
                              .order_by(Meeting.id)).all()
    for meeting_id, plan_id in finalized:
        doc = queries.student_plan(db, specialist_id, plan_id)
        record = queries.meeting_record(db, specialist_id, meeting_id)
        if doc["goals"] and record is not None:
            break
    else:
        raise RuntimeError("no finalized demo meeting is on a plan with goals")
    period = doc["periods"][0] if doc["periods"] else None
    whole = export.student_record(db, specialist_id, doc["student"]["id"])
    return {
        "plan PDF": lambda: documents.plan_pdf(doc),
        "meeting record PDF": lambda: documents.record_pdf(record),
        "progress report PDF": lambda: documents.progress_report_pdf(doc, period),
        "whole record PDF": lambda: documents.student_record_pdf(whole),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pdf", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each document, after one warm-up")
    parser.add_argument("--students", type=int, default=86, help="students in the demo school")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs of 1 or more")
    with tempfile.TemporaryDirectory(prefix="plantable-bench-pdf-") as work:
        db = Database(f"sqlite:///{Path(work) / 'pdf.db'}")
        try:
            init_schema(db)
            school = demo.build_school(db, students=args.students)
            for name, make in documents_of_a_demo_plan(db, school.specialist_id).items():
                print(f"{name:<20} {median_ms(make, args.runs):8.1f} ms  (median of {args.runs})")
        finally:
            db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
