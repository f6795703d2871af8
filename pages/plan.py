"""The student plan page: the working document the student's team reads and edits, each within their role.

Which plan comes from the session or the URL and is never trusted: plpcore decides. What
a role may not change is shown read-only. Edits remember the version they started from;
a newer save by someone else opens the conflict view. Defines functions only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from pages import conflict
from pages.common import SignedIn, StateKeys, database, flash, md, require_user, show_flash
from plpcore import documents, export, queries, services
from plpcore.access import ALLOWED, Action
from plpcore.db import Database
from plpcore.errors import NotAllowed, NotFound, PlanTableError
from plpcore.models import AuthorRole, GoalKind, GoalStatus, PlanKind, PlanStatus, SupportSetting, SupportStatus

NOT_FOUND = "Not found, or you are not allowed to see it."
RATINGS = {1: "1 not yet", 2: "2 beginning", 3: "3 progressing", 4: "4 met"}
GOAL_LABELS = {"statement": "Goal", "success_criteria": "Success criteria", "baseline": "Baseline",
               "target_date": "Target date"}
TABS = ("Profile", "Career & programming", "Goals", "Progress", "Supports", "Interventions & assessments",
        "Notes", "History")
OWNER_ROLES = ("teacher", "guardian", "student", "specialist")
# Who gave a rating, as progress_frame names them, and a colour each (told apart by dash too).
RATERS = {"Student": "#e8710a", "Staff": "#1a73e8", "Family": "#188038"}


@dataclasses.dataclass(frozen=True)
class Ctx:
    """What every part of the page needs: the database, who is looking, and the plan as loaded."""

    db: Database
    user: SignedIn
    doc: dict[str, Any]

    @property
    def plan_id(self) -> int:
        return self.doc["plan"]["id"]

    @property
    def student_id(self) -> int:
        return self.doc["student"]["id"]

    def can(self, action: Action) -> bool:
        """Whether one of the viewer's roles toward this student allows the action (plpcore's table)."""
        return any(AuthorRole(role) in ALLOWED[action] for role in self.doc["viewer_roles"])


# --- which plan ---------------------------------------------------------------------------------


def not_found() -> None:
    st.error(NOT_FOUND)
    st.button("Choose another student", key="plan_not_found_back", on_click=forget_choice)
    st.stop()


def forget_choice() -> None:
    for key in (StateKeys.PLAN_ID, StateKeys.STUDENT_ID):
        st.session_state.pop(key, None)
    for param in ("plan", "student"):
        if param in st.query_params:
            del st.query_params[param]


def parse_id(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def requested() -> tuple[object, object]:
    """The plan and student asked for. Within a session the session's choice is the latest
    (other pages set it before switching here); a fresh load has only the URL."""
    plan, student = st.session_state.get(StateKeys.PLAN_ID), st.session_state.get(StateKeys.STUDENT_ID)
    if plan is None and student is None:
        plan, student = st.query_params.get("plan"), st.query_params.get("student")
    return plan, student


def load_plan(db: Database, user: SignedIn) -> dict[str, Any]:
    """The plan document the user asked for and may see; otherwise "not found" and nothing else."""
    plan_raw, student_raw = requested()
    try:
        if plan_raw is not None:
            plan_id = parse_id(plan_raw)
            if plan_id is None:
                not_found()
            doc = queries.student_plan(db, user.id, plan_id)
            student_id = parse_id(student_raw) if student_raw is not None else None
            # A plan and a student that disagree: the student was chosen more recently.
            if student_id is None or student_id == doc["student"]["id"]:
                return doc
            return queries.student_plan(db, user.id, plan_of_student(db, user, student_id))
        if student_raw is not None:
            student_id = parse_id(student_raw)
            if student_id is None:
                not_found()
            return queries.student_plan(db, user.id, plan_of_student(db, user, student_id))
    except (NotAllowed, NotFound):
        not_found()
    student_id = pick_student(db, user, None)
    if student_id is None:
        st.stop()
    try:
        return queries.student_plan(db, user.id, plan_of_student(db, user, student_id))
    except (NotAllowed, NotFound):
        not_found()
    raise AssertionError("unreachable")


def plan_of_student(db: Database, user: SignedIn, student_id: int) -> int:
    """The student's plan for the current school year (active before draft), else their latest."""
    summary = queries.student_summary(db, user.id, student_id)
    plans = summary["plans"]
    current = sorted((p for p in plans if p["is_current"] and p["status"] != PlanStatus.ARCHIVED),
                     key=lambda p: p["status"] != PlanStatus.ACTIVE)
    chosen = (current or plans or [None])[0]
    if chosen is None:
        no_plan_yet(db, user, summary)
        st.stop()
    return chosen["id"]


def no_plan_yet(db: Database, user: SignedIn, summary: dict[str, Any]) -> None:
    st.header(md(summary["name"]))
    st.info("This student has no plan yet.")
    if any(AuthorRole(r) in ALLOWED[Action.EDIT_PLAN] for r in summary["roles"]):
        with st.form("plan_create"):
            st.selectbox("Kind of plan", [k.value for k in PlanKind], key="plan_create_kind")
            st.form_submit_button("Start the plan for this school year", key="plan_create_submit", type="primary",
                                  on_click=create_plan, args=(db, user, summary["id"]))
        show_error("plan_create_error")


def create_plan(db: Database, user: SignedIn, student_id: int) -> None:
    def write():
        plan_id = services.create_plan(db, user.id, student_id, st.session_state["plan_create_kind"])
        st.session_state[StateKeys.PLAN_ID] = plan_id

    attempt("plan_create_error", "Plan started.", write)


def my_students(db: Database, user: SignedIn) -> dict[int, str]:
    frame = queries.my_students(db, user.id)
    return {int(r.student_id): f"{r.name} (grade {r.grade})" for r in frame.drop_duplicates("student_id").itertuples()}


def pick_student(db: Database, user: SignedIn, current: int | None, students: dict[int, str] | None = None) -> int | None:
    """A picker when the user has several students; their only student otherwise."""
    students = my_students(db, user) if students is None else students
    if not students:
        st.info("No students are linked to you yet.")
        return None
    if len(students) == 1 and current is None:
        return next(iter(students))
    if current in students:
        st.session_state["plan_student_pick"] = current
    st.selectbox("Student", list(students), index=None,
                 format_func=students.get, placeholder="Choose a student", key="plan_student_pick",
                 on_change=picked_student)
    if current is None:
        st.info("Choose a student to open their plan.")
    return current


def picked_student() -> None:
    forget_choice()
    st.session_state[StateKeys.STUDENT_ID] = st.session_state.get("plan_student_pick")


# --- writes (callbacks: they run, then the page reruns and shows the result) -----------------


def attempt(error_key: str, message: str, write: Callable[[], object]) -> bool:
    """Run a write; keep plpcore's refusal to show by the form. A write answering False
    (a conflict parked for the person to resolve) is not reported as done."""
    try:
        done = write()
    except PlanTableError as exc:
        st.session_state[error_key] = str(exc)
        return False
    st.session_state.pop(error_key, None)
    if done is False:
        return False
    flash(message)
    return True


def show_error(error_key: str) -> None:
    message = st.session_state.get(error_key)
    if message:
        st.error(md(message))


def editing(prefix: str) -> bool:
    return f"{prefix}_version" in st.session_state


def start_edit(prefix: str, values: dict[str, Any], version: int) -> None:
    """Open an edit form: it keeps the version and values it started from until saved or closed."""
    st.session_state[f"{prefix}_version"] = version
    st.session_state[f"{prefix}_base"] = dict(values)
    for field, value in values.items():
        st.session_state[f"{prefix}_{field}"] = value


def close_edit(prefix: str) -> None:
    for suffix in ("version", "base", "error"):
        st.session_state.pop(f"{prefix}_{suffix}", None)


def save_edit(prefix: str, fields: tuple[str, ...], save: conflict.Save, message: str) -> None:
    values = {field: st.session_state.get(f"{prefix}_{field}") for field in fields}
    try:
        stored = conflict.save_or_park(f"{prefix}_conflict", save, values,
                                       st.session_state[f"{prefix}_version"], st.session_state[f"{prefix}_base"])
    except PlanTableError as exc:
        st.session_state[f"{prefix}_error"] = str(exc)
        return
    close_edit(prefix)
    if stored:
        flash(message)


def edit_buttons(prefix: str, fields: tuple[str, ...], save: conflict.Save, message: str) -> None:
    with st.container(horizontal=True):
        st.form_submit_button("Save", key=f"{prefix}_save", type="primary", on_click=save_edit,
                              args=(prefix, fields, save, message))
        st.form_submit_button("Cancel", key=f"{prefix}_cancel", on_click=close_edit, args=(prefix,))


def initials(name: str | None) -> str:
    return "".join(part[0] for part in (name or "").split()[:2]).upper()


def by_line(name: str | None, when: object = None) -> str:
    """"SS · Sam Specialist · 2026-09-14", escaped for a caption."""
    if not name:
        return ""
    parts = [initials(name), name] + ([f"{when:%Y-%m-%d}"] if isinstance(when, dt.date) else [])
    return md(" · ".join(parts))


def words_line(ctx: Ctx, row: dict[str, Any]) -> str:
    """The student's own words carry the student's name, and who typed them if someone did it for them."""
    line = by_line(ctx.doc["student"]["name"], row["updated_at"])
    return line if row["by_student"] else line + md(f" · typed by {row['author']}")


# --- the page -----------------------------------------------------------------------------------


def render() -> None:
    user = require_user()
    db = database()
    doc = load_plan(db, user)
    st.session_state[StateKeys.PLAN_ID] = doc["plan"]["id"]
    st.session_state[StateKeys.STUDENT_ID] = doc["student"]["id"]
    # The URL names the plan shown, so a reload (or a shared link, for someone allowed) opens it again.
    if st.query_params.get("plan") != str(doc["plan"]["id"]):
        st.query_params["plan"] = str(doc["plan"]["id"])
    if "student" in st.query_params:
        del st.query_params["student"]
    ctx = Ctx(db, user, doc)
    # Everything above the tabs sits in one container: a message appearing there must not
    # move the tabs, or Streamlit would draw them anew on the first tab.
    with st.container():
        students = my_students(db, user)
        if len(students) > 1:
            pick_student(db, user, ctx.student_id, students)
        header(ctx)
        show_flash()
    # The open tab is kept in the URL (?tab=Goals): after a save, a reload or from a shared
    # link the person is still on the tab they were using. Switching tabs needs no rerun.
    tabs = st.tabs(TABS, key="tab", bind="query-params")
    for tab, part in zip(tabs, (profile, career, goals, progress, supports, interventions_assessments, notes,
                                history), strict=True):
        with tab:
            part(ctx)


def header(ctx: Ctx) -> None:
    plan, student = ctx.doc["plan"], ctx.doc["student"]
    st.header(md(student["name"]))
    facts = [f"{plan['kind']} {plan['year']}", f"grade {student['grade']}"]
    if student["gifted_areas"]:
        facts.append(f"gifted areas: {student['gifted_areas']}")
    facts.append(f"you are viewing as {', '.join(ctx.doc['viewer_roles'])}")
    st.caption(md(" · ".join(facts)))
    with st.container(horizontal=True, vertical_alignment="bottom"):
        if ctx.can(Action.EDIT_PLAN):
            key = "plan_status"
            keep_in_step(key, plan["status"], plan["version"])
            st.selectbox("Plan status", [s.value for s in PlanStatus], key=key, width=220,
                         on_change=change_plan_status, args=(ctx, plan["version"], plan["status"]))
        else:
            st.markdown(f"Plan status: **{md(plan['status'])}**")
        if ctx.can(Action.ACKNOWLEDGE):
            st.button("I have read this plan", key="plan_acknowledge", on_click=acknowledge, args=(ctx,))
        # One readable document of the current plan, for a family or the file; made only when asked for.
        st.download_button("Plan (PDF)", functools.partial(documents.plan_pdf, ctx.doc), key="plan_pdf",
                           file_name=f"plan-{plan['year']}-{student['local_id']}.pdf", mime="application/pdf",
                           icon=":material/picture_as_pdf:", on_click="ignore")
        # The whole record (every plan, meeting record and assessment), for a transfer or a family's request
        # to see it: read (and audited) only when someone downloads it.
        st.download_button("Whole record (PDF)", functools.partial(whole_record, ctx, "pdf"), key="plan_record_pdf",
                           file_name=f"record-{student['local_id']}.pdf", mime="application/pdf",
                           icon=":material/folder_zip:", on_click="ignore")
        st.download_button("Whole record (JSON)", functools.partial(whole_record, ctx, "json"),
                           key="plan_record_json", file_name=f"record-{student['local_id']}.json",
                           mime="application/json", icon=":material/data_object:", on_click="ignore")
    acks = ctx.doc["acknowledgements"]
    if acks:
        latest = max(acks, key=lambda a: a["at"])
        st.caption(f"Last read by {by_line(latest['user'], latest['at'])} ({len(acks)} acknowledgement(s))")
    show_error("plan_status_error")
    conflict.show("plan_status_conflict", labels={"status": "Plan status"}, save=plan_status_saver(ctx),
                  done=functools.partial(st.session_state.pop, "plan_status_seen", None))


def whole_record(ctx: Ctx, kind: str) -> bytes | str:
    record = export.student_record(ctx.db, ctx.user.id, ctx.student_id)
    return documents.student_record_pdf(record) if kind == "pdf" else export.to_json(record)


def keep_in_step(key: str, value: Any, version: int) -> None:
    """An always-visible control shows the stored value again whenever the row changed."""
    if st.session_state.get(f"{key}_seen") != version or key not in st.session_state:
        st.session_state[key] = value
        st.session_state[f"{key}_seen"] = version


def plan_status_saver(ctx: Ctx) -> conflict.Save:
    return lambda values, version: services.set_plan_status(ctx.db, ctx.user.id, ctx.plan_id, values["status"], version)


def change_plan_status(ctx: Ctx, version: int, status: str) -> None:
    values = {"status": st.session_state["plan_status"]}
    attempt("plan_status_error", "Plan status changed.",
            lambda: conflict.save_or_park("plan_status_conflict", plan_status_saver(ctx), values, version,
                                          {"status": status}))


def acknowledge(ctx: Ctx) -> None:
    attempt("plan_acknowledge_error", "Thank you: noted that you have read the plan.",
            lambda: services.acknowledge_plan(ctx.db, ctx.user.id, ctx.plan_id))


# --- profile, career planning, programming ------------------------------------------------------


def profile(ctx: Ctx) -> None:
    st.caption("Each question has the student's own words and, beside them, what the team adds.")
    for key, question in services.PROFILE_SECTIONS.items():
        with st.container(border=True):
            st.markdown(f"**{question}**")
            mine, team = st.columns(2)
            with mine:
                st.markdown("*In my words*")
                section(ctx, key, "student", question, ctx.can(Action.STUDENT_VOICE))
            with team:
                st.markdown("*The team adds*")
                section(ctx, key, "team", question, ctx.can(Action.TEAM_VOICE))


def career(ctx: Ctx) -> None:
    editable = ctx.can(Action.EDIT_PLAN)
    for title, sections in (("Career planning", services.CAREER_SECTIONS),
                            ("Programming", services.PROGRAMMING_SECTIONS)):
        st.subheader(title)
        for key, label in sections.items():
            with st.container(border=True):
                st.markdown(f"**{label}**")
                section(ctx, key, "team", label, editable)


def section(ctx: Ctx, key: str, voice: str, label: str, editable: bool) -> None:
    """One answer: shown as text with who wrote it; with an Edit button for those who may."""
    row = next((s for s in ctx.doc["sections"] if s["key"] == key and s["voice"] == voice), None)
    text, passed, version = (row["text"], row["passed"], row["version"]) if row else ("", False, 0)
    prefix = f"plan_section_{key}_{voice}"
    fields = ("text", "passed") if voice == "student" else ("text",)

    def save(values: dict[str, Any], expected: int) -> None:
        services.update_section(ctx.db, ctx.user.id, ctx.plan_id, key, voice, values["text"], expected,
                                passed=bool(values.get("passed", False)))

    if conflict.show(f"{prefix}_conflict", labels={"text": label, "passed": "Passed on the question"}, save=save,
                     done=functools.partial(close_edit, prefix)):
        return
    if editable and editing(prefix):
        with st.form(f"{prefix}_form", border=False):
            st.text_area(label, key=f"{prefix}_text", height=120, label_visibility="collapsed")
            if voice == "student":
                st.checkbox("Pass on this question for now", key=f"{prefix}_passed")
            edit_buttons(prefix, fields, save, "Saved.")
        show_error(f"{prefix}_error")
        return
    if text:
        st.text(text)
    elif passed:
        st.caption("Passed on this question for now.")
    else:
        st.caption("Nothing written yet.")
    if row and row["author"]:
        st.caption(words_line(ctx, row) if voice == "student" else by_line(row["author"], row["updated_at"]))
    if editable:
        values = {"text": text, "passed": passed} if voice == "student" else {"text": text}
        st.button("Edit" if text else "Write", key=f"{prefix}_edit", on_click=start_edit, args=(prefix, values, version))


# --- goals ------------------------------------------------------------------------------------------


def goals(ctx: Ctx) -> None:
    if not ctx.doc["goals"]:
        st.info("No goals yet.")
    for goal in ctx.doc["goals"]:
        goal_block(ctx, goal)
    if ctx.can(Action.EDIT_GOALS):
        add_goal_form(ctx)
    elif ctx.can(Action.PROPOSE_GOAL):
        propose_goal_form(ctx)


def goal_saver(ctx: Ctx, goal_id: int) -> conflict.Save:
    return lambda values, version: services.revise_goal(ctx.db, ctx.user.id, goal_id, version, **values)


def goal_block(ctx: Ctx, goal: dict[str, Any]) -> None:
    prefix = f"plan_goal_{goal['id']}"
    editable = ctx.can(Action.EDIT_GOALS)
    with st.container(border=True, key=f"{prefix}_box"):
        main, side = st.columns([3, 1])
        with main:
            shown = conflict.show(f"{prefix}_conflict", labels=GOAL_LABELS, save=goal_saver(ctx, goal["id"]),
                                  done=functools.partial(close_edit, prefix))
            if not shown and editable and editing(prefix):
                revise_form(ctx, goal, prefix)
            elif not shown:
                st.text(goal["statement"])
                for field in ("success_criteria", "baseline"):
                    if goal[field]:
                        st.caption(GOAL_LABELS[field])
                        st.text(goal[field])
                if goal["target_date"]:
                    st.caption(f"Target date: {goal['target_date']:%Y-%m-%d}")
        with side:
            facts = [goal["kind"]] + ([goal["area"]] if goal["area"] else []) + [f"proposed by {goal['proposed_by']}"]
            st.caption(md(" · ".join(facts)))
            if editable:
                key = f"{prefix}_status"
                keep_in_step(key, goal["status"], goal["version"])
                st.selectbox("Status", [s.value for s in GoalStatus], key=key,
                             on_change=change_goal_status, args=(ctx, goal["id"], goal["version"], goal["status"]))
            else:
                st.markdown(f"Status: **{md(goal['status'])}**")
            if goal["author"]:
                st.caption(f"Last change: {by_line(goal['author'])}")
            if editable and not editing(prefix) and conflict.pending(f"{prefix}_conflict") is None:
                values = {f: goal[f] for f in GOAL_LABELS}
                st.button("Revise wording", key=f"{prefix}_revise", on_click=start_edit,
                          args=(prefix, values, goal["version"]))
        show_error(f"{prefix}_status_error")
        conflict.show(f"{prefix}_status_conflict", labels={"status": "Status"},
                      save=goal_status_saver(ctx, goal["id"]),
                      done=functools.partial(st.session_state.pop, f"{prefix}_status_seen", None))
        if goal["history"]:
            with st.expander(f"Earlier wording ({len(goal['history'])})"):
                st.dataframe(
                    pd.DataFrame([{"Wording": h["statement"], "Success criteria": h["success_criteria"],
                                   "Replaced": h["replaced_at"], "Replaced by": h["replaced_by"]}
                                  for h in reversed(goal["history"])]),
                    hide_index=True, width="stretch",
                )


def revise_form(ctx: Ctx, goal: dict[str, Any], prefix: str) -> None:
    with st.form(f"{prefix}_form", border=False):
        st.text_area("Goal (measurable)", key=f"{prefix}_statement", height=100)
        st.text_area("Success criteria", key=f"{prefix}_success_criteria", height=80)
        st.text_area("Baseline", key=f"{prefix}_baseline", height=80)
        st.date_input("Target date", key=f"{prefix}_target_date", value=None)
        st.caption("The earlier wording is kept in the goal's history.")
        edit_buttons(prefix, tuple(GOAL_LABELS), goal_saver(ctx, goal["id"]), "Goal revised.")
    show_error(f"{prefix}_error")


def goal_status_saver(ctx: Ctx, goal_id: int) -> conflict.Save:
    return lambda values, version: services.set_goal_status(ctx.db, ctx.user.id, goal_id, values["status"], version)


def change_goal_status(ctx: Ctx, goal_id: int, version: int, status: str) -> None:
    prefix = f"plan_goal_{goal_id}"
    values = {"status": st.session_state[f"{prefix}_status"]}
    attempt(f"{prefix}_status_error", "Goal status changed.",
            lambda: conflict.save_or_park(f"{prefix}_status_conflict", goal_status_saver(ctx, goal_id), values,
                                          version, {"status": status}))


def area_choices() -> list[str]:
    return list(services.GIFTED_AREAS)


def add_goal_form(ctx: Ctx) -> None:
    with st.expander("Add a goal", expanded=not ctx.doc["goals"]):
        with st.form("plan_add_goal", border=False):
            kind, area = st.columns(2)
            kind.selectbox("Kind", [k.value for k in GoalKind], key="plan_add_goal_kind")
            area.selectbox("Identification area", area_choices(), index=None, placeholder="(none)",
                           key="plan_add_goal_area")
            st.text_area("Goal (measurable)", key="plan_add_goal_statement", height=100)
            st.text_area("Success criteria", key="plan_add_goal_success_criteria", height=80)
            st.text_area("Baseline", key="plan_add_goal_baseline", height=80)
            st.date_input("Target date", value=None, key="plan_add_goal_target_date")
            st.form_submit_button("Add goal", key="plan_add_goal_submit", type="primary", on_click=add_goal,
                                  args=(ctx,))
        show_error("plan_add_goal_error")


def add_goal(ctx: Ctx) -> None:
    s = st.session_state
    fields = ("statement", "success_criteria", "baseline")
    added = attempt("plan_add_goal_error", "Goal added.", lambda: services.add_goal(
        ctx.db, ctx.user.id, ctx.plan_id, kind=s["plan_add_goal_kind"], area=s["plan_add_goal_area"],
        target_date=s["plan_add_goal_target_date"], **{f: s[f"plan_add_goal_{f}"] or "" for f in fields}))
    if added:
        for f in fields:
            s[f"plan_add_goal_{f}"] = ""


def propose_goal_form(ctx: Ctx) -> None:
    with st.expander("Propose a goal", expanded=not ctx.doc["goals"]):
        with st.form("plan_propose_goal", border=False):
            st.selectbox("Kind", [k.value for k in GoalKind], key="plan_propose_goal_kind")
            st.text_area("The goal, in your words", key="plan_propose_goal_statement", height=100)
            st.text_area("Why this goal?", key="plan_propose_goal_why", height=80)
            st.form_submit_button("Propose", key="plan_propose_goal_submit", type="primary", on_click=propose_goal,
                                  args=(ctx,))
        show_error("plan_propose_goal_error")


def propose_goal(ctx: Ctx) -> None:
    s = st.session_state
    proposed = attempt("plan_propose_goal_error", "Goal proposed: the team will look at it.", lambda: services.propose_goal(
        ctx.db, ctx.user.id, ctx.plan_id, kind=s["plan_propose_goal_kind"],
        statement=s["plan_propose_goal_statement"] or "", why=s["plan_propose_goal_why"] or ""))
    if proposed:
        s["plan_propose_goal_statement"] = s["plan_propose_goal_why"] = ""


# --- progress ------------------------------------------------------------------------------------


def goal_names(ctx: Ctx) -> dict[int, str]:
    """Goal id -> a short one-line name for pickers (plain text: option labels are not markdown)."""
    def short(text: str) -> str:
        line = " ".join(text.split())
        return line if len(line) <= 80 else line[:79] + "…"

    return {g["id"]: short(g["statement"]) for g in ctx.doc["goals"]}


def progress(ctx: Ctx) -> None:
    names = goal_names(ctx)
    if not names:
        st.info("No goals yet, so no progress to record.")
        return
    if ctx.can(Action.RECORD_PROGRESS):
        with st.expander("Record progress"), st.form("plan_progress", border=False):
            st.selectbox("Goal", list(names), format_func=names.get, key="plan_progress_goal")
            on, rating, percent = st.columns(3)
            on.date_input("Date", key="plan_progress_on", max_value=dt.date.today())
            rating.selectbox("Rating", list(RATINGS), format_func=RATINGS.get, index=None,
                             placeholder="(no rating)", key="plan_progress_rating")
            percent.number_input("Percent", min_value=0, max_value=100, value=None, step=1,
                                 key="plan_progress_percent")
            st.text_area("Note", key="plan_progress_note", height=80)
            st.text_input("Evidence link (optional)", key="plan_progress_evidence", placeholder="https://…")
            st.form_submit_button("Record progress", key="plan_progress_submit", type="primary",
                                  on_click=record_progress, args=(ctx,))
        show_error("plan_progress_error")
    progress_report(ctx)
    frame = queries.progress_frame(ctx.doc)
    if frame.empty:
        st.caption("No progress recorded yet.")
        return
    st.subheader("Ratings over time")
    st.caption("1 not yet · 2 beginning · 3 progressing · 4 met. The student's own ratings are shown beside "
               "the staff's.")
    for goal_id, name in names.items():
        rated = frame[(frame.goal_id == goal_id) & frame.rating.notna()]
        if rated.empty:
            continue
        st.text(name)
        st.altair_chart(ratings_chart(rated), width="stretch", key=f"plan_progress_chart_{goal_id}")
    st.subheader("All entries")
    table = frame.assign(
        goal=frame.goal_id.map(names),
        rating=frame.rating.map(lambda r: RATINGS.get(int(r)) if pd.notna(r) else None),
        note=[p["note"] for g in ctx.doc["goals"] for p in g["progress"]],
        evidence=[p["evidence_url"] for g in ctx.doc["goals"] for p in g["progress"]],
    ).sort_values("on", ascending=False)
    st.dataframe(table[["on", "goal", "rating", "percent", "who", "author", "note", "evidence"]], hide_index=True,
                 width="stretch", column_config={"on": "Date", "goal": "Goal", "rating": "Rating",
                                                 "percent": "Percent", "who": "Who", "author": "By",
                                                 "note": "Note",
                                                 # plpcore accepts only http(s) addresses here
                                                 "evidence": st.column_config.LinkColumn("Evidence")})


def progress_report(ctx: Ctx) -> None:
    """The summary sent home at each reporting period: one period's ratings and notes, per goal, as a PDF."""
    periods = {p["name"]: p for p in ctx.doc["periods"]}
    today = dt.date.today()
    started = [name for name, p in periods.items() if p["starts_on"] <= today]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        name = st.selectbox("Progress report for", [*periods, "the whole year so far"], key="plan_report_period",
                            index=len(started) - 1 if started else len(periods), width=300)
        period = periods.get(name)
        student = ctx.doc["student"]
        st.download_button("Progress report (PDF)", functools.partial(documents.progress_report_pdf, ctx.doc, period),
                           key="plan_report_pdf", mime="application/pdf", icon=":material/picture_as_pdf:",
                           file_name=f"progress-{student['local_id']}-{(period or {}).get('name', 'year')}.pdf",
                           on_click="ignore")


def ratings_chart(rated: pd.DataFrame) -> alt.LayerChart:
    """Ratings 1-4 over time: one line per kind of rater, so the student's own sit beside the staff's."""
    data = rated.assign(on=pd.to_datetime(rated.on), rating=rated.rating.astype(int))[["on", "rating", "who", "author"]]
    labels = " : ".join(f"datum.value == {k} ? '{v}'" for k, v in RATINGS.items()) + " : ''"
    raters = alt.Scale(domain=list(RATERS), range=list(RATERS.values()))
    base = alt.Chart(data, height=260).encode(
        x=alt.X("on:T", title=None, axis=alt.Axis(format="%b %d", labelAngle=0, tickCount=6)),
        y=alt.Y("rating:Q", title=None, scale=alt.Scale(domain=[0.8, 4.2]),
                axis=alt.Axis(values=list(RATINGS), labelExpr=labels, grid=True)),
        color=alt.Color("who:N", title="Rated by", scale=raters, legend=alt.Legend(orient="top")),
    )
    points = base.mark_point(filled=True, size=80).encode(
        shape=alt.Shape("who:N", title="Rated by", scale=alt.Scale(domain=list(RATERS))),
        tooltip=[alt.Tooltip("on:T", title="Date"), alt.Tooltip("rating:Q", title="Rating"),
                 alt.Tooltip("who:N", title="Who"), alt.Tooltip("author:N", title="By")],
    )
    return alt.layer(base.mark_line(), points)


def record_progress(ctx: Ctx) -> None:
    s = st.session_state
    rating, percent = s["plan_progress_rating"], s["plan_progress_percent"]
    recorded = attempt("plan_progress_error", "Progress recorded.", lambda: services.record_progress(
        ctx.db, ctx.user.id, s["plan_progress_goal"], on=s["plan_progress_on"],
        rating=rating, percent=None if percent is None else int(percent),
        note=s["plan_progress_note"] or "", evidence_url=s["plan_progress_evidence"] or None))
    if recorded:
        s["plan_progress_note"] = s["plan_progress_evidence"] = ""
        s["plan_progress_rating"] = s["plan_progress_percent"] = None


# --- supports ------------------------------------------------------------------------------------

NEXT_STATUS = {
    SupportStatus.PROPOSED: (("Agree", SupportStatus.AGREED),),
    SupportStatus.AGREED: (("Mark in place", SupportStatus.IN_PLACE),),
    SupportStatus.IN_PLACE: (),
}


def supports(ctx: Ctx) -> None:
    if not ctx.doc["supports"]:
        st.info("No supports yet.")
    manage = ctx.can(Action.MANAGE_SUPPORTS)
    for support in ctx.doc["supports"]:
        support_block(ctx, support, manage)
    if ctx.can(Action.PROPOSE_SUPPORT):
        propose_support_form(ctx)


def owns(ctx: Ctx, support: dict[str, Any]) -> bool:
    if support["owner_user_id"] is not None:
        return support["owner_user_id"] == ctx.user.id
    return support["owner_role"] in ctx.doc["viewer_roles"]


def support_block(ctx: Ctx, support: dict[str, Any], manage: bool) -> None:
    prefix = f"plan_support_{support['id']}"
    with st.container(border=True, key=f"{prefix}_box"):
        st.text(support["description"])
        facts = [support["setting"], f"owner: {support['owner'] or '—'}"]
        facts += [support["frequency"]] if support["frequency"] else []
        facts += [f"from {support['starts_on']:%Y-%m-%d}"] if support["starts_on"] else []
        facts += [f"until {support['ends_on']:%Y-%m-%d}"] if support["ends_on"] else []
        st.caption(md(" · ".join(facts)))
        status = SupportStatus(support["status"])
        ack = " · acknowledged by the owner" if support["acknowledged_at"] else ""
        st.markdown(f"Status: **{md(status)}**{ack}")
        if support["log"]:
            last = support["log"][-1]
            st.caption(f"Done {len(support['log'])} time(s), last on {last['done_on']:%Y-%m-%d}")
        with st.container(horizontal=True):
            if manage and status is not SupportStatus.STOPPED:
                for label, target in NEXT_STATUS[status]:
                    st.button(label, key=f"{prefix}_{target.name.lower()}", on_click=change_support_status,
                              args=(ctx, support["id"], target.value, support["version"], status.value))
                st.button("Stop", key=f"{prefix}_stop", on_click=change_support_status,
                          args=(ctx, support["id"], SupportStatus.STOPPED.value, support["version"], status.value))
            live = status in (SupportStatus.AGREED, SupportStatus.IN_PLACE)
            if live and owns(ctx, support) and not support["acknowledged_at"]:
                st.button("Acknowledge", key=f"{prefix}_acknowledge", on_click=acknowledge_support,
                          args=(ctx, support["id"]))
            if live and ctx.can(Action.LOG_SUPPORT) and (owns(ctx, support) or "specialist" in ctx.doc["viewer_roles"]):
                st.button("Log: done today", key=f"{prefix}_log", on_click=log_support, args=(ctx, support["id"]))
        show_error(f"{prefix}_error")
        conflict.show(f"{prefix}_conflict", labels={"status": "Status"}, save=support_status_saver(ctx, support["id"]))


def support_status_saver(ctx: Ctx, support_id: int) -> conflict.Save:
    return lambda values, version: services.set_support_status(ctx.db, ctx.user.id, support_id, values["status"],
                                                                version)


def change_support_status(ctx: Ctx, support_id: int, target: str, version: int, status: str) -> None:
    prefix = f"plan_support_{support_id}"
    attempt(f"{prefix}_error", f"Support {target}.", lambda: conflict.save_or_park(
        f"{prefix}_conflict", support_status_saver(ctx, support_id), {"status": target}, version, {"status": status}))


def acknowledge_support(ctx: Ctx, support_id: int) -> None:
    attempt(f"plan_support_{support_id}_error", "Support acknowledged.",
            lambda: services.acknowledge_support(ctx.db, ctx.user.id, support_id))


def log_support(ctx: Ctx, support_id: int) -> None:
    attempt(f"plan_support_{support_id}_error", "Logged.",
            lambda: services.log_support(ctx.db, ctx.user.id, support_id))


def propose_support_form(ctx: Ctx) -> None:
    owners = {f"role:{r}": f"Owner: the {r}" for r in OWNER_ROLES} | {f"user:{ctx.user.id}": "Owner: me"}
    with st.expander("Propose a support", expanded=not ctx.doc["supports"]):
        with st.form("plan_support", border=False):
            st.text_area("Support", key="plan_support_description", height=80)
            setting, owner, frequency = st.columns(3)
            setting.selectbox("Setting", [s.value for s in SupportSetting], key="plan_support_setting")
            owner.selectbox("Owner", list(owners), format_func=owners.get, key="plan_support_owner")
            frequency.text_input("Frequency", key="plan_support_frequency", placeholder="weekly")
            starts, ends = st.columns(2)
            starts.date_input("Starts", value=None, key="plan_support_starts")
            ends.date_input("Ends", value=None, key="plan_support_ends")
            st.form_submit_button("Propose support", key="plan_support_submit", type="primary",
                                  on_click=propose_support, args=(ctx,))
        show_error("plan_support_error")


def propose_support(ctx: Ctx) -> None:
    s = st.session_state
    kind, _, value = str(s["plan_support_owner"]).partition(":")
    proposed = attempt("plan_support_error", "Support proposed.", lambda: services.propose_support(
        ctx.db, ctx.user.id, ctx.plan_id, description=s["plan_support_description"] or "",
        setting=s["plan_support_setting"], frequency=s["plan_support_frequency"] or "",
        owner_role=value if kind == "role" else None, owner_user_id=int(value) if kind == "user" else None,
        starts_on=s["plan_support_starts"], ends_on=s["plan_support_ends"]))
    if proposed:
        s["plan_support_description"] = s["plan_support_frequency"] = ""


# --- interventions and assessments ----------------------------------------------------------------


def interventions_assessments(ctx: Ctx) -> None:
    st.subheader("Interventions")
    rows = ctx.doc["interventions"]
    if rows:
        st.dataframe(pd.DataFrame(rows)[["course", "description", "starts_on", "ends_on", "outcome"]],
                     hide_index=True, width="stretch",
                     column_config={"course": "Course or classroom", "description": "Intervention",
                                    "starts_on": "From", "ends_on": "Until", "outcome": "Outcome"})
    else:
        st.caption("No interventions logged.")
    if ctx.can(Action.INTERVENTION):
        with st.expander("Log an intervention"), st.form("plan_intervention", border=False):
            st.text_input("Course or classroom", key="plan_intervention_course")
            st.text_area("Intervention", key="plan_intervention_description", height=80)
            starts, ends = st.columns(2)
            starts.date_input("From", value=None, key="plan_intervention_starts")
            ends.date_input("Until", value=None, key="plan_intervention_ends")
            st.text_area("Outcome", key="plan_intervention_outcome", height=68)
            st.form_submit_button("Log intervention", key="plan_intervention_submit", type="primary",
                                  on_click=log_intervention, args=(ctx,))
        show_error("plan_intervention_error")

    st.subheader("Assessments")
    rows = ctx.doc["assessments"]
    if rows:
        st.dataframe(pd.DataFrame(rows)[["taken_on", "name", "score", "percentile", "note"]], hide_index=True,
                     width="stretch", column_config={"taken_on": "Date", "name": "Assessment", "score": "Score",
                                                     "percentile": "Percentile", "note": "Note"})
    else:
        st.caption("No assessments recorded.")
    if ctx.can(Action.ASSESSMENT):
        with st.expander("Record an assessment"), st.form("plan_assessment", border=False):
            name, taken = st.columns(2)
            name.text_input("Assessment", key="plan_assessment_name", placeholder="CogAT, MAP, state test…")
            taken.date_input("Date", key="plan_assessment_taken_on", max_value=dt.date.today())
            score, percentile = st.columns(2)
            score.text_input("Score", key="plan_assessment_score")
            percentile.number_input("Percentile", min_value=1, max_value=99, value=None, step=1,
                                    key="plan_assessment_percentile")
            st.text_area("Note", key="plan_assessment_note", height=68)
            st.form_submit_button("Record assessment", key="plan_assessment_submit", type="primary",
                                  on_click=record_assessment, args=(ctx,))
        show_error("plan_assessment_error")


def log_intervention(ctx: Ctx) -> None:
    s = st.session_state
    logged = attempt("plan_intervention_error", "Intervention logged.", lambda: services.log_intervention(
        ctx.db, ctx.user.id, ctx.plan_id, course=s["plan_intervention_course"] or "",
        description=s["plan_intervention_description"] or "", starts_on=s["plan_intervention_starts"],
        ends_on=s["plan_intervention_ends"], outcome=s["plan_intervention_outcome"] or ""))
    if logged:
        for f in ("course", "description", "outcome"):
            s[f"plan_intervention_{f}"] = ""


def record_assessment(ctx: Ctx) -> None:
    s = st.session_state
    percentile = s["plan_assessment_percentile"]
    recorded = attempt("plan_assessment_error", "Assessment recorded.", lambda: services.record_assessment(
        ctx.db, ctx.user.id, ctx.student_id, name=s["plan_assessment_name"] or "",
        taken_on=s["plan_assessment_taken_on"], score=s["plan_assessment_score"] or "",
        percentile=None if percentile is None else int(percentile), note=s["plan_assessment_note"] or ""))
    if recorded:
        for f in ("name", "score", "note"):
            s[f"plan_assessment_{f}"] = ""
        s["plan_assessment_percentile"] = None


# --- notes ------------------------------------------------------------------------------------------

NOTE_FORM = {"guardian": "Add a home note", "student": "Add a reflection"}


def notes(ctx: Ctx) -> None:
    names = goal_names(ctx)
    if ctx.can(Action.ADD_NOTE):
        strongest = next((r for r in ("specialist", "admin", "teacher", "guardian", "student")
                          if r in ctx.doc["viewer_roles"]), "")
        title = NOTE_FORM.get(strongest, "Add a comment")
        with st.expander(title, expanded=strongest in NOTE_FORM), st.form("plan_note", border=False):
            st.text_area("Note", key="plan_note_text", height=100)
            st.selectbox("About a goal (optional)", list(names), format_func=names.get, index=None,
                         placeholder="(the whole plan)", key="plan_note_goal")
            st.form_submit_button("Add note", key="plan_note_submit", type="primary", on_click=add_note, args=(ctx,))
        show_error("plan_note_error")
    if not ctx.doc["notes"]:
        st.caption("No notes yet.")
    for note in reversed(ctx.doc["notes"]):
        with st.container(border=True):
            about = f" · on the goal “{names[note['goal_id']]}”" if note["goal_id"] in names else ""
            who = f"{note['author'] or 'someone'} ({note['author_role']})"
            st.caption(md(f"{note['kind']} · {who} · {note['at']:%Y-%m-%d %H:%M}{about}"))
            if note["prompt"]:
                st.caption(md(note["prompt"]))
            st.text(note["text"])


def add_note(ctx: Ctx) -> None:
    s = st.session_state
    added = attempt("plan_note_error", "Note added.", lambda: services.add_note(
        ctx.db, ctx.user.id, ctx.plan_id, s["plan_note_text"] or "", goal_id=s["plan_note_goal"]))
    if added:
        s["plan_note_text"] = ""


# --- history ------------------------------------------------------------------------------------------


def history(ctx: Ctx) -> None:
    frame = queries.history(ctx.db, ctx.user.id, ctx.student_id)
    if frame.empty:
        st.caption("No changes recorded yet.")
        return
    st.caption("Who changed what, and when (newest first).")
    frame["entity"] = frame["entity"].str.replace("_", " ")
    st.dataframe(frame, height=460, hide_index=True, width="stretch",
                 column_config={"at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
                                "who": "Who", "action": "Did", "entity": "What", "field": "Field",
                                "old": "Before", "new": "After"})


if __name__ == "__main__":  # opened by URL on a fresh server: see common.run_entrypoint_instead
    from pages.common import run_entrypoint_instead

    run_entrypoint_instead()
