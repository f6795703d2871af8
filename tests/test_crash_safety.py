"""A process writing to the database is killed (SIGKILL) in the middle of a burst of saves.

Every save it acknowledged (its service call returned, so the app would have said "Saved") is
in the database afterwards, with its audit event, and the database is intact. The writer is
a real separate process, as a `streamlit run` server is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from sqlalchemy import func, select, text

from plpcore.db import Database
from plpcore.models import AuditEvent, Goal, ProgressEntry
from tests.conftest import ROOT, make_school

ACKS_BEFORE_KILL = 40

WRITER = textwrap.dedent("""
    import sys
    from plpcore import services
    from plpcore.db import Database

    url, actor, goal = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    db = Database(url)
    n = 0
    while True:
        n += 1
        entry = services.record_progress(db, actor, goal, rating=n % 4 + 1, note=f"burst save {n}")
        print(entry, flush=True)  # acknowledged: the transaction has committed
""")


def burst_then_kill(db: Database, actor: int, goal: int) -> list[int]:
    """Run the writer, kill it after ACKS_BEFORE_KILL acknowledgements; every id it acknowledged."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, db.url, str(actor), str(goal)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
    acked = []
    deadline = time.monotonic() + 60
    while len(acked) < ACKS_BEFORE_KILL and time.monotonic() < deadline:
        line = writer.stdout.readline()
        if not line:
            raise AssertionError(f"the writer stopped: {writer.stderr.read()}")
        acked.append(int(line))
    writer.send_signal(signal.SIGKILL)  # mid-burst: it is already in its next save
    rest, _ = writer.communicate(timeout=10)
    acked += [int(x) for x in rest.split()]
    assert writer.returncode == -signal.SIGKILL
    return acked


def test_every_save_acknowledged_before_a_kill_is_there_afterwards_with_its_audit_event(db):
    school = make_school(db)
    db.dispose()  # the writer is the only process using the database while it runs

    acked = burst_then_kill(db, school.tia, school.ana_goal)

    restarted = Database(db.url)
    try:
        with restarted.read() as s:
            stored = set(s.scalars(select(ProgressEntry.id).where(ProgressEntry.id.in_(acked))))
            audited = set(s.scalars(select(AuditEvent.entity_id).where(
                AuditEvent.entity == "progress_entry", AuditEvent.entity_id.in_(acked))))
        assert len(acked) >= ACKS_BEFORE_KILL
        assert stored == set(acked)
        assert audited == set(acked)
    finally:
        restarted.dispose()


def test_a_database_killed_mid_write_is_intact_afterwards(db):
    school = make_school(db)
    db.dispose()

    burst_then_kill(db, school.tia, school.ana_goal)

    restarted = Database(db.url)
    try:
        with restarted.read() as s:
            if restarted.is_sqlite:
                assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
                assert s.execute(text("PRAGMA foreign_key_check")).all() == []
            orphans = s.scalar(select(func.count()).select_from(ProgressEntry).outerjoin(
                Goal, Goal.id == ProgressEntry.goal_id).where(Goal.id.is_(None)))
            assert orphans == 0
            # Every entry that exists was written whole: with its audit event and a moved revision.
            entries = set(s.scalars(select(ProgressEntry.id)))
            audited = set(s.scalars(select(AuditEvent.entity_id).where(AuditEvent.entity == "progress_entry")))
            assert entries <= audited
    finally:
        restarted.dispose()
