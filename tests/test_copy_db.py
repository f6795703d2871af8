"""From pilot to district: `python -m plpcore copy-db --to URL` copies a SQLite pilot into an empty
PostgreSQL database and prints the content checksums of both (issue 19, item 7)."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from plpcore import accounts, demo
from plpcore.backup import contents
from plpcore.cli import main
from plpcore.db import Database
from plpcore.models import Base, User

pytestmark = pytest.mark.postgres

COPY_DB = "plantable_test_copy"


@pytest.fixture(scope="module")
def pilot(sqlite_template, tmp_path_factory) -> Path:
    """The demo school in a SQLite file, as a school's pilot would hold it."""
    path = tmp_path_factory.mktemp("pilot") / "plantable.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    demo.build_school(db, students=86, today=dt.date(2026, 11, 16))
    db.dispose()
    return path


@pytest.fixture
def empty_postgres(postgres_server_url) -> Iterator[str]:
    """A PostgreSQL database with nothing in it, not even the schema: what a district's IT hands over."""
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {COPY_DB} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {COPY_DB}"))
    yield postgres_server_url.rsplit("/", 1)[0] + f"/{COPY_DB}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {COPY_DB} WITH (FORCE)"))
    admin.dispose()


def copy_db(capsys, source: Path, target: str) -> tuple[int, str, str]:
    code = main(["copy-db", "--db", f"sqlite:///{source}", "--to", target])
    out, err = capsys.readouterr()
    return code, out, err


def row_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in Base.metadata.sorted_tables}


def test_the_demo_school_copied_into_postgresql_prints_the_same_checksum_for_both(pilot, empty_postgres, capsys):
    code, out, err = copy_db(capsys, pilot, empty_postgres)

    assert code == 0, err
    source, target = (line.split(":", 1)[1].strip() for line in out.splitlines())
    assert source == target
    assert f"checksum {contents(Database(f'sqlite:///{pilot}'))[1]}" in source


def test_every_table_of_the_copy_holds_as_many_rows_as_the_pilot(pilot, empty_postgres, capsys):
    copy_db(capsys, pilot, empty_postgres)

    copied = Database(empty_postgres)
    assert copied.engine.dialect.name == "postgresql"
    assert row_counts(copied) == row_counts(Database(f"sqlite:///{pilot}"))
    assert row_counts(copied)["student"] == 86


def test_an_account_added_to_the_copy_gets_an_id_of_its_own(pilot, empty_postgres, capsys):
    copy_db(capsys, pilot, empty_postgres)
    copied = Database(empty_postgres)
    with copied.read() as s:
        highest = s.execute(select(func.max(User.id))).scalar_one()

    added = accounts.create_user(copied, None, username="new.teacher", display_name="Tess Newcomb",
                                 password="a-long-first-password", kind="teacher")

    assert added > highest


def test_a_copy_into_a_database_that_holds_a_school_is_refused_and_changes_nothing(pilot, empty_postgres, capsys):
    copy_db(capsys, pilot, empty_postgres)
    before = contents(Database(empty_postgres))

    code, out, err = copy_db(capsys, pilot, empty_postgres)

    assert code == 1
    assert err.startswith("error: --to: already holds a school or accounts")
    assert contents(Database(empty_postgres)) == before


def test_a_copy_that_fails_part_way_leaves_the_target_without_a_row(pilot, empty_postgres, capsys, tmp_path):
    """SQLite keeps a username longer than its column allows, and PostgreSQL refuses it once the
    school is already copied: nothing copied before it stays behind."""
    broken = tmp_path / "broken.db"
    shutil.copy(pilot, broken)
    with sqlite3.connect(broken) as conn:
        conn.execute("UPDATE app_user SET username = ? WHERE id = (SELECT max(id) FROM app_user)", ("x" * 300,))

    code, out, err = copy_db(capsys, broken, empty_postgres)

    assert code == 1
    assert err.startswith("error: database:") and len(err.strip().splitlines()) == 1
    assert set(row_counts(Database(empty_postgres)).values()) == {0}


def test_restoring_a_sqlite_backup_onto_postgresql_points_to_copy_db(pilot, empty_postgres, capsys):
    code = main(["restore", "--db", empty_postgres, str(pilot)])

    assert code == 1
    assert "python -m plpcore copy-db --db sqlite:///" in capsys.readouterr().err
