"""Counting the SQL statements a piece of work sends, and the rows it loads: tests assert counts,
benchmarks report them.

Rows are counted where SQLAlchemy takes them from the database driver's cursor: each
statement's result gets a fetch strategy that counts what the driver's fetchone, fetchmany
and fetchall hand over, before any ORM object or DataFrame is made of them. So Core
`select(columns)` rows (most of plpcore's reads) count as well as ORM entities, a
`scalar()` that reads one row of many counts one, and a row the ORM loads twice (a join
eager load) counts twice, as it crossed from the database twice. Why not the events:
`after_cursor_execute` sees `cursor.rowcount`, which drivers give only for DML (-1 or 0 for a
SELECT on SQLite); `loaded_as_persistent` sees ORM entities only, not column rows.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import default
from sqlalchemy.engine.cursor import CursorFetchStrategy

from plpcore.db import Database

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
# SQLAlchemy's own default: a statement whose dialect chose another strategy (a server-side
# cursor, a buffered RETURNING) is left alone, and its rows are not counted.
_DEFAULT_FETCH = default.DefaultExecutionContext.cursor_fetch_strategy


@dataclasses.dataclass
class Tally:
    """What the work sent and loaded: its statements (leaving out transaction control) and rows."""

    statements: list[str] = dataclasses.field(default_factory=list)
    rows: int = 0


class _CountingFetch(CursorFetchStrategy):
    """SQLAlchemy's plain cursor fetching, adding up the rows the driver hands over."""

    __slots__ = ("tally",)

    def __init__(self, tally: Tally):
        self.tally = tally

    def fetchone(self, result: Any, dbapi_cursor: Any, hard_close: bool = False) -> Any:
        row = super().fetchone(result, dbapi_cursor, hard_close)
        if row is not None:
            self.tally.rows += 1
        return row

    def fetchmany(self, result: Any, dbapi_cursor: Any, size: int | None = None) -> Any:
        rows = super().fetchmany(result, dbapi_cursor, size)
        self.tally.rows += len(rows or ())
        return rows

    def fetchall(self, result: Any, dbapi_cursor: Any) -> Any:
        rows = super().fetchall(result, dbapi_cursor)
        self.tally.rows += len(rows or ())
        return rows


def count_rows_of(context: Any, tally: Tally) -> None:
    """From an `after_cursor_execute` listener: count the rows this statement's result loads."""
    if context is None or context.cursor_fetch_strategy is not _DEFAULT_FETCH:
        return
    if context.execution_options.get("stream_results") or context.execution_options.get("yield_per"):
        return  # SQLAlchemy would buffer these itself; leave them as they are
    context.cursor_fetch_strategy = _CountingFetch(tally)


def sent(statement: str) -> bool:
    """A statement that is work, not transaction control."""
    return not statement.lstrip().upper().startswith(TRANSACTION_CONTROL)


@contextlib.contextmanager
def count_work(db: Database) -> Iterator[Tally]:
    """The statements the engine sends while the block runs, and the rows their results load."""
    tally = Tally()

    def sending(conn, cursor, statement, parameters, context, executemany):
        if sent(statement):
            tally.statements.append(statement)

    def executed(conn, cursor, statement, parameters, context, executemany):
        count_rows_of(context, tally)

    event.listen(db.engine, "before_cursor_execute", sending)
    event.listen(db.engine, "after_cursor_execute", executed)
    try:
        yield tally
    finally:
        event.remove(db.engine, "before_cursor_execute", sending)
        event.remove(db.engine, "after_cursor_execute", executed)


@contextlib.contextmanager
def count_statements(db: Database) -> Iterator[list[str]]:
    """Collect every SQL statement the engine sends while the block runs."""
    with count_work(db) as tally:
        yield tally.statements
