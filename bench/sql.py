"""Counting the SQL statements a piece of work sends: tests assert counts, benchmarks report them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event

from plpcore.db import Database


@contextlib.contextmanager
def count_statements(db: Database) -> Iterator[list[str]]:
    """Collect every SQL statement the engine sends while the block runs."""
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
