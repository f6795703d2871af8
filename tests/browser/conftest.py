"""The browser tier: `streamlit run` on a free loopback port over a demo database, driven by
Debian's Chromium through Playwright for Python.

Locally a missing Chromium skips these tests with the reason; with CI=true it fails.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.servers import Server, start_server
from plpcore.db import Database, init_schema
from tests.conftest import ROOT, unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"  # git-ignored: screenshots to look at
LAPTOP = {"width": 1366, "height": 900}


@dataclasses.dataclass
class Demo:
    url: str
    school: object  # plpcore.demo.DemoSchool
    db: Database


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    """The demo school (86 students), built once, the way `python -m plpcore demo` builds it."""
    demo_module = pytest.importorskip("plpcore.demo")
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    db = Database(url)
    init_schema(db)
    return Demo(url, demo_module.build_school(db, students=86), db)


@pytest.fixture(scope="session")
def demo_server(demo, tmp_path_factory) -> Iterator[Server]:
    server = start_server(demo.url, tmp_path_factory.mktemp("server") / "streamlit.log")
    yield server
    server.stop()


@pytest.fixture
def fresh_server(demo, tmp_path) -> Iterator[Server]:
    """A server process that has served nobody yet (Streamlit's first request is special)."""
    server = start_server(demo.url, tmp_path / "streamlit.log")
    yield server
    server.stop()


def copy_of_demo(demo, path: Path) -> str:
    """A private copy of the demo school's database, for a test that writes; its URL."""
    source, target = sqlite3.connect(demo.url.removeprefix("sqlite:///")), sqlite3.connect(path)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{path}"


@pytest.fixture
def private_demo(demo, tmp_path) -> Iterator[tuple[Server, Database]]:
    """A private copy of the demo school and a server over it, for a test that writes (a meeting,
    a signature): the shared demo stays as built."""
    url = copy_of_demo(demo, tmp_path / "private-demo.db")
    server = start_server(url, tmp_path / "streamlit.log")
    db = Database(url)
    yield server, db
    server.stop()
    db.dispose()


@pytest.fixture
def mailing_demo(demo, tmp_path, inbox) -> Iterator[tuple[Server, Database]]:
    """private_demo, with the server's e-mail set up to the loopback SMTP server (`inbox`): the
    test runs the sender (outbox.send) itself, when it wants the mail delivered."""
    url = copy_of_demo(demo, tmp_path / "private-demo.db")
    server = start_server(url, tmp_path / "streamlit.log", env={"PLP_SMTP_URL": inbox.url})
    db = Database(url)
    yield server, db
    server.stop()
    db.dispose()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM} (apt install chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser, request, tmp_path):
    """A new browser profile (no cookies) per test; a screenshot in the test's temp dir if it fails."""
    context = browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        tab.screenshot(path=str(tmp_path / "failure.png"))
        print(f"screenshot of the failure: {tmp_path / 'failure.png'}")
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
