"""In a real browser: the specialist's compliance report, and a roster import from upload to re-import."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.driving import settle
from plpcore import queries
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_browser_between_meetings import user_id
from tests.browser.test_browser_meeting import sees
from tests.browser.test_browser_plan import signed_in_tab
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

SAMPLES = ROOT / "samples"


def test_the_specialist_exports_the_compliance_report_the_page_shows(demo, demo_server, browser):
    expected = queries.compliance(demo.db, user_id(demo, "specialist"))
    page = signed_in_tab(browser, demo, demo_server, "specialist")
    try:
        page.goto(f"{demo_server.base}/reports")
        settle(page)
        page.get_by_role("heading", name="Reports").wait_for()
        # The figure the page shows (waited for: under load the home page's own figures can still be up).
        page.get_by_test_id("stMetricValue").filter(
            has_text=f"{int(expected.compliant.sum())} of {len(expected)}").wait_for()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "reports-compliance.png"), full_page=True)
        with page.expect_download() as download:
            page.locator(".st-key-reports_download").get_by_role("button").click()
        report = pd.read_csv(download.value.path(), dtype={"local_id": str})
        assert set(report.local_id) == set(expected.local_id)
        assert int((~report.compliant).sum()) == int((~expected.compliant).sum())
    finally:
        page.context.close()


def upload(page, path, shows: str) -> None:
    """Upload a file and wait for the preview to say `shows`: the upload and the run it causes
    are not done when the page first goes idle, so waiting on idleness alone reads the page too early."""
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    sees(page, shows)


def test_a_bad_roster_imports_nothing_and_the_good_one_imports_once(demo, demo_server, browser):
    before = len(queries.caseload(demo.db, user_id(demo, "specialist")))
    page = signed_in_tab(browser, demo, demo_server, "specialist")
    try:
        page.goto(f"{demo_server.base}/import")
        settle(page)
        upload(page, SAMPLES / "roster-bad.csv", "nothing will be imported")
        assert page.locator(".st-key-import_commit").count() == 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "import-bad-roster.png"), full_page=True)
        assert len(queries.caseload(demo.db, user_id(demo, "specialist"))) == before

        upload(page, SAMPLES / "roster.csv", "All the rows are imported together")
        page.locator(".st-key-import_commit").get_by_role("button").click()
        page.get_by_text("Imported:").wait_for()
        settle(page)
        page.screenshot(path=str(ARTIFACTS / "import-roster-done.png"), full_page=True)
        added = len(queries.caseload(demo.db, user_id(demo, "specialist"))) - before
        assert added == sum(1 for _ in (SAMPLES / "roster.csv").open(encoding="utf-8")) - 1

        page.locator(".st-key-import_done").get_by_role("button").click()
        settle(page)
        upload(page, SAMPLES / "roster.csv", "already in PlanTable")
        assert page.locator(".st-key-import_commit").count() == 0
    finally:
        page.context.close()
