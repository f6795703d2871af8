"""The Alembic migrations build exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, Table, create_engine, inspect, select, text
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


def first_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_base()


# Rows as the FIRST migration's tables take them (plain SQL, so this stays true when later
# migrations change the models): a school, an account, a year, a student.
FIRST_ROWS = [
    "INSERT INTO school (id, name, demo, created_at) VALUES (1, 'Lincoln Elementary', false, '2026-08-01 08:00:00')",
    "INSERT INTO app_user (id, school_id, username, display_name, email, password_hash, kind, active, is_admin,"
    " must_change_password, failed_logins, created_at) VALUES (1, 1, 'dana', 'Dana Whitfield', 'd@example.org',"
    " 'x', 'specialist', true, false, false, 0, '2026-08-01 08:00:00')",
    "INSERT INTO school_year (id, school_id, name, starts_on, ends_on, is_current)"
    " VALUES (1, 1, '2026-27', '2026-08-20', '2027-06-01', true)",
    "INSERT INTO student (id, school_id, local_id, first_name, last_name, preferred_name, grade, gifted_areas, active,"
    " user_id, version) VALUES (1, 1, '240001', 'Zoë', 'O''Brien', NULL, 5, 'math', true, NULL, 1)",
]


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_a_database_filled_at_the_first_migration_keeps_every_row_when_upgraded_to_head(empty_db):
    with empty_db.engine.begin() as conn:
        command.upgrade(alembic_config(conn), first_revision())
        for statement in FIRST_ROWS:
            conn.execute(text(statement))
    def rows(conn, name: str) -> list[dict]:
        table = Table(name, MetaData(), autoload_with=conn)
        return [dict(r) for r in conn.execute(select(table).order_by(table.c.id)).mappings()]

    with empty_db.engine.connect() as conn:
        before = {t: rows(conn, t) for t in ("school", "app_user", "school_year", "student")}

    init_schema(empty_db)  # what `python -m plpcore init` and the app's start do

    with empty_db.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head()
        for table, old in before.items():
            assert [{k: row[k] for k in old[0]} for row in rows(conn, table)] == old, table
