"""Backups of the whole database, and restoring one: SQLite's online backup, or pg_dump/pg_restore;
and copying a SQLite pilot into PostgreSQL when a school's pilot becomes the district's."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import func, insert, inspect, select
from sqlalchemy.engine import make_url

from plpcore.db import Database, init_schema, private_empty_file
from plpcore.errors import InvalidInput
from plpcore.models import Base, School, User

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
PG_TIMEOUT_S = 3600
COPY_BATCH = 1000  # rows per INSERT while copying: few round trips, bounded memory


def holds_data(db: Database) -> bool:
    """True if the database has a school or an account (an empty schema does not count)."""
    if not inspect(db.engine).has_table(School.__tablename__):
        return False
    with db.engine.connect() as conn:
        return bool(conn.scalar(select(func.count(School.id))) or conn.scalar(select(func.count(User.id))))


def contents(db: Database) -> tuple[int, str]:
    """(rows, checksum) of every PlanTable table: what a restore or a copy must give back exactly.

    The checksum is a SHA-256 over each table's rows in primary-key order, as Python values, so two
    databases with the same contents have the same one, whatever their files look like and
    whether they are SQLite or PostgreSQL.
    """
    with db.engine.connect() as conn:
        return _contents(conn)


def _contents(conn) -> tuple[int, str]:
    digest, rows = hashlib.sha256(), 0
    for table in Base.metadata.sorted_tables:
        digest.update(table.name.encode())
        for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
            rows += 1
    return rows, digest.hexdigest()


def backup(db: Database, path: str | Path) -> Path:
    """Copy the live database to a new file, consistently, while others keep using it."""
    path = Path(path)
    if path.exists():
        raise InvalidInput("backup file", f"{path} already exists; choose a new name.")
    if not path.parent.is_dir():
        raise InvalidInput("backup file", f"the folder {path.parent} does not exist.")
    partial = path.with_name(path.name + ".partial")
    try:
        # A backup holds every student record: it is made 0600 before anything is written to it
        # (SQLite's copy and pg_dump both write into the file that is already there).
        private_empty_file(partial)
        if db.is_sqlite:
            _sqlite_copy(db, partial)
        elif db.engine.dialect.name == "postgresql":
            _pg("pg_dump", db, ["--format=custom", "--no-owner", "--no-acl", "--file", str(partial)])
        else:
            raise InvalidInput("database", f"backups support SQLite and PostgreSQL, not {db.engine.dialect.name}.")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def restore(db: Database, path: str | Path, *, force: bool = False) -> None:
    """Replace the database's contents with a backup, then upgrade its schema if it is older.

    Refuses on a database that holds a school or accounts unless `force` is given.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInput("backup file", f"{path} does not exist.")
    with path.open("rb") as f:
        magic = f.read(len(SQLITE_MAGIC))
    if not force and holds_data(db):
        raise InvalidInput("database", "it already holds data; restore with --force to replace all of it.")
    if db.is_sqlite:
        if not magic.startswith(SQLITE_MAGIC):
            raise InvalidInput("backup file", f"{path} is not an SQLite backup.")
        _sqlite_restore(db, path)
    elif db.engine.dialect.name == "postgresql":
        if magic.startswith(SQLITE_MAGIC):
            raise InvalidInput("backup file", f"{path} is an SQLite backup; to move it into PostgreSQL, run "
                                              f"python -m plpcore copy-db --db sqlite:///{path.resolve()} --to URL.")
        if not magic.startswith(PG_MAGIC):
            raise InvalidInput("backup file", f"{path} is not a PostgreSQL backup made by pg_dump -Fc.")
        db.engine.dispose()  # no pooled connection of ours in the way of the restore's DROPs
        _pg("pg_restore", db, ["--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction",
                               "--exit-on-error", str(path)])
    else:
        raise InvalidInput("database", f"restore supports SQLite and PostgreSQL, not {db.engine.dialect.name}.")
    init_schema(db)


def copy_database(source: Database, target: Database) -> tuple[tuple[int, str], tuple[int, str]]:
    """Copy every row of `source` into `target`, an empty database of any kind (a SQLite pilot
    into the district's PostgreSQL); the (rows, checksum) of what was read, and of the target after.

    The source is read in one transaction, so a pilot still in use gives a consistent copy; the
    target is written in one transaction, so a failed copy leaves it as empty as it was (with the
    schema, which the migrations create first). Ids are kept, and PostgreSQL's sequences are moved
    past them so that the next row added gets a new one.
    """
    if source.url == target.url:
        raise InvalidInput("--to", "is the database being copied; give an empty one.")
    init_schema(source)  # a pilot on an older release is upgraded first, as the app would
    init_schema(target)
    if holds_data(target):
        raise InvalidInput("--to", "already holds a school or accounts; copy only into an empty database.")
    with source.engine.connect() as reader, reader.begin(), target.engine.begin() as writer:
        for table in Base.metadata.sorted_tables:
            rows = reader.execution_options(yield_per=COPY_BATCH).execute(select(table)).mappings()
            for batch in rows.partitions():
                writer.execute(insert(table), [dict(row) for row in batch])
        if target.engine.dialect.name == "postgresql":
            for table in Base.metadata.sorted_tables:
                key = list(table.primary_key.columns)
                if len(key) == 1 and key[0].autoincrement in (True, "auto") and key[0].type.python_type is int:
                    after = select(func.coalesce(func.max(key[0]), 0) + 1).scalar_subquery()
                    writer.execute(select(func.setval(func.pg_get_serial_sequence(table.name, key[0].name),
                                                      after, False)))
        read = _contents(reader)  # in the same snapshot as the copy, whoever wrote to the pilot since
    if target.engine.dialect.name == "postgresql":
        target.analyze()
    return read, contents(target)


def _sqlite_copy(db: Database, target: Path) -> None:
    raw = db.engine.raw_connection()
    try:
        dest = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(dest)  # pyright: ignore[reportOptionalMemberAccess]  (it is open)
        finally:
            dest.close()
    finally:
        raw.close()


def _sqlite_restore(db: Database, source: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"alembic_version", School.__tablename__} <= tables:
            raise InvalidInput("backup file", f"{source} is not a PlanTable database.")
        raw = db.engine.raw_connection()
        try:
            src.backup(raw.driver_connection)  # pyright: ignore[reportArgumentType]  (it is open)
        finally:
            raw.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput("backup file", f"{source} cannot be read: {exc}.") from None
    finally:
        src.close()
    db.engine.dispose()


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if candidates:
        return str(candidates[-1])
    raise InvalidInput("backup", f"{name} is not installed (it comes with the PostgreSQL client tools).")


def _pg(tool: str, db: Database, args: list[str]) -> None:
    """Run pg_dump or pg_restore on our database; the password goes by environment, not argv."""
    url = make_url(db.url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run([_pg_tool(tool), "--dbname", conninfo, *args], env=env, capture_output=True, text=True,
                          timeout=PG_TIMEOUT_S, check=False)
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.strip().splitlines() if ln.strip()]
        raise InvalidInput(tool, lines[-1] if lines else f"failed with exit code {done.returncode}.")
