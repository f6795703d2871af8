"""The whole-record export is a versioned exchange format: plpcore/record-format.schema.json says
what format_version 1 is (docs/record-format.md), and every record the demo school exports is it,
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from sqlalchemy import select

import plpcore
from plpcore import demo, export
from plpcore.models import Student
from tests.conftest import make_school

SCHEMA_PATH = Path(plpcore.__file__).parent / "record-format.schema.json"
TODAY = dt.date(2026, 11, 16)  # well into the demo's school year, as the other demo tests build it


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def record(sqlite_db) -> dict:
    """A record that is format version 1: Ana's, in the small school, as her specialist exports it."""
    school = make_school(sqlite_db)
    return json.loads(export.student_record_json(sqlite_db, school.sam, school.ana_student))


def problems(schema: dict, record: dict) -> list[str]:
    """Every way the record breaks the schema, as "JSON path: message"."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return sorted(f"{e.json_path}: {e.message}" for error in validator.iter_errors(record) for e in causes(error))


def causes(error: ValidationError) -> Iterator[ValidationError]:
    """The innermost errors: for a part that may be null (a meeting's record), what is wrong inside
    it, not "is not valid under any of the given schemas" (nor "is not of type 'null'")."""
    if not error.context:
        yield error
        return
    inside = [e for e in error.context if not (e.validator == "type" and e.validator_value == "null")]
    for e in inside or error.context:
        yield from causes(e)


def test_every_record_the_demo_school_exports_is_format_version_1(db, schema):
    school = demo.build_school(db, students=86, today=TODAY)
    with db.read() as s:
        students = s.execute(select(Student.id, Student.local_id).order_by(Student.id)).all()
    assert len(students) == 86

    found: list[str] = []
    signed = 0
    for student_id, local_id in students:
        record = json.loads(export.student_record_json(db, school.specialist_id, student_id))
        signed += sum(m["record"] is not None for m in record["meetings"])
        found += [f"student {local_id}: {problem}" for problem in problems(schema, record)]

    assert signed > 50  # the records checked include finalized meetings with their signed records
    assert found == []


@pytest.mark.parametrize(("path", "field"), [((), "exported_at"), (("plans", 0, "goals", 0), "statement")],
                         ids=["top level", "in a plan's goal"])
def test_a_record_missing_a_required_field_fails_naming_the_field(schema, record, path, field):
    part = record
    for key in path:
        part = part[key]
    del part[field]

    where = "$" + "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path)
    assert problems(schema, record) == [f"{where}: '{field}' is a required property"]


def test_a_record_of_format_version_2_fails(schema, record):
    record["format_version"] = 2

    assert problems(schema, record) == ["$.format_version: 1 was expected"]


def test_a_record_with_an_unknown_top_level_field_fails(schema, record):
    record["exported_for"] = "another district"

    assert problems(schema, record) == ["$: Additional properties are not allowed ('exported_for' was unexpected)"]


def test_the_schema_is_a_valid_draft_2020_12_schema(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
