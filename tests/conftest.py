"""Test databases: a fresh SQLite file per test, and the same tests on a real PostgreSQL.

The `db` fixture runs each test twice, on SQLite and on PostgreSQL. PostgreSQL is the
machine's own server (started here if it is installed but not running) or the one
named by PLP_TEST_POSTGRES_URL. Locally a missing PostgreSQL skips with the reason;
with CI=true it fails, because CI must test both.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

os.environ.setdefault("PLP_BCRYPT_ROUNDS", "4")  # fast hashes in tests; the code path is the same

from sqlalchemy import create_engine, text

from plpcore.db import Database, init_schema
from plpcore.models import Base

ROOT = Path(__file__).resolve().parent.parent
# The Big List of Naughty Strings (MIT, see its LICENSE), a copy of ../shared/data's so a
# clone on its own runs the tests.
BLNS = ROOT / "tests" / "data" / "naughty-strings" / "blns.json"
# What Streamlit's markdown makes into something else, typed as text: Material icons (both
# spellings), an emoji, Streamlit's logo, colours, a badge, and the arrows and signs of its
# typography. Typed into any field, each must read back as typed.
SHORTCODES = [":material/warning:", ":material_home:", ":smile:", ":+1:", ":streamlit:", ":red[coloured]",
              ":blue-background[x]", ":orange-badge[late]", "a -> b <- c <-> d -- e >= f <= g ~= h"]
IN_CI = os.environ.get("CI", "").lower() == "true"
pytest_plugins = ["tests.mail_support"]  # the `inbox` fixture: a real SMTP server on loopback

PG_TEST_DB = f"plantable_test_{os.getpid()}"  # one per pytest run: runs may overlap


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs a real PostgreSQL server")
    config.addinivalue_line("markers", "browser: drives a real Chromium against `streamlit run`")


def unavailable(reason: str):
    """Skip locally; fail in CI, where every tier must run."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


# --- SQLite -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One database migrated to head; each test gets a copy (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    init_schema(db)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture
def sqlite_db(sqlite_template, tmp_path) -> Iterator[Database]:
    path = tmp_path / "plantable.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


# --- PostgreSQL -------------------------------------------------------------------------------


def _start_local_postgres() -> str | None:
    """Start the machine's PostgreSQL cluster if needed; return a URL to a test database."""
    if not shutil.which("pg_ctlcluster") or os.geteuid() != 0:
        return None
    clusters = sorted(Path("/etc/postgresql").glob("*/main")) if Path("/etc/postgresql").is_dir() else []
    if not clusters:
        return None
    version = clusters[-1].parent.name
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                   capture_output=True, text=True)
    sql = (
        "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='plantable') THEN "
        "CREATE ROLE plantable LOGIN PASSWORD 'plantable' CREATEDB; END IF; END$$;"
    )
    # Two test workers may both find the role missing and create it at once; the loser's error
    # is harmless when the role is there afterwards.
    subprocess.run(["su", "postgres", "-c", "psql -qAt"], input=sql, capture_output=True, text=True)
    there = subprocess.run(["su", "postgres", "-c", "psql -qAt"], capture_output=True, text=True,
                           input="SELECT 1 FROM pg_roles WHERE rolname='plantable';")
    if there.stdout.strip() != "1":
        return None
    return "postgresql+psycopg://plantable:plantable@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    url = os.environ.get("PLP_TEST_POSTGRES_URL") or _start_local_postgres()
    if not url:
        unavailable("no PostgreSQL server (install postgresql, or set PLP_TEST_POSTGRES_URL)")
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {PG_TEST_DB} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {PG_TEST_DB}"))
        engine.dispose()
    except Exception as exc:  # the server is not there or refuses us
        unavailable(f"PostgreSQL at {url} is not reachable: {exc}")
    yield url.rsplit("/", 1)[0] + f"/{PG_TEST_DB}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_TEST_DB} WITH (FORCE)"))
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_migrated(postgres_server_url) -> str:
    db = Database(postgres_server_url)
    init_schema(db)
    db.dispose()
    return postgres_server_url


@pytest.fixture
def postgres_db(postgres_migrated) -> Iterator[Database]:
    db = Database(postgres_migrated)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request) -> Database:
    """The same test on both databases."""
    return request.getfixturevalue(f"{request.param}_db")


# --- a small school -------------------------------------------------------------------------


@pytest.fixture
def school(db) -> SimpleNamespace:
    return make_school(db)


def make_school(db: Database) -> SimpleNamespace:
    """Two students with separate teams, so every test can try to cross from one to the other.

    Ana (with a sign-in) has specialist Sam, teacher Tia, guardian Gus; Ben has
    specialist Pat, teacher Tom, guardian Gia. Ada is an admin of the school.
    """
    from plpcore import accounts, services

    pw = "correct horse"
    sam = accounts.set_up_school(
        db, school_name="Lincoln Elementary", year_name="2026-27", starts_on="2026-08-20",
        ends_on="2027-06-04", username="sam", display_name="Sam Specialist", password=pw,
    )
    with db.write() as s:  # Sam is the first account, so also an admin; make him just a specialist
        from plpcore.models import User

        s.get(User, sam).is_admin = False

    def user(name: str, kind: str, **kw) -> int:
        return accounts.create_user(db, None, username=name, display_name=name.title(), password=pw, kind=kind, **kw)

    ns = SimpleNamespace(password=pw, sam=sam)
    ns.ada = user("ada", "admin")
    ns.pat, ns.tia, ns.tom = user("pat", "specialist"), user("tia", "teacher"), user("tom", "teacher")
    ns.gus, ns.gia = user("gus", "guardian"), user("gia", "guardian")
    ns.ana_student = services.create_student(db, sam, local_id="1001", first_name="Ana", last_name="Lopez", grade=5,
                                             gifted_areas=["math"])
    ns.ben_student = services.create_student(db, ns.pat, local_id="1002", first_name="Ben", last_name="Okafor", grade=7,
                                             gifted_areas=["reading"])
    services.link_user(db, sam, ns.ana_student, ns.tia, "teacher", "Math 5")
    services.link_user(db, sam, ns.ana_student, ns.gus, "guardian")
    services.link_user(db, ns.pat, ns.ben_student, ns.tom, "teacher", "ELA 7")
    services.link_user(db, ns.pat, ns.ben_student, ns.gia, "guardian")
    ns.ana = accounts.give_student_login(db, sam, ns.ana_student, "ana", pw)
    ns.ben = accounts.give_student_login(db, ns.pat, ns.ben_student, "ben", pw)
    ns.ana_plan = services.create_plan(db, sam, ns.ana_student, "ALP")
    ns.ben_plan = services.create_plan(db, ns.pat, ns.ben_student, "ALP")
    ns.ana_goal = services.add_goal(db, sam, ns.ana_plan, kind="achievement", statement="Ana: finish the 6th-grade math unit")
    ns.ben_goal = services.add_goal(db, ns.pat, ns.ben_plan, kind="achievement", statement="Ben: read two novels a month")
    return ns


# --- reading documents back -----------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text of a PDF, as pypdf reads it back out."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- counting SQL ------------------------------------------------------------------------------


