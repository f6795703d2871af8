"""The app's access matrix: every page × everyone who is not on Ana's team × every way of asking for her.

Ana Lopez's team is Sam (specialist), Tia (teacher), Gus (guardian) and Ana herself. The
others try to reach her record through each page:
- Pat, the specialist of another caseload;
- Tom, a teacher not linked to her;
- Gia, the guardian of another child;
- Ben, another student;
- a browser that never signed in.

They ask by URL query parameter, by guessing an id that does not exist, and by the session-state
keys that once chose a student (the URL is now the only channel: those are ignored). Nothing of
Ana appears anywhere in what the page rendered. Where the page reads the id the URL gives, the
person sees "not found" and plpcore audits the refusal.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from plpcore import meetings, services
from plpcore.models import AuditEvent
from tests.app_support import app, database_copy, page_text

NOT_FOUND = "Not found, or you are not allowed to see it."
OUTSIDERS = {"pat": "specialist of another caseload", "tom": "teacher not linked", "gia": "guardian of another child",
             "ben": "another student", None: "signed out"}
# What only Ana's record holds: her surname, her goal, a strength the team wrote, her meeting's room.
ANA_SECRETS = ("Lopez", "6th-grade math", "Builds elaborate marble runs", "Room 12B")
GUESS = 9_999  # an id nobody has
# The session-state keys through which pages once took "which student, plan or meeting".
PLAN_ID, STUDENT_ID, MEETING_ID = "plp_plan_id", "plp_student_id", "plp_meeting_id"

# page -> ways of asking for Ana: (name, query params, session state). "{plan}" etc. are filled in.
ASKS = {
    "plan": [("plan in URL", {"plan": "{plan}"}, {}), ("student in URL", {"student": "{student}"}, {}),
             ("plan in session", {}, {PLAN_ID: "{plan}"}),
             ("student in session", {}, {STUDENT_ID: "{student}"}),
             ("guessed plan id", {"plan": str(GUESS)}, {})],
    "meeting": [("meeting in URL", {"meeting": "{meeting}"}, {}),
                ("meeting in session", {}, {MEETING_ID: "{meeting}"}),
                ("guessed meeting id", {"meeting": str(GUESS)}, {})],
    "home": [("student in URL", {"student": "{student}"}, {}),
             ("student in session", {}, {STUDENT_ID: "{student}"})],
    **{page: [("student in URL", {"student": "{student}"}, {}),
              ("plan in session", {}, {PLAN_ID: "{plan}", STUDENT_ID: "{student}"})]
       for page in ("reports", "admin", "import", "account")},
}
# Pages that act on the id they are given, and so refuse (and audit) rather than ignore it.
READS_THE_ID = {"plan", "meeting"}
CELLS = [pytest.param(who, page, ask, query, state, id=f"{OUTSIDERS[who]}-{page}-{ask}")
         for who in OUTSIDERS for page, asks in ASKS.items() for ask, query, state in asks]


@pytest.fixture
def ana(tmp_path, monkeypatch):
    db, school = database_copy(tmp_path, monkeypatch)
    services.update_section(db, school.sam, school.ana_plan, "strengths", "team", "Builds elaborate marble runs", 0)
    school.ana_meeting = meetings.schedule_meeting(db, school.sam, school.ana_plan, kind="check-in",
                                                   scheduled_at="2026-12-01 15:00", location="Room 12B")
    return db, school


def denials(db, actor_id: int | None) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "denied", AuditEvent.actor_id == actor_id))


@pytest.mark.parametrize(("who", "page", "ask", "query", "state"), CELLS)
def test_nobody_outside_anas_team_sees_anything_of_her_on_any_page(ana, who, page, ask, query, state):
    db, school = ana
    ids = {"plan": school.ana_plan, "student": school.ana_student, "meeting": school.ana_meeting}

    def real(value: str) -> str:
        return value.format(**ids)

    at = app(page, as_user=who, query={k: real(v) for k, v in query.items()})
    for key, value in state.items():
        at.session_state[key] = int(real(value))
    actor = getattr(school, who) if who else None
    before = denials(db, actor) if actor else 0

    at.run()

    assert not at.exception, [e.value for e in at.exception]
    shown = page_text(at)
    for secret in ANA_SECRETS:
        assert secret not in shown, f"{secret!r} shown to {OUTSIDERS[who]} on {page} ({ask})"
    if who is None:
        assert any(t.label == "Username" for t in at.text_input)  # only the sign-in form
    elif query and (page in READS_THE_ID or (page == "home" and who == "gia")):
        assert NOT_FOUND in [e.value.replace("\\", "") for e in at.error]
        assert denials(db, actor) > before, "the refusal was not audited"


def test_the_matrix_covers_every_page_of_the_app():
    from ui.routes import SIGNED_IN_SCREENS

    assert set(ASKS) == {screen.url for screen in SIGNED_IN_SCREENS}
