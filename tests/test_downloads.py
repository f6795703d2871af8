"""Downloads of student data go through ui/downloads.py, which serves a click's file to that click only
(the browser tier, tests/browser/test_browser_downloads.py, checks it against a real Streamlit)."""

from __future__ import annotations

import pytest

from tests.app_support import ROOT
from ui import downloads

APP_CODE = sorted([*(ROOT / "ui").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "streamlit_app.py"])


@pytest.mark.parametrize("module", APP_CODE, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_screen_offers_a_download_except_through_ui_downloads(module):
    if module == ROOT / "ui" / "downloads.py":
        return
    assert ".download_button(" not in module.read_text(encoding="utf-8")


def test_a_clicks_file_is_served_to_the_buttons_two_requests_and_then_gone():
    lives = downloads._Lives()
    lives.add("file")
    assert [lives.serve("file") for _ in range(3)] == [(True, False), (True, True), (True, False)]
    assert "file" not in lives.serves  # the third request finds no file in Streamlit's storage: a 404


def test_a_clicks_file_nobody_fetched_is_refused_once_its_life_is_over(monkeypatch):
    lives = downloads._Lives()
    now = 1000.0
    monkeypatch.setattr(downloads.time, "monotonic", lambda: now)
    lives.add("file")
    now += downloads.LIFE_S + 1
    assert lives.serve("file") == (False, True)


def test_a_second_click_on_the_same_file_gives_it_two_more_requests():
    lives = downloads._Lives()
    lives.add("file")
    lives.add("file")
    assert [lives.serve("file")[1] for _ in range(4)] == [False, False, False, True]


def test_a_file_no_click_made_is_served_as_streamlit_serves_it():
    assert downloads._Lives().serve("an image") == (True, False)
