"""Where the database is, how to connect to it safely, and one transaction per unit of work."""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from plpcore.checks import as_id
from plpcore.errors import NotAllowed
from plpcore.models import AuditEvent, User

PENDING_VIEWS = "plp_pending_views"  # session.info key: view events to write after a read

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = ROOT / "data" / "plantable.db"
SQLITE_BUSY_TIMEOUT_MS = 15_000


def setting(env: str, *path: str, root: Path = ROOT) -> str:
    """A deployment setting: the environment variable `env`, else `path` in .streamlit/secrets.toml, else ""."""
    value = os.environ.get(env, "").strip()
    if value:
        return value
    secrets = root / ".streamlit" / "secrets.toml"
    if not secrets.is_file():
        return ""
    with secrets.open("rb") as f:
        found: object = tomllib.load(f)
    for key in path:
        found = found.get(key, "") if isinstance(found, dict) else ""
    return str(found).strip()


def database_url(root: Path = ROOT) -> str:
    """PLP_DATABASE_URL, else `database_url` in .streamlit/secrets.toml, else the SQLite file."""
    return setting("PLP_DATABASE_URL", "database_url", root=root) or f"sqlite:///{DEFAULT_SQLITE}"


def normalize_url(url: str) -> str:
    """Plain postgresql:// URLs use psycopg 3, the driver we install and test."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def private_file(path: Path) -> None:
    """Make sure `path` exists, readable by its owner only (0600), in a folder made 0700 if we make it.

    Student records live in the SQLite file. SQLite gives its -wal and -shm files the database
    file's own mode, so creating the file 0600 before SQLite opens it keeps all three private,
    whatever the umask. A file that is already there keeps the mode its owner gave it.
    """
    if not path.parent.is_dir():
        path.parent.parent.mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def private_empty_file(path: Path) -> None:
    """Create `path` empty, or empty it, readable by its owner only (0600) whatever mode it had:
    for a file about to receive student records (a backup, an export), written into it afterwards."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # a file already there, or left by an interrupted run, had its own mode
    finally:
        os.close(fd)


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)

    if parsed.database and parsed.database != ":memory:":
        private_file(Path(parsed.database))
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=10,
        max_overflow=20,
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself (the pysqlite driver would
        # otherwise start transactions lazily and never as IMMEDIATE).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):
        # A write transaction takes the write lock up front: a deferred one that reads
        # first and writes later can fail at once with "database is locked" instead of
        # waiting out the busy timeout.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """An engine and its sessions. Pages keep one per URL; sessions live for one action."""

    def __init__(self, url: str | None = None):
        self.url = normalize_url(url or database_url())
        self.engine = make_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(writer, expire_on_commit=False)

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._unit(self._write) as session:
            yield session

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read transaction; it still commits, because staff views are audited."""
        with self._unit(self._read) as session:
            yield session

    @contextlib.contextmanager
    def _unit(self, factory: sessionmaker) -> Iterator[Session]:
        session = factory()
        try:
            yield session
            session.commit()
            views = session.info.pop(PENDING_VIEWS, None)
            if views:
                with self._write() as audit_session, audit_session.begin():
                    audit_session.execute(insert(AuditEvent), views)
        except NotAllowed as denial:
            session.rollback()
            self._audit_denial(denial)
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _audit_denial(self, denial: NotAllowed) -> None:
        """A denial is recorded in its own transaction: the refused one was rolled back."""
        if denial.audit is None:
            return
        row = dict(denial.audit)
        with self._write() as session, session.begin():
            actor_id = row["actor_id"]
            if actor_id is not None and (as_id(actor_id) is None or session.get(User, as_id(actor_id)) is None):
                # A guessed user id cannot be the row's actor (a foreign key): keep it as text.
                row["actor_id"], row["new"] = None, f"unknown user id {actor_id!r}"[:200]
            session.execute(insert(AuditEvent), [row])

    def analyze(self) -> None:
        """Refresh the planner's statistics after a bulk load (demo school, roster import).

        Without it PostgreSQL keeps planning for the tables' old sizes until autovacuum
        catches up, and may pick nested scans that take minutes on a 2,000-student caseload.
        """
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")

    def dispose(self) -> None:
        self.engine.dispose()


def init_schema(db: Database) -> None:
    """Create the schema, or upgrade an older one, with the Alembic migrations."""
    from alembic import command

    with db.engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")


def alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg
