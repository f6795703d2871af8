"""One plan as one viewer sees it: what every part of the plan screen (and the meeting room) takes,
and which plan the URL asks for."""

from __future__ import annotations

import dataclasses
from typing import NoReturn

import streamlit as st

from plpcore import queries, services
from plpcore.access import Action
from plpcore.db import Database
from plpcore.errors import NotAllowed, NotFound
from plpcore.models import PlanKind
from plpcore.rules import may
from plpcore.shapes import StudentSummary, ViewedPlan
from ui import routes
from ui.feedback import NOT_FOUND, md, show_error, write
from ui.session import SignedIn


@dataclasses.dataclass(frozen=True)
class Ctx:
    """The database, who is looking, and the plan document as plpcore gave it to them."""

    db: Database
    user: SignedIn
    doc: ViewedPlan

    @property
    def plan_id(self) -> int:
        return self.doc["plan"]["id"]

    @property
    def student_id(self) -> int:
        return self.doc["student"]["id"]

    def can(self, action: Action) -> bool:
        """Whether the viewer's roles toward this student allow the action (plpcore worked it out)."""
        return self.doc["can"][action.value]


# --- which plan -----------------------------------------------------------------------------------


def load(db: Database, user: SignedIn) -> Ctx:
    """The plan the URL asks for (?plan=, or ?student= for that student's current plan), if this
    person may see it; otherwise "not found", a picker or the way to start a plan, and the screen stops."""
    plan_id, student_id = routes.asked("plan"), routes.asked("student")
    if routes.BAD in (plan_id, student_id):
        not_found()
    students = my_students(db, user)
    if plan_id is None and student_id is None:
        if len(students) != 1:
            if students:
                pick_student(students, None)
            st.info("Choose a student to open their plan." if students else "No students are linked to you yet.")
            st.stop()
        student_id = next(iter(students))
    try:
        if plan_id is None:
            assert student_id is not None  # named in the URL, or the person's only student
            plan_id = current_plan(db, user, student_id, students)
        doc = queries.student_plan(db, user.id, plan_id)
    except (NotAllowed, NotFound):
        not_found()
    # A plan of another student than the one named is a link nobody made: show neither.
    if student_id is not None and student_id != doc["student"]["id"]:
        not_found()
    if len(students) > 1:
        pick_student(students, doc["student"]["id"])
    routes.keep("plan", doc["plan"]["id"])  # a reload, or a shared link, opens this same plan
    return Ctx(db, user, doc)


def not_found() -> NoReturn:
    st.error(NOT_FOUND)
    st.button("Choose another student", key="plan_not_found_back", on_click=forget_choice)
    st.stop()


def forget_choice() -> None:
    routes.choose("student", None, drop=("plan",))


def my_students(db: Database, user: SignedIn) -> dict[int, str]:
    frame = queries.my_students(db, user.id)
    frame = frame.drop_duplicates("student_id")
    return {int(i): f"{name} (grade {grade})" for i, name, grade in zip(frame["student_id"], frame["name"], frame["grade"],
                                                                          strict=True)}


def pick_student(students: dict[int, str], current: int | None) -> None:
    """The picker of a person with several students: choosing one puts it in the URL."""
    if current in students:
        st.session_state["plan_student_pick"] = current
    else:
        st.session_state.pop("plan_student_pick", None)
    st.selectbox("Student", list(students), index=None, format_func=students.__getitem__, placeholder="Choose a student",
                 key="plan_student_pick", on_change=picked_student)


def picked_student() -> None:
    routes.choose("student", st.session_state.get("plan_student_pick"), drop=("plan",))


def current_plan(db: Database, user: SignedIn, student_id: int, students: dict[int, str]) -> int:
    """The student's current plan (plpcore's one rule); without one, the way to start it, and stop."""
    summary = queries.student_summary(db, user.id, student_id)
    if summary["current_plan_id"] is None:
        if len(students) > 1:
            pick_student(students, student_id)
        no_plan_yet(db, user, summary)
        st.stop()
    return summary["current_plan_id"]


def no_plan_yet(db: Database, user: SignedIn, summary: StudentSummary) -> None:
    st.title(md(summary["name"]))
    st.info("This student has no plan for this school year yet.")
    if may(summary["roles"], Action.EDIT_PLAN):
        with st.form("plan_create"):
            st.selectbox("Kind of plan", [k.value for k in PlanKind], key="plan_create_kind")
            st.form_submit_button("Start the plan for this school year", key="plan_create_submit", type="primary",
                                  on_click=create_plan, args=(db, user, summary["id"]))
        show_error("plan_create")
    if summary["plans"]:
        st.caption("Earlier plans")
        for plan in summary["plans"]:
            st.button(md(f"{plan['kind']} {plan['year']} ({plan['status']})"), key=f"plan_open_{plan['id']}",
                      on_click=routes.choose, args=("plan", plan["id"]))


def create_plan(db: Database, user: SignedIn, student_id: int) -> None:
    write(start_and_open, db, user, student_id, st.session_state["plan_create_kind"], done="Plan started.",
          where="plan_create")


def start_and_open(db: Database, user: SignedIn, student_id: int, kind: str) -> None:
    plan_id = services.create_plan(db, user.id, student_id, kind)
    routes.choose("plan", plan_id)
