"""Home, by role: a specialist's caseload triage, a teacher's supports and students, a parent's
child at a glance, a student's own goals. Every row comes from plpcore, which checks the links."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from pages import plan
from pages.common import (
    SignedIn,
    StateKeys,
    act,
    database,
    md,
    open_meeting,
    open_plan,
    require_user,
    schedule_meeting,
    show_error,
)
from plpcore import queries, services
from plpcore.errors import InvalidInput, PlanTableError

STUDENT_PARAM = "student"  # ?student=<id> opens a parent's home on one child
RATING_LABELS = {1: "1 · not yet", 2: "2 · beginning", 3: "3 · progressing", 4: "4 · met"}
CLOSED_GOALS = ("revised", "discontinued")
# Questions a parent can ask at home about any goal (SPEC §4, Home check-in).
CHECK_IN_PROMPTS = (
    "Why did you choose this goal?",
    "How can we support you at home?",
    "What is getting in the way?",
)


def render() -> None:
    user = require_user()
    db = database()
    meetings = _my_meetings(db, user)
    _meetings_now([m for m in meetings if m["status"] == "in progress"])
    _records_to_sign(db, user)
    if user.kind in ("specialist", "admin"):
        _caseload(db, user)
    elif user.kind == "teacher":
        _teacher(db, user)
    elif user.kind == "guardian":
        _parent(db, user)
    else:
        _student(db, user)
    _upcoming_meetings([m for m in meetings if m["status"] != "in progress"])


# --- meetings: one running now comes first, scheduled ones at the end ------------------------------

def _my_meetings(db, user: SignedIn) -> list[dict]:
    try:
        return queries.upcoming_meetings(db, user.id)
    except PlanTableError:
        return []


def _meeting_row(meeting: dict, *, running: bool) -> None:
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        when = f"{meeting['scheduled_at']:%a %b %d, %H:%M}"
        st.markdown(md(f"{meeting['student']} · {meeting['kind']} · {when}")
                    + (" · :green[**in progress now**]" if running else ""))
        if st.button("Join the meeting" if running else "Open", key=f"home_meeting_{meeting['id']}",
                     type="primary" if running else "secondary", icon=":material/groups:"):
            open_meeting(meeting["id"])


def _meetings_now(running: list[dict]) -> None:
    """A meeting in progress is what a person came for: it sits above everything else."""
    for meeting in running:
        _meeting_row(meeting, running=True)


def _records_to_sign(db, user: SignedIn) -> None:
    """A finalized meeting I attended and have not signed: reading and signing its record is a click away."""
    try:
        records = queries.records_to_sign(db, user.id)
    except PlanTableError:
        return
    for record in records:
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            st.markdown(md(f"The record of {record['student']}'s {record['kind']} on "
                           f"{record['scheduled_at']:%b %d} is ready for you to read and sign."))
            if st.button("Read and sign", key=f"home_sign_{record['id']}", icon=":material/draw:"):
                open_meeting(record["id"])


def _upcoming_meetings(scheduled: list[dict]) -> None:
    """The next few meetings on my students' plans, each with a button to open its room."""
    if scheduled:
        st.subheader("Upcoming meetings")
    for meeting in scheduled[:5]:
        _meeting_row(meeting, running=False)


# --- specialist: caseload triage ----------------------------------------------------------------

def _caseload_columns() -> dict:
    """The triage table: who needs attention first, then the facts behind it."""
    return {
        "name": st.column_config.TextColumn("Student", width="medium"),
        "flags": st.column_config.TextColumn("Needs attention", width="large"),
        "grade": st.column_config.NumberColumn("Grade", width="small"),
        "plan": st.column_config.TextColumn("Plan", width="small"),
        "achievement_goals": st.column_config.NumberColumn(
            "Achievement", help="Achievement goals on this year's plan (not counting closed ones)"),
        "affective_goals": st.column_config.NumberColumn(
            "Affective", help="Affective (social-emotional) goals on this year's plan"),
        "last_progress": st.column_config.DateColumn("Last progress", format="MMM D"),
        "next_meeting": st.column_config.DatetimeColumn("Next meeting", format="MMM D, h:mm a"),
        "parent_acknowledged": st.column_config.DatetimeColumn("Parent read plan", format="MMM D"),
        "last_home_note": st.column_config.DatetimeColumn(
            "Last from home", format="MMM D", help="The latest home check-in note from a parent"),
    }


def _caseload(db, user: SignedIn) -> None:
    whole_school = user.kind == "admin"
    st.title("Whole school" if whole_school else "My caseload")
    if user.is_admin and user.kind != "admin":
        whole_school = st.toggle("Show the whole school", key="home_whole_school")
    try:
        frame = queries.caseload(db, user.id, whole_school=whole_school)
    except PlanTableError as exc:
        show_error(exc)
        return
    if frame.empty:
        st.info("No students yet. Add students and link them on the Admin page.")
        return

    flagged = frame[frame["flags"] != ""]
    counts = {flag: int(frame[flag].sum()) for flag in queries.FLAGS}
    students, attention = st.columns(2)
    students.metric("Students", len(frame))
    attention.metric("Need attention", len(flagged))

    search, flags = st.columns([1, 2])
    query = search.text_input("Find a student", key="home_search", placeholder="Name or student id")
    chosen = flags.multiselect(
        "Show only students flagged for",
        list(queries.FLAGS),
        format_func=lambda f: f"{queries.FLAG_LABELS[f]} ({counts[f]})",
        key="home_flags",
    )
    shown = frame
    if query.strip():
        needle = query.strip().casefold()
        shown = shown[shown["name"].str.casefold().str.contains(needle, regex=False)
                      | shown["local_id"].str.casefold().str.contains(needle, regex=False)]
    for flag in chosen:
        shown = shown[shown[flag]]
    # Students who need attention first, most flags first; then by name.
    shown = shown.assign(
        plan=[f"{k} · {s}" if isinstance(k, str) else "no plan"
              for k, s in zip(shown.plan_kind, shown.plan_status, strict=True)],
        _flag_count=shown[list(queries.FLAGS)].sum(axis=1),
    ).sort_values(["_flag_count", "name"], ascending=[False, True])

    st.caption(f"{len(shown)} of {len(frame)} students. Click a row to open the student's plan.")
    columns = _caseload_columns()
    event = st.dataframe(
        shown[list(columns)],
        column_config=columns,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(shown), 560),
        placeholder="—",
        on_select="rerun",
        selection_mode="single-row",
        key="home_caseload",
    )
    if event.selection.rows:
        row = shown.iloc[event.selection.rows[0]]
        open_plan(row.student_id, _or_none(row.plan_id))

    pick, download = st.columns([2, 1], vertical_alignment="bottom")
    with pick:
        _plan_picker(shown, schedule=True)
    download.download_button(
        "Export caseload (CSV)",
        shown.drop(columns=["_flag_count"]).to_csv(index=False).encode(),
        file_name=f"caseload-{dt.date.today():%Y-%m-%d}.csv",
        mime="text/csv",
        key="home_download",
        width="stretch",
    )


def _or_none(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _plan_picker(students: pd.DataFrame, label: str = "Open a student's plan", *, schedule: bool = False) -> None:
    """A list and a button: the keyboard's (and a test's) way into a plan, or to schedule a meeting."""
    students = students.drop_duplicates("student_id")
    names = {int(i): name for i, name in zip(students.student_id, students["name"], strict=True)}
    plans = {int(i): plan for i, plan in zip(students.student_id, students.plan_id, strict=True)}
    left, right = st.columns([3, 2 if schedule else 1], vertical_alignment="bottom")
    student_id = left.selectbox(label, list(names), format_func=lambda i: names[i], index=None,
                                placeholder="Choose a student", key="home_open_student")
    with right.container(horizontal=True):
        if st.button("Open plan", key="home_open_plan", disabled=student_id is None):
            open_plan(student_id, _or_none(plans[student_id]))
        if schedule and st.button("Schedule a meeting", key="home_schedule", disabled=student_id is None):
            schedule_meeting(student_id)


# --- teacher: the supports I owe, my students -----------------------------------------------------


def _teacher(db, user: SignedIn) -> None:
    st.title("Home")
    st.subheader("Supports I owe")
    try:
        owed = queries.supports_owed(db, user.id)
        students = queries.my_students(db, user.id)
    except PlanTableError as exc:
        show_error(exc)
        return
    if owed.empty:
        st.info("No agreed support names you right now.")
    else:
        overdue = int(owed.overdue.sum())
        st.caption(f"{len(owed)} supports, {overdue} due now. Mark each one as seen, and log it when you give it.")
        for support in owed.sort_values(["overdue", "student"], ascending=[False, True]).itertuples():
            _support_card(db, user, support)

    st.subheader("My students")
    if students.empty:
        st.info("No students are linked to you yet.")
        return
    st.dataframe(
        students[["name", "grade", "relationship", "course"]],
        column_config={"name": "Student", "grade": "Grade", "relationship": "I am their", "course": "Course"},
        hide_index=True,
        width="stretch",
    )
    _plan_picker(students)


def _support_card(db, user: SignedIn, support) -> None:
    support_id = int(support.support_id)
    with st.container(border=True):
        text, actions = st.columns([3, 2])
        with text:
            st.markdown(f"**{md(support.student)}**" + ("  :orange-badge[due now]" if support.overdue else ""))
            st.text(support.description)
            given = (f"given {support.times_done} time(s), last on {support.last_done:%b %d}" if support.times_done
                     else "not given yet")
            st.caption(md(f"{support.setting} · {support.frequency or 'as needed'} · {given}"))
        with actions:
            if support.acknowledged:
                st.caption("You have acknowledged this support.")
            else:
                st.button("Acknowledge: I'll do this", key=f"home_ack_{support_id}",
                          help="Tells the team you have seen this support and will give it",
                          on_click=act, args=(services.acknowledge_support, db, user.id, support_id),
                          kwargs={"done": "Support acknowledged."})
            st.text_input("Note (optional)", key=f"home_note_{support_id}", max_chars=2000)
            st.button("Log: given today", key=f"home_log_{support_id}", type="primary",
                      on_click=_log_support, args=(db, user.id, support_id))


def _log_support(db, user_id: int, support_id: int) -> None:
    note = st.session_state.get(f"home_note_{support_id}", "")
    act(services.log_support, db, user_id, support_id, note=note, done="Logged for today.")
    if StateKeys.ERROR not in st.session_state:
        st.session_state[f"home_note_{support_id}"] = ""


# --- parent: my child's plan at a glance -------------------------------------------------------------


def _parent(db, user: SignedIn) -> None:
    try:
        mine = queries.my_students(db, user.id)
    except PlanTableError as exc:
        show_error(exc)
        return
    children = mine[mine.relationship == "guardian"].drop_duplicates("student_id")
    if children.empty:
        st.title("Home")
        st.info("No student is linked to your account yet. Ask your child's school to link you.")
        return
    names = {int(i): name for i, name in zip(children.student_id, children["name"], strict=True)}
    requested = _requested_child(list(names))
    try:
        summary = queries.student_summary(db, user.id, requested)
        plan_id = _current_plan(summary)
        doc = queries.student_plan(db, user.id, plan_id) if plan_id else None
    except PlanTableError as exc:  # someone else's child, by URL or session: plpcore refuses and audits
        st.title("Home")
        _child_switch(names, requested)
        show_error(exc)
        return
    st.title(md(f"{summary['name']} at a glance"))
    _child_switch(names, requested)
    if doc is None:
        st.caption(md(f"Grade {summary['grade']}"))
        st.info("There is no plan for this school year yet.")
        return
    plan = doc["plan"]
    st.caption(md(f"Grade {summary['grade']} · {plan['kind']} {plan['year']} · {plan['status']}"))
    _acknowledgement(db, user, doc)
    st.subheader("Goals, and a check-in at home for each")
    _goal_cards(doc, own=f"{summary['first_name']}'s own rating", team="Team's rating", check_in=user)
    _home_supports(db, user, doc)
    if st.button("Open the full plan", key="home_open_plan", icon=":material/description:"):
        open_plan(summary["id"], plan_id)


def _home_supports(db, user: SignedIn, doc: dict) -> None:
    """Supports at home: the agreed ones (a parent logs the ones they own), and one they offer to do."""
    st.subheader("Supports at home")
    home = [x for x in doc["supports"] if x["setting"] == "home" and x["status"] != "stopped"]
    for support in home:
        mine = support["owner_user_id"] == user.id or (support["owner_user_id"] is None
                                                        and support["owner_role"] == "guardian")
        with st.container(border=True):
            text, action = st.columns([3, 1], vertical_alignment="center")
            text.text(support["description"])
            status = "offered: the team will agree it" if support["status"] == "proposed" else support["status"]
            done = support["log"][-1]["done_on"] if support["log"] else None
            text.caption(md(" · ".join(x for x in (support["frequency"], "by you" if mine else support["owner"], status,
                                                   f"last done {done:%b %d}" if done else "") if x)))
            if mine and support["status"] in ("agreed", "in place"):
                action.button("We did this today", key=f"home_did_{support['id']}", on_click=act,
                              args=(services.log_support, db, user.id, support["id"]),
                              kwargs={"done": "Logged for today. Thank you."})
    with st.expander("Offer a support at home"), st.form("home_offer_support", clear_on_submit=True, border=False):
        st.text_input("What you will do at home", key="home_offer_text", max_chars=2000,
                      placeholder="Twenty minutes of reading together after dinner")
        st.text_input("How often", key="home_offer_often", max_chars=100, placeholder="Weekly")
        st.form_submit_button("Offer it to the team", key="home_offer_submit", type="primary",
                              on_click=_offer_support, args=(db, user.id, doc["plan"]["id"]))


def _offer_support(db, user_id: int, plan_id: int) -> None:
    act(services.propose_support, db, user_id, plan_id, description=st.session_state.get("home_offer_text", ""),
        setting="home", owner_user_id=user_id, frequency=st.session_state.get("home_offer_often", ""),
        done="Thank you. The team will look at it and agree it with you.")


def _child_switch(names: dict[int, str], current: Any) -> None:
    if len(names) > 1:
        st.radio("Your children", list(names), format_func=names.get, horizontal=True, key="home_child",
                 index=list(names).index(current) if current in names else None, on_change=_choose_child)


def _requested_child(children: list[int]) -> Any:
    """The child asked for by URL or earlier choice (checked by plpcore), else the first."""
    requested = st.query_params.get(STUDENT_PARAM)
    if requested is None:
        requested = st.session_state.get(StateKeys.STUDENT_ID)
    if requested is None:
        return children[0]
    try:
        return int(requested)
    except (TypeError, ValueError):
        return requested  # plpcore says "not found" to anything that is not an id


def _choose_child() -> None:
    st.session_state[StateKeys.STUDENT_ID] = st.session_state.home_child
    st.session_state[StateKeys.PLAN_ID] = None
    st.query_params.pop(STUDENT_PARAM, None)


def _current_plan(summary: dict) -> int | None:
    current = [p for p in summary["plans"] if p["is_current"] and p["status"] != "archived"]
    return current[0]["id"] if current else None


def _acknowledgement(db, user: SignedIn, doc: dict) -> None:
    mine = [a for a in doc["acknowledgements"] if a["user"] == user.name]
    latest = max(mine, key=lambda a: a["at"]) if mine else None
    with st.container(border=True):
        # The acknowledgement records the revision it read, and is itself a write that moves it by one.
        if latest and latest["revision"] + 1 >= doc["plan"]["revision"]:
            st.write(f"You confirmed reading this plan on {latest['at']:%B %d}.")
            return
        if latest:
            st.write(f"The plan has changed since you read it on {latest['at']:%B %d}.")
        else:
            st.write("Have you read the plan? Let the team know.")
        st.button("I have read the plan", key="home_ack_plan", on_click=act,
                  args=(services.acknowledge_plan, db, user.id, doc["plan"]["id"]),
                  kwargs={"done": "Thank you. The team can see that you read the plan."})


def _goal_cards(doc: dict, *, own: str, team: str, check_in: SignedIn | None = None,
                rate_as: SignedIn | None = None) -> None:
    goals = [g for g in doc["goals"] if g["status"] not in CLOSED_GOALS]
    if not goals:
        st.info("No goals yet.")
        return
    for goal in goals:
        with st.container(border=True):
            st.markdown(f"**{md(goal['statement'])}**")
            target = f" · by {goal['target_date']:%b %d}" if goal["target_date"] else ""
            st.caption(md(f"{goal['kind']} goal · {goal['status']}{target}"))
            own_ratings = [p for p in goal["progress"] if p["author_role"] == "student" and p["rating"]]
            staff = [p for p in goal["progress"]
                     if p["author_role"] in ("specialist", "teacher", "admin") and p["rating"]]
            says = st.columns(3 if check_in is not None else 2)
            says[0].write(md(f"{own}: {_latest(own_ratings)}"))
            says[1].write(md(f"{team}: {_latest(staff)}"))
            if check_in is not None:
                home = [p for p in goal["progress"] if p["author_role"] == "guardian" and p["rating"]]
                says[2].write(f"From home: {_latest(home)}")
                _check_in_form(check_in, goal["id"])
            if rate_as is not None:
                rated = queries.progress_frame({"goals": [goal]}).dropna(subset=["rating"])
                if len(rated) > 1:
                    st.altair_chart(plan.ratings_chart(rated).properties(height=200), width="stretch",
                                    key=f"home_chart_{goal['id']}")
                _rating_form(rate_as, goal["id"])


def _check_in_form(user: SignedIn, goal_id: int) -> None:
    with st.expander("Check in at home"), st.form(f"home_check_in_{goal_id}", clear_on_submit=True, border=False):
        st.radio("Ask your child", CHECK_IN_PROMPTS, key=f"home_check_in_prompt_{goal_id}")
        st.text_area("What they said, or a note for the team", key=f"home_check_in_note_{goal_id}", max_chars=4000,
                     height=80)
        st.radio("How is it going, from home? (optional)", list(RATING_LABELS), format_func=RATING_LABELS.get,
                 horizontal=True, index=None, key=f"home_check_in_rating_{goal_id}")
        st.form_submit_button("Send to the team", key=f"home_check_in_send_{goal_id}", type="primary",
                              on_click=_send_check_in, args=(user.id, goal_id))


def _send_check_in(user_id: int, goal_id: int) -> None:
    s = st.session_state
    act(services.check_in_at_home, database(), user_id, goal_id, prompt=s.get(f"home_check_in_prompt_{goal_id}", ""),
        note=s.get(f"home_check_in_note_{goal_id}", ""), rating=s.get(f"home_check_in_rating_{goal_id}"),
        done="Thank you. Your check-in is on the plan for the team to see.")


def _latest(entries: list[dict]) -> str:
    if not entries:
        return "none yet"
    entry = entries[-1]
    return f"{RATING_LABELS[entry['rating']]} ({entry['on']:%b %d})"


# --- student: my goals ----------------------------------------------------------------------------


def _student(db, user: SignedIn) -> None:
    st.title("My goals")
    try:
        mine = queries.my_students(db, user.id)
        own = mine[mine.relationship == "student"]
        plan_id = _or_none(own.plan_id.iloc[0]) if not own.empty else None
        doc = queries.student_plan(db, user.id, plan_id) if plan_id else None
    except PlanTableError as exc:
        show_error(exc)
        return
    if doc is None:
        st.info("You don't have a plan for this school year yet.")
        return
    st.caption("How are you doing on each goal? Rate yourself: your rating sits next to your team's.")
    _goal_cards(doc, own="My last rating", team="My team's rating", rate_as=user)
    ctx = plan.Ctx(db, user, doc)
    plan.propose_goal_form(ctx)
    with st.expander("About me: answer in your own words"):
        plan.profile(ctx)
    if st.button("Open my whole plan", key="home_open_plan", icon=":material/description:"):
        open_plan(doc["student"]["id"], plan_id)


def _rating_form(user: SignedIn, goal_id: int) -> None:
    with st.form(f"home_rate_form_{goal_id}", clear_on_submit=True, border=False):
        st.radio("My rating", list(RATING_LABELS), format_func=RATING_LABELS.get, horizontal=True,
                 index=None, key=f"home_rate_{goal_id}")
        note, evidence = st.columns([3, 2])
        note.text_input("What I did, or what's hard (optional)", key=f"home_rate_note_{goal_id}", max_chars=4000)
        evidence.text_input("Link to my work (optional)", key=f"home_rate_evidence_{goal_id}", max_chars=2000,
                            placeholder="https://…")
        st.form_submit_button("Save my rating", key=f"home_rate_save_{goal_id}", on_click=_save_rating,
                              args=(user.id, goal_id))


def _save_rating(user_id: int, goal_id: int) -> None:
    rating = st.session_state.get(f"home_rate_{goal_id}")
    if rating is None:
        st.session_state[StateKeys.ERROR] = str(InvalidInput("rating", "choose a rating from 1 to 4."))
        return
    act(services.record_progress, database(), user_id, goal_id, rating=rating,
        note=st.session_state.get(f"home_rate_note_{goal_id}", ""),
        evidence_url=st.session_state.get(f"home_rate_evidence_{goal_id}") or None, done="Your rating is saved.")


if __name__ == "__main__":  # opened by URL on a fresh server: see common.run_entrypoint_instead
    from pages.common import run_entrypoint_instead

    run_entrypoint_instead()
