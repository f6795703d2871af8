"""The browser tier: `streamlit run` on a free loopback port over a demo database, driven by
Debian's Chromium through Playwright for Python.

Locally a missing Chromium skips these tests with the reason; with CI=true it fails.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from plpcore.db import Database, init_schema
from tests.conftest import ROOT, unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COOKIE_KEY = "browser-tier-cookie-key-0123456789-abcdefghij"
ARTIFACTS = ROOT / "test-artifacts"  # git-ignored: screenshots to look at
LAPTOP = {"width": 1366, "height": 900}


@dataclasses.dataclass
class Demo:
    url: str
    school: object  # plpcore.demo.DemoSchool
    db: Database


@dataclasses.dataclass
class Server:
    """One `streamlit run` process; its log is kept next to the database."""

    base: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_url: str, log: Path) -> Server:
    port = _free_port()
    env = dict(os.environ, PLP_DATABASE_URL=db_url, PLP_COOKIE_KEY=COOKIE_KEY)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{server.base}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    pytest.fail(f"streamlit did not become healthy:\n{log.read_text()}")


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
