"""In a real browser, on a phone (390×844, touch): what a student types is not hidden under Streamlit's
input hint, every rating option is a target a finger can hit, every tab of the plan is in view, and
the plan opens at its top (issue 16, item 9). Screenshots: test-artifacts/phone-*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.driving import click_until, fresh, open_app, settle, sign_in, sign_out_button
from plpcore import accounts, queries
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_browser_app import account

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TARGET = 44  # px, each way: WCAG 2.5.5's smallest touch target
NOTE = "I finished the survey questions and started on the graphs for my project, the bar chart is hard"
PLAN_TABS = ("Profile", "Career & programming", "Goals", "Progress", "Supports", "Interventions & assessments",
             "Notes", "History")
SCROLLED = "() => [window.scrollY, document.querySelector('[data-testid=\"stMain\"]').scrollTop]"


@pytest.fixture
def phone(browser) -> Iterator:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def signed_in(page, demo, demo_server, role: str):
    open_app(page, demo_server.base)
    sign_in(page, *account(demo, role))
    return page


def picture(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def inside(box: dict, outer: dict) -> bool:
    return (box["x"] >= outer["x"] - 0.5 and box["x"] + box["width"] <= outer["x"] + outer["width"] + 0.5
            and box["y"] >= outer["y"] - 0.5 and box["y"] + box["height"] <= outer["y"] + outer["height"] + 0.5)


def hit(locator, x: float, y: float) -> bool:
    """Whether a finger at (x, y) lands on this element (or on something inside it)."""
    return locator.evaluate("(e, [x, y]) => e.contains(document.elementFromPoint(x, y))", [x, y])


def a_student_with_a_plan(demo) -> int:
    specialist = accounts.user_by_name(demo.db, account(demo, "specialist")[0])
    assert specialist is not None
    return int(queries.caseload(demo.db, specialist.id).dropna(subset=["plan_id"]).iloc[0].student_id)


def test_a_typed_note_is_not_covered_by_the_input_hint(demo, demo_server, phone):
    page = signed_in(phone, demo, demo_server, "student")
    widget = fresh(page).get_by_test_id("stTextInput").filter(
        has=page.get_by_role("textbox", name="What I did, or what's hard (optional)")).first
    note = widget.get_by_role("textbox")
    note.tap()
    note.press_sequentially(NOTE)
    settle(page)
    assert note.input_value() == NOTE
    picture(page, "phone-student-note.png")
    field = note.bounding_box()
    hint = widget.get_by_test_id("InputInstructions")
    covered = hint.count() > 0 and hint.is_visible() and overlap(hint.bounding_box(), field)
    assert not covered, f"the hint {hint.inner_text()!r} at {hint.bounding_box()} lies over the note at {field}"


def open_rating(page, role: str):
    """The 1-4 rating of the first goal: the student's own, or a parent's in the check-in at home."""
    if role == "student":
        return fresh(page).get_by_role("radiogroup", name="My rating").first
    page.get_by_text("Check in at home", exact=True).first.tap()
    settle(page)
    return fresh(page).get_by_role("radiogroup", name="How is it going, from home? (optional)").first


@pytest.mark.parametrize("role", ["student", "guardian"])
def test_every_rating_option_is_a_44_px_target(demo, demo_server, phone, role):
    page = signed_in(phone, demo, demo_server, role)
    rating = open_rating(page, role)
    rating.scroll_into_view_if_needed()
    options = rating.get_by_test_id("stRadioOption")
    assert options.count() == 4
    picture(page, f"phone-{role}-rating.png")
    for option in options.all():
        box = option.bounding_box()
        assert box["width"] >= TARGET and box["height"] >= TARGET, f"{option.inner_text()!r} is {box}"
        # The whole box is the option: a finger at its edge, away from the circle and words, chooses it.
        for x, y in ((box["x"] + 2, box["y"] + 2), (box["x"] + box["width"] - 2, box["y"] + box["height"] - 2)):
            assert hit(option, x, y), f"({x}, {y}) is inside {option.inner_text()!r}'s box but not on it"


def test_every_plan_tab_is_visible_on_a_phone(demo, demo_server, phone):
    page = signed_in(phone, demo, demo_server, "specialist")
    page.goto(f"{demo_server.base}/plan?student={a_student_with_a_plan(demo)}")
    sign_out_button(page).wait_for()
    settle(page)
    picture(page, "phone-plan.png")
    tablist = page.get_by_role("tablist").first
    shown = tablist.bounding_box()
    assert inside(shown, {"x": 0, "y": 0, **PHONE})
    for name in PLAN_TABS:
        tab = tablist.get_by_role("tab", name=name, exact=True)
        box = tab.bounding_box()
        assert inside(box, shown), f"the {name} tab at {box} runs out of the tab bar at {shown}"
        assert hit(tab, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2), f"the {name} tab is covered"


def test_the_plan_opens_at_its_top_when_signing_in_from_further_down_the_page(demo, demo_server, phone):
    """A link to a plan, opened signed out: the sign-in form, with the demo's sign-ins under it on a
    phone. The person reads them there, scrolled down, and signs in from where they are."""
    page = phone
    open_app(page, f"{demo_server.base}/plan?student={a_student_with_a_plan(demo)}")
    username, password = account(demo, "specialist")
    fresh(page).get_by_role("textbox", name="Username").fill(username)
    fresh(page).get_by_role("textbox", name="Password").fill(password)
    page.get_by_test_id("stMain").evaluate("main => main.scrollTo(0, main.scrollHeight)")
    page.wait_for_timeout(200)
    assert page.evaluate(SCROLLED)[1] > 0  # the sign-in page is taller than the phone: it did scroll
    click_until(page, fresh(page).get_by_role("button", name="Sign in"), sign_out_button(page))
    page.get_by_role("tablist").first.wait_for()
    picture(page, "phone-plan-after-sign-in.png")
    assert page.evaluate(SCROLLED) == [0, 0]
