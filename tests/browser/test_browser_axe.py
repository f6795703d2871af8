"""axe-core on every screen, for every role that can open it, in Chromium (issue 17).

A test fails on any serious or critical violation of a WCAG 2.1 A/AA rule, naming the screen,
the rule and the first element. Moderate and minor findings (and axe's best practices, such as
heading order) go to test-artifacts/axe/<test>.json with the table of cells, to be read and fixed.
The screens: sign-in and every link page signed out; each role's home, every plan tab, the
meeting lobby, a finalized record, My account, and for those who manage people the schedule form,
Reports, Admin and Import; every agenda step of an open meeting as each of its four people sees
it; and the parent's and specialist's screens again in the dark theme.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bench.driving import open_app, settle, sign_in, sign_out_button
from plpcore import accounts, links, meetings, services
from plpcore.errors import InvalidInput
from plpcore.models import LinkPurpose, Meeting, MeetingStatus, Plan, User
from tests.browser.accessibility import Audit, blocking, sideways_overflow, small_targets, violations
from tests.browser.conftest import ARTIFACTS, LAPTOP
from tests.browser.test_browser_app import account, students_of
from tests.browser.test_browser_meeting import ROLES, demo_team

pytestmark = pytest.mark.browser

MANAGERS = ("specialist", "admin")


def signed_in(browser, base: str, username: str, password: str, scheme: str = "light", *, touch: bool = False):
    """A signed-in tab; with `touch`, a touch screen (a coarse pointer), as on a phone or tablet."""
    context = browser.new_context(viewport=LAPTOP, color_scheme=scheme, has_touch=touch, is_mobile=touch)
    context.set_default_timeout(30_000)
    page = context.new_page()
    open_app(page, base)
    sign_in(page, username, password)
    return page


def go(page, url: str) -> None:
    page.goto(url)
    sign_out_button(page).wait_for()
    settle(page)


def student_with_a_record(demo, role: str) -> tuple[int, int | None]:
    """One of this person's students with a current plan, preferring one whose plan has a
    finalized meeting record: (student id, that meeting or None)."""
    rows = students_of(demo, role).dropna(subset=["plan_id"])
    with demo.db.read() as s:
        for row in rows.itertuples():
            finalized = s.scalar(select(Meeting.id).join(Plan, Plan.id == Meeting.plan_id).where(
                Plan.student_id == int(row.student_id), Meeting.status == MeetingStatus.FINALIZED).limit(1))
            if finalized is not None:
                return int(row.student_id), finalized
    return int(rows.iloc[0].student_id), None


def walk(page, base: str, audit: Audit, demo, role: str) -> None:
    """Every screen this role can open, each audited as it stands."""
    audit.check(page, f"{role} · home")
    student_id, record = student_with_a_record(demo, role)
    go(page, f"{base}/plan?student={student_id}")
    for tab in page.get_by_role("tab").all():
        name = tab.inner_text()
        tab.click()
        audit.check(page, f"{role} · plan · {name}")
    go(page, f"{base}/meeting")
    audit.check(page, f"{role} · meeting lobby")
    if record is not None:
        go(page, f"{base}/meeting?meeting={record}")
        audit.check(page, f"{role} · finalized record")
    if role in MANAGERS:
        go(page, f"{base}/meeting?schedule={student_id}")
        audit.check(page, f"{role} · schedule a meeting")
        for screen in ("reports", "admin", "import"):
            go(page, f"{base}/{screen}")
            audit.check(page, f"{role} · {screen}")
    go(page, f"{base}/account")
    audit.check(page, f"{role} · my account")


def assert_clean(audit: Audit) -> None:
    audit.write()
    assert audit.cells, "no screen was audited"
    failures = audit.failures()
    assert not failures, f"{len(failures)} serious or critical WCAG violations:\n" + "\n".join(failures)


PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}  # held in a meeting


def fits(page, cell: str, size: dict[str, int], *, shot: bool = True) -> list[str]:
    """What a person at this size would stumble over: sideways scrolling, and tap targets under
    24 x 24 CSS px. A screenshot of the whole screen goes to test-artifacts/ to be looked at
    (unless `shot` is False: growing the window for it costs a rerun)."""
    page.set_viewport_size(size)
    settle(page)
    problems = [f"{cell}: {size['width']} px wide, the page scrolls {over} px sideways"
                for over in [sideways_overflow(page)] if over > 0]
    problems += [f"{cell}: {size['width']} px wide, a tap target under 24 px: {t}" for t in small_targets(page)]
    if not shot:
        return problems
    # The whole screen in one picture: Streamlit scrolls inside its main block, so grow the window.
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height + 50)})
    settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"a11y-{cell.replace(' · ', '-').replace(' ', '_')}-{size['width']}.png"))
    page.set_viewport_size(size)
    return problems


@pytest.mark.parametrize("role", ["specialist", "admin", "teacher", "guardian", "student"])
def test_every_screen_a_role_opens_has_no_serious_or_critical_wcag_violation(demo, demo_server, browser, role):
    audit = Audit(role)
    page = signed_in(browser, demo_server.base, *account(demo, role))
    try:
        walk(page, demo_server.base, audit, demo, role)
    finally:
        page.context.close()
    assert_clean(audit)


@pytest.mark.parametrize("role", ["specialist", "guardian"])
def test_every_screen_passes_in_the_dark_theme_too(demo, demo_server, browser, role):
    audit = Audit(f"{role}-dark")
    page = signed_in(browser, demo_server.base, *account(demo, role), scheme="dark")
    try:
        walk(page, demo_server.base, audit, demo, role)
    finally:
        page.context.close()
    assert_clean(audit)


def test_sign_in_and_every_e_mailed_link_page_has_no_serious_or_critical_wcag_violation(demo, private_demo, browser):
    server, db = private_demo
    guardian = accounts.user_by_name(db, account(demo, "guardian")[0])
    with db.write() as s:
        user = s.get(User, guardian.id)
        # links.issue names this process's base URL; the page is the server's
        pages = {purpose: server.base + "/" + links.issue(s, user, purpose).split("/", 3)[3]
                 for purpose in (LinkPurpose.INVITATION, LinkPurpose.RESET)}
    stop = f"{server.base}/stop-emails?token=not-a-real-token"
    audit = Audit("signed-out")
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    try:
        open_app(page, server.base)
        audit.check(page, "signed out · sign in")
        page.get_by_text("Forgot your password?").click()
        audit.check(page, "signed out · forgot your password")
        for purpose, url in pages.items():
            open_app(page, url)
            audit.check(page, f"signed out · {purpose} link")
        open_app(page, f"{server.base}/sign-record?token=used-or-unknown")
        audit.check(page, "signed out · a link that no longer works")
        open_app(page, stop)
        audit.check(page, "signed out · stop e-mails")
    finally:
        context.close()
    assert_clean(audit)


def student_speaks(db, student_id: int, meeting_id: int, plan_id: int) -> None:
    """The student says each voice-first answer is still true, or passes on it: the agenda may go on."""
    for key in services.VOICE_FIRST:
        try:
            meetings.confirm_voice(db, student_id, meeting_id, key)
        except InvalidInput:
            services.update_section(db, student_id, plan_id, key, "student", "", 0, passed=True)


def test_every_agenda_step_has_no_serious_or_critical_wcag_violation_for_anyone_in_the_room(demo, private_demo, browser):
    """And on a phone and a tablet (a touch screen), each person's room at each step scrolls nothing
    sideways and has no tap target under 24 px."""
    server, db = private_demo
    team = demo_team(demo, db)
    specialist = team.members["specialist"]
    meeting_id = meetings.schedule_meeting(db, specialist.user_id, team.plan_id, kind="annual ALP review",
                                           scheduled_at="2026-12-03T15:00")
    meetings.open_meeting(db, specialist.user_id, meeting_id)
    audit = Audit("meeting")
    problems: list[str] = []
    room = {role: signed_in(browser, server.base, team.members[role].username, team.members[role].password,
                            touch=True) for role in ROLES}
    try:
        for page in room.values():
            go(page, f"{server.base}/meeting?meeting={meeting_id}")
        step = str(meetings.AGENDA[0])
        while True:
            for role, page in room.items():
                page.get_by_text(step.capitalize(), exact=False).first.wait_for()
                audit.check(page, f"{role} · meeting · {step}")
                problems += fits(page, f"{role} · meeting · {step}", PHONE)
                problems += fits(page, f"{role} · meeting · {step}", TABLET, shot=False)  # pictures: the phone's
                page.set_viewport_size(LAPTOP)
            if step == str(meetings.AGENDA[-1]):
                break
            if step == "student voice":
                student_speaks(db, team.members["student"].user_id, meeting_id, team.plan_id)
            step = meetings.advance(db, specialist.user_id, meeting_id, step)
    finally:
        for page in room.values():
            page.context.close()
    assert_clean(audit)
    assert not problems, "\n".join(problems)


def test_the_audit_fails_a_text_box_whose_label_is_taken_away(demo_server, page):
    """The check can fail: the sign-in form with its Username label removed is a serious violation."""
    open_app(page, demo_server.base)
    assert not blocking(violations(page))
    page.evaluate("""() => {
      const box = document.querySelector('input[aria-label="Username"], input[type=text]');
      box.removeAttribute('aria-label');
      box.removeAttribute('id');
      for (const label of document.querySelectorAll('label')) label.remove();
    }""")
    found = {v["id"] for v in blocking(violations(page))}
    assert "label" in found


@pytest.mark.parametrize("role", ["guardian", "student"])
def test_a_family_screen_on_a_phone_or_tablet_never_scrolls_sideways_and_every_tap_target_is_24px(
        demo, demo_server, browser, role):
    page = signed_in(browser, demo_server.base, *account(demo, role), touch=True)
    problems: list[str] = []
    try:
        for size in (PHONE, TABLET):
            go(page, demo_server.base)
            problems += fits(page, f"{role} · home", size)
            if role == "guardian":  # the check-in open, as a parent fills it in
                page.get_by_text("Check in at home").first.click()
                problems += fits(page, f"{role} · home check-in", size)
            student_id, _ = student_with_a_record(demo, role)
            go(page, f"{demo_server.base}/plan?student={student_id}")
            problems += fits(page, f"{role} · plan", size)
    finally:
        page.context.close()
    assert not problems, "\n".join(problems)


def test_each_screen_has_its_own_title_and_a_students_screens_name_the_student(demo, demo_server, browser):
    """WCAG 2.4.2: a browser tab, a bookmark and a screen reader say which screen and whose."""
    page = signed_in(browser, demo_server.base, *account(demo, "guardian"))
    try:
        home = page.title()
        student_id, record = student_with_a_record(demo, "guardian")
        go(page, f"{demo_server.base}/plan?student={student_id}")
        plan = page.title()
        go(page, f"{demo_server.base}/account")
        mine = page.title()
        go(page, f"{demo_server.base}/meeting?meeting={record}")
        meeting = page.title()
    finally:
        page.context.close()
    name = students_of(demo, "guardian").set_index("student_id").loc[student_id, "name"]
    assert (home, plan, mine, meeting) == ("Home · PlanTable", f"{name} · Student plan · PlanTable",
                                           "My account · PlanTable", f"{name} · Meeting room · PlanTable")
