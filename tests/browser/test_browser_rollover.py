"""In a real browser: the specialist starts next school year for the whole caseload from a preview,
and last year's plan, once the new year is current, opens read-only from the plan page's year picker."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bench.driving import settle
from bench.servers import Server, start_server
from plpcore import accounts, queries, rollover
from plpcore.db import Database
from plpcore.models import Plan, SchoolYear
from tests.browser.accessibility import blocking, press, sideways_overflow, tab_to, violations
from tests.browser.conftest import ARTIFACTS, copy_of_demo
from tests.browser.test_browser_between_meetings import user_id
from tests.browser.test_browser_meeting import sees
from tests.browser.test_browser_plan import signed_in_tab

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def add_next_year(db: Database, admin_id: int) -> tuple[int, str]:
    """The admin adds the school year after the demo's current one (the demo is built for today)."""
    with db.read() as s:
        current = s.scalars(select(SchoolYear).where(SchoolYear.is_current.is_(True))).one()
        starts = current.ends_on + dt.timedelta(days=70)
    name = f"{starts.year}-{(starts.year + 1) % 100:02d}"
    return accounts.add_school_year(db, admin_id, name, starts, starts.replace(year=starts.year + 1) - dt.timedelta(days=75)), name


def plans_in(db: Database, year_id: int) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(Plan.id)).where(Plan.school_year_id == year_id))


def test_the_specialist_starts_next_year_for_the_whole_caseload_and_a_second_start_makes_none(demo, private_demo,
                                                                                              browser):
    server, db = private_demo
    year_id, name = add_next_year(db, user_id(demo, "admin"))
    students = len(queries.caseload(db, user_id(demo, "specialist")))
    page = signed_in_tab(browser, demo, server, "specialist")
    try:
        page.goto(f"{server.base}/admin")
        settle(page)
        page.get_by_role("tab", name="School years").click()
        settle(page)  # the tab's run draws its forms
        # By keyboard alone: Tab to the year picker, type the year, Enter; then Tab to the button.
        tab_to(page, page.get_by_role("combobox", name="Start which year"))
        page.keyboard.type(name)
        page.keyboard.press("Enter")
        rows = rollover.preview(db, user_id(demo, "specialist"), year_id)
        plans = sum(bool(row["plan"]) for row in rows)
        sees(page, f"{plans} students get a draft plan for {name}; 0 already have one; {students - plans} with no")
        assert not blocking(violations(page))
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "admin-rollover-preview.png"), full_page=True)

        press(page, page.get_by_role("button", name=f"Start {name} for {plans} students"))
        sees(page, f"Made {plans} draft plans for {name}.")
        sees(page, f"0 students get a draft plan for {name}; {plans} already have one;")
        assert not blocking(violations(page))
        page.screenshot(path=str(ARTIFACTS / "admin-rollover-done.png"), full_page=True)

        assert (len(rows), students) == (86, 86)  # everyone on the caseload is in the preview
        assert plans_in(db, year_id) == plans
        assert page.get_by_role("button", name=f"Start {name} for 0 students").is_disabled()
        assert rollover.start_year(db, user_id(demo, "specialist"), year_id) == 0
        assert plans_in(db, year_id) == plans
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def next_year_current(demo, tmp_path_factory) -> Iterator[tuple[Server, Database, str]]:
    """A private demo school whose next year was started and made current: last year's plans are archived."""
    folder = tmp_path_factory.mktemp("rolled-over")
    url = copy_of_demo(demo, folder / "demo.db")
    db = Database(url)
    year_id, name = add_next_year(db, user_id(demo, "admin"))
    rollover.start_year(db, user_id(demo, "specialist"), year_id)
    with db.read() as s:
        last_year = s.scalar(select(SchoolYear.name).where(SchoolYear.is_current.is_(True)))
    accounts.set_current_year(db, user_id(demo, "admin"), year_id)
    server = start_server(url, folder / "streamlit.log")
    yield server, db, last_year
    server.stop()
    db.dispose()


def continuing_plan(db: Database, specialist_id: int) -> tuple[int, str]:
    """A new plan with a goal continued from last year that has last year's progress; its id and the goal."""
    with db.read() as s:
        plan_ids = s.scalars(select(Plan.id).join(SchoolYear, SchoolYear.id == Plan.school_year_id)
                             .where(SchoolYear.is_current.is_(True)).order_by(Plan.id)).all()
    for plan_id in plan_ids:
        for goal in queries.student_plan(db, specialist_id, plan_id)["goals"]:
            if goal["carried_from"] and goal["progress"]:
                return plan_id, goal["statement"]
    raise AssertionError("no continued goal with progress in the demo")


@dataclasses.dataclass
class OnNewPlan:
    page: object  # the specialist's tab, on the Goals of a new draft with a continued goal
    base: str
    plan_id: int
    statement: str  # the continued goal's
    last_year: str


@pytest.fixture
def on_new_plan(demo, next_year_current, browser) -> Iterator[OnNewPlan]:
    server, db, last_year = next_year_current
    plan_id, statement = continuing_plan(db, user_id(demo, "specialist"))
    page = signed_in_tab(browser, demo, server, "specialist")
    page.goto(f"{server.base}/plan?plan={plan_id}&tab=Goals")
    yield OnNewPlan(page, server.base, plan_id, statement, last_year)
    page.context.close()


def test_a_new_draft_shows_last_years_unmet_goal_continued_with_last_years_progress(on_new_plan):
    page = on_new_plan.page
    sees(page, f"continued from {on_new_plan.last_year}")
    assert page.get_by_text(on_new_plan.statement, exact=True).first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "plan-continued-goal.png"), full_page=True)
    page.goto(f"{on_new_plan.base}/plan?plan={on_new_plan.plan_id}&tab=Progress")
    page.get_by_role("heading", name="All entries").wait_for()  # last year's entries, on this year's goal
    assert page.get_by_text("No progress recorded yet.").count() == 0
    page.screenshot(path=str(ARTIFACTS / "plan-continued-progress.png"), full_page=True)


def test_last_years_plan_opens_read_only_from_the_year_picker(on_new_plan):
    page, last_year = on_new_plan.page, on_new_plan.last_year
    page.get_by_role("button", name="Revise wording").first.wait_for()  # this year's draft: editable
    settle(page)
    page.get_by_test_id("stSelectbox").filter(has_text="School year").click()
    page.get_by_role("option", name=f"{last_year} ", exact=False).click()
    sees(page, f"This is the plan of {last_year}, kept as it was")
    assert page.get_by_role("button", name="Revise wording").count() == 0
    assert page.get_by_role("button", name="Add goal").count() == 0
    assert not blocking(violations(page))
    page.screenshot(path=str(ARTIFACTS / "plan-last-year-kept.png"), full_page=True)
    page.set_viewport_size(PHONE)
    settle(page)
    assert sideways_overflow(page) == 0
    page.screenshot(path=str(ARTIFACTS / "plan-last-year-kept-phone.png"), full_page=True)
