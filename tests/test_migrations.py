"""The Alembic migrations build exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from plpcore import queries
from plpcore.db import Database, alembic_config, init_schema
from plpcore.models import Base

EMPTY_PG = f"plantable_migrations_{os.getpid()}"  # runs may overlap


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request, tmp_path) -> Iterator[Database]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield db
        db.dispose()
        return
    url = make_url(request.getfixturevalue("postgres_server_url"))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {EMPTY_PG} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {EMPTY_PG}"))
    db = Database(url.set(database=EMPTY_PG).render_as_string(hide_password=False))
    yield db
    db.dispose()
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {EMPTY_PG} WITH (FORCE)"))
    admin.dispose()


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_migrating_an_empty_database_creates_exactly_the_models_tables(empty_db):
    assert inspect(empty_db.engine).get_table_names() == []
    init_schema(empty_db)
    assert set(inspect(empty_db.engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}
    with empty_db.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head()


# SQLAlchemy cannot reflect SQLite's expression index on lower(username); the next test
# checks that index by its effect instead.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_the_migrations_and_the_models_do_not_differ(db):
    """`alembic check`: autogenerate finds nothing to add, drop or alter."""
    with db.engine.connect() as conn:
        command.check(alembic_config(conn))


def test_the_migrated_schema_keeps_usernames_unique_whatever_their_case(db, school):
    insert = text("INSERT INTO app_user (school_id, username, display_name, password_hash, kind, active, is_admin,"
                  " must_change_password, failed_logins, created_at) VALUES (1, :name, 'X', 'x', 'teacher',"
                  " true, false, true, 0, CURRENT_TIMESTAMP)")
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(insert, {"name": "SAM"})
    with db.engine.begin() as conn:
        conn.execute(insert, {"name": "sam2"})


def test_every_model_column_exists_with_its_nullability(db):
    found = inspect(db.engine)
    for table in Base.metadata.sorted_tables:
        columns = {c["name"]: c["nullable"] for c in found.get_columns(table.name)}
        assert columns == {c.name: c.nullable for c in table.columns}, table.name


def test_running_the_schema_upgrade_again_is_harmless_and_keeps_the_data(db, school):
    before = queries.student_plan(db, school.sam, school.ana_plan)
    init_schema(db)
    init_schema(db)
    assert queries.student_plan(db, school.sam, school.ana_plan) == before
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1
