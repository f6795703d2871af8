"""The files PlanTable makes hold student records or the key that signs sign-ins: each is created
readable by its owner only (0600), by the app's own code paths, whatever the umask says."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from plpcore import backup
from plpcore.cli import main
from plpcore.db import Database, init_schema
from tests.conftest import make_school
from ui.session import kept_cookie_key

PRIVATE = 0o600


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most servers run with (022), which alone would make new files world-readable (0644)."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[tuple[Database, Path]]:
    """A database PlanTable makes itself, in a data folder it makes too, with one connection open
    (SQLite keeps its -wal and -shm files while a connection is open)."""
    path = tmp_path / "data" / "plantable.db"
    db = Database(f"sqlite:///{path}")
    init_schema(db)
    with db.engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM school"))
        yield db, path
    db.dispose()


def test_a_fresh_database_file_is_readable_by_its_owner_only(fresh_database):
    _, path = fresh_database
    assert mode(path) == PRIVATE


def test_the_fresh_databases_wal_file_is_readable_by_its_owner_only(fresh_database):
    _, path = fresh_database
    assert mode(path.with_name(path.name + "-wal")) == PRIVATE


def test_the_fresh_databases_shm_file_is_readable_by_its_owner_only(fresh_database):
    _, path = fresh_database
    assert mode(path.with_name(path.name + "-shm")) == PRIVATE


def test_the_data_folder_plantable_makes_is_open_to_its_owner_only(fresh_database):
    _, path = fresh_database
    assert mode(path.parent) == 0o700


def test_a_backup_is_readable_by_its_owner_only(db, tmp_path):
    made = backup.backup(db, tmp_path / "plantable.backup")
    assert made.read_bytes()[:5] in (backup.SQLITE_MAGIC[:5], backup.PG_MAGIC)  # a real backup was written
    assert mode(made) == PRIVATE


def test_the_generated_secrets_file_is_readable_by_its_owner_only(tmp_path):
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    key = kept_cookie_key(str(secrets))
    assert key in secrets.read_text(encoding="utf-8")
    assert mode(secrets) == PRIVATE


@pytest.mark.parametrize("name", ["ana.json", "ana.pdf"])
def test_a_student_record_exported_to_a_file_is_readable_by_its_owner_only(sqlite_db, tmp_path, name):
    make_school(sqlite_db)
    out = tmp_path / name
    out.write_text("an older file, world-readable")  # an existing file is emptied, and made private too
    out.chmod(0o644)

    code = main(["export-student", "1001", "--as", "sam", "--out", str(out), "--db", sqlite_db.url])

    assert code == 0
    assert out.read_bytes()[:1] in (b"{", b"%")  # the record was written
    assert mode(out) == PRIVATE
