"""A parent's home: one child's current plan at a glance, a check-in at home on each goal, and the supports at home.

Which child is the URL's to say (?student=<id>, checked by plpcore); without it, the first.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from plpcore import queries, services
from plpcore.db import Database
from plpcore.errors import PlanTableError
from plpcore.shapes import PlanDoc, Support
from ui import routes
from ui.feedback import into_view, md, show_error, show_exception, write
from ui.home.cards import goal_cards
from ui.session import SignedIn
from ui.words import RATING_LABELS

CHILD = "student"  # the URL parameter that names the child
SWITCH = "home_child"  # the child switch of a parent with several children (one per child shown)
SWITCH_DRAWN = "home_child_drawn"  # the child whose switch is on screen
SENT = "home_check_in_sent"  # the goal whose check-in was just sent: its card thanks the parent
# Questions a parent can ask at home about any goal (SPEC §4, Home check-in).
CHECK_IN_PROMPTS = (
    "Why did you choose this goal?",
    "How can we support you at home?",
    "What is getting in the way?",
)


def show(db: Database, user: SignedIn, top: Callable[[], None]) -> None:
    """One child at a glance; `top` draws what comes right under the title (today's meetings)."""
    try:
        mine = queries.my_students(db, user.id)
    except PlanTableError as exc:
        show_exception(exc)
        return
    children = mine.loc[mine.relationship == "guardian"].drop_duplicates("student_id")
    if children.empty:
        st.title("Home", anchor=False)
        top()
        st.info("No student is linked to your account yet. Ask your child's school to link you.")
        return
    names = {int(i): str(name) for i, name in zip(children.student_id, children["name"], strict=True)}
    asked = routes.asked(CHILD)
    child = next(iter(names)) if asked is None else asked
    try:
        summary = queries.student_summary(db, user.id, child)
        plan_id = summary["current_plan_id"]
        doc = queries.student_plan(db, user.id, plan_id) if plan_id is not None else None
    except PlanTableError as exc:  # someone else's child, or no child at all: plpcore refuses and audits
        st.title("Home", anchor=False)
        _child_switch(names, child)
        top()
        show_exception(exc)
        return
    st.title(md(f"{summary['name']} at a glance"), anchor=False)
    plan = doc["plan"] if doc is not None else None
    st.caption(md(f"Grade {summary['grade']}" + (f" · {plan['kind']} {plan['year']} · {plan['status']}" if plan else "")))
    _child_switch(names, child)
    top()
    if doc is None:
        st.info("There is no plan for this school year yet.")
        return
    _acknowledgement(db, user, doc)
    st.header("Goals, and a check-in at home for each", anchor=False)
    goal_cards(doc, own=f"{summary['first_name']}'s own rating", team="Team's rating", from_home=True,
               below=lambda goal, _rated: _check_in_form(db, user, goal["id"]))
    _home_supports(db, user, doc)
    if st.button("Open the full plan", key="home_open_plan", icon=":material/description:"):
        routes.open_plan(summary["id"], plan_id)


def _child_switch(names: dict[int, str], shown: int) -> None:
    """With several children, a switch; it shows the child the URL names, and choosing one puts it there.

    The URL may change under it (the back button, a link), so the switch is drawn anew for each
    child shown (its key names the child) and only the one on screen may act, as ui.editing.row_picker
    does: a poll tick sent before the browser drew the newer page still carries the older switch's
    value, and read as a choice it would send the parent back to the child they just left.
    """
    if len(names) > 1:
        st.session_state[SWITCH_DRAWN] = shown
        key = f"{SWITCH}_{shown}"
        st.session_state[key] = shown if shown in names else None  # the URL's child, whatever was chosen on it before
        st.radio("Your children", list(names), format_func=lambda i: md(names[i]), horizontal=True, index=None, key=key,
                 on_change=_switched, args=(key, shown))


def _switched(key: str, shown: int) -> None:
    if st.session_state.get(SWITCH_DRAWN) == shown:  # else: a tick from a switch since replaced
        routes.choose(CHILD, st.session_state.get(key))


def _acknowledgement(db: Database, user: SignedIn, doc: PlanDoc) -> None:
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
        st.button("I have read the plan", key="home_ack_plan", on_click=_acknowledge,
                  args=(db, user.id, doc["plan"]["id"]))


def _acknowledge(db: Database, user_id: int, plan_id: int) -> None:
    write(services.acknowledge_plan, db, user_id, plan_id, done="Thank you. The team can see that you read the plan.")


def _did_today(db: Database, user_id: int, support_id: int) -> None:
    write(services.log_support, db, user_id, support_id, done="Logged for today. Thank you.")


def _check_in_form(db: Database, user: SignedIn, goal_id: int) -> None:
    """The goal's check-in, or, just after it was sent, the thank-you in its place: a message at the
    top of the page would be out of sight on a phone, and would shift every card under it."""
    form = f"home_check_in_{goal_id}"
    if st.session_state.get(SENT) == goal_id:
        with st.container(key=f"home_check_in_sent_{goal_id}"):
            st.success("Thank you. Your check-in is on the plan for the team to see.", icon=":material/check:")
        if st.session_state.pop(f"{SENT}_new", False):  # just now: bring it into view, once
            into_view(f"home_check_in_sent_{goal_id}")
        return
    with st.expander("Check in at home", key=f"home_check_in_open_{goal_id}"), st.form(form, border=False):
        st.radio("Ask your child", CHECK_IN_PROMPTS, key=f"home_check_in_prompt_{goal_id}")
        st.text_area("What they said, or a note for the team", key=f"home_check_in_note_{goal_id}", max_chars=4000, height=80)
        st.radio("How is it going, from home? (optional)", list(RATING_LABELS), format_func=RATING_LABELS.__getitem__,
                 horizontal=True, index=None, key=f"home_check_in_rating_{goal_id}")
        show_error(form)  # a refusal keeps what was typed, and says why right here
        st.form_submit_button("Send to the team", key=f"home_check_in_send_{goal_id}", type="primary",
                              on_click=_send_check_in, args=(db, user.id, goal_id))


def _send_check_in(db: Database, user_id: int, goal_id: int) -> None:
    s, form = st.session_state, f"home_check_in_{goal_id}"
    keys = [f"home_check_in_{field}_{goal_id}" for field in ("prompt", "note", "rating")]
    if write(services.check_in_at_home, db, user_id, goal_id, prompt=s.get(keys[0], ""), note=s.get(keys[1], ""),
             rating=s.get(keys[2]), where=form, clear=keys):
        s[SENT], s[f"{SENT}_new"] = goal_id, True


def _home_supports(db: Database, user: SignedIn, doc: PlanDoc) -> None:
    """Supports at home: the agreed ones (a parent logs the ones plpcore says they may), and one they offer to do."""
    st.header("Supports at home", anchor=False)
    for support in doc["supports"]:
        if support["setting"] == "home" and support["status"] != "stopped":
            _home_support(db, user, support)
    with st.expander("Offer a support at home"), st.form("home_offer_support", border=False):
        st.text_input("What you will do at home", key="home_offer_text", max_chars=2000,
                      placeholder="Twenty minutes of reading together after dinner")
        st.text_input("How often", key="home_offer_often", max_chars=100, placeholder="Weekly")
        show_error("home_offer_support")
        st.form_submit_button("Offer it to the team", key="home_offer_submit", type="primary",
                              on_click=_offer_support, args=(db, user.id, doc["plan"]["id"]))


def _home_support(db: Database, user: SignedIn, support: Support) -> None:
    with st.container(border=True):
        text, action = st.columns([3, 1], vertical_alignment="center")
        text.text(support["description"])
        status = "offered: the team will agree it" if support["status"] == "proposed" else support["status"]
        done = support["log"][-1]["done_on"] if support["log"] else None
        who = "by you" if support.get("mine") else support["owner"]
        text.caption(md(" · ".join(x for x in (support["frequency"], who, status,
                                               f"last done {done:%b %d}" if done else "") if x)))
        if support.get("may_log"):
            action.button("We did this today", key=f"home_did_{support['id']}", on_click=_did_today,
                          args=(db, user.id, support["id"]))


def _offer_support(db: Database, user_id: int, plan_id: int) -> None:
    write(services.propose_support, db, user_id, plan_id, description=st.session_state.get("home_offer_text", ""),
          setting="home", owner_user_id=user_id, frequency=st.session_state.get("home_offer_often", ""),
          done="Thank you. The team will look at it and agree it with you.", where="home_offer_support",
          clear=("home_offer_text", "home_offer_often"))
