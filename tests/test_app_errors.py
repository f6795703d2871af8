"""No traceback ever reaches a person: an id no URL can mean reads as "not found", and an
unexpected error in a screen shows one calm sentence while the server log keeps the traceback."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from plpcore import queries
from tests.app_support import app, database_copy, page_text
from ui.feedback import NOT_FOUND
from ui.routes import SCREEN_LOG, SOMETHING_WENT_WRONG
from ui.words import parse_id

HUGE = "9" * 5000  # more digits than Python's int() accepts (4,300)


@pytest.fixture
def school(tmp_path, monkeypatch) -> SimpleNamespace:
    db, school = database_copy(tmp_path, monkeypatch)
    return SimpleNamespace(**vars(school), db=db)


def test_an_id_of_five_thousand_digits_is_no_id():
    assert parse_id(HUGE) is None


def test_an_id_with_leading_zeros_is_still_that_id():
    assert parse_id("0007") == 7


def test_an_id_of_ten_digits_is_still_read():
    assert parse_id("2147483647") == 2147483647


def test_a_plan_url_naming_a_student_by_five_thousand_digits_shows_not_found(school):
    at = app("plan", as_user="sam", query={"student": HUGE}).run()
    assert not at.exception
    assert NOT_FOUND in [e.value for e in at.error]


@pytest.fixture
def screen_log() -> list[logging.LogRecord]:
    """What the app writes to the server log about failed screens."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger(SCREEN_LOG)
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def broken_student_plan(*args, **kwargs):
    raise RuntimeError("the disk at /srv/plantable/secret is full")


def test_an_unexpected_error_in_a_screen_shows_only_that_something_went_wrong(school, monkeypatch, screen_log):
    monkeypatch.setattr(queries, "student_plan", broken_student_plan)
    at = app("plan", as_user="sam", query={"student": str(school.ana_student)}).run()
    assert not at.exception
    assert SOMETHING_WENT_WRONG in [e.value for e in at.error]
    shown = page_text(at)
    assert "RuntimeError" not in shown and "/srv/plantable" not in shown and "Traceback" not in shown


def test_an_unexpected_error_in_a_screen_leaves_its_traceback_in_the_server_log(school, monkeypatch, screen_log):
    monkeypatch.setattr(queries, "student_plan", broken_student_plan)
    app("plan", as_user="sam", query={"student": str(school.ana_student)}).run()
    (record,) = screen_log
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    assert "/srv/plantable/secret" in logging.Formatter().format(record)
