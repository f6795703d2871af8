"""A plan's goals: each with its wording, status and earlier wording; revising, adding and proposing goals."""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd
import streamlit as st

from plpcore import services, shapes
from plpcore.access import Action
from plpcore.models import GoalKind, GoalStatus
from ui import editing
from ui.feedback import md, show_error, write
from ui.plan.context import Ctx
from ui.words import by_line

GOAL_LABELS = {"statement": "Goal", "success_criteria": "Success criteria", "baseline": "Baseline",
               "target_date": "Target date"}


def goals(ctx: Ctx) -> None:
    if not ctx.doc["goals"]:
        st.info("No goals yet.")
    for goal in ctx.doc["goals"]:
        goal_block(ctx, goal)
    if ctx.can(Action.EDIT_GOALS):
        add_goal_form(ctx)
    elif ctx.can(Action.PROPOSE_GOAL):
        propose_goal_form(ctx)


def goal_names(ctx: Ctx) -> dict[int, str]:
    """Goal id -> a short one-line name for pickers (plain text: option labels are not markdown)."""
    def short(text: str) -> str:
        line = " ".join(text.split())
        return line if len(line) <= 80 else line[:79] + "…"

    return {g["id"]: short(g["statement"]) for g in ctx.doc["goals"]}


def goal_block(ctx: Ctx, goal: shapes.Goal) -> None:
    prefix = f"plan_goal_{goal['id']}"
    editable = ctx.can(Action.EDIT_GOALS)
    with st.container(border=True, key=f"{prefix}_box"):
        main, side = st.columns([3, 1])
        with main:
            shown = editing.show(f"{prefix}_conflict", labels=GOAL_LABELS, save=goal_saver(ctx, goal["id"]),
                                 done=functools.partial(editing.close_edit, prefix))
            if not shown and editable and editing.editing(prefix):
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
            if goal["carried_from"]:
                facts.append(f"continued from {goal['carried_from']}")
            st.caption(md(" · ".join(facts)))
            if editable:
                editing.status_picker(st, "Status", [s.value for s in GoalStatus], prefix=f"{prefix}_status",
                                      stored=goal["status"], version=goal["version"],
                                      save=goal_status_saver(ctx, goal["id"]), message="Goal status changed.")
            else:
                st.markdown(f"Status: **{md(goal['status'])}**")
            if goal["author"]:
                st.caption(f"Last change: {by_line(goal['author'])}")
            if editable and not editing.editing(prefix) and editing.pending(f"{prefix}_conflict") is None:
                values = {f: goal[f] for f in GOAL_LABELS}
                st.button("Revise wording", key=f"{prefix}_revise", on_click=editing.start_edit,
                          args=(prefix, values, goal["version"]))
        show_error(f"{prefix}_status")
        editing.show(f"{prefix}_status_conflict", labels={"status": "Status"}, save=goal_status_saver(ctx, goal["id"]))
        if goal["history"]:
            with st.expander(f"Earlier wording ({len(goal['history'])})"):
                st.dataframe(
                    pd.DataFrame([{"Wording": h["statement"], "Success criteria": h["success_criteria"],
                                   "Replaced": h["replaced_at"], "Replaced by": h["replaced_by"]}
                                  for h in reversed(goal["history"])]),
                    hide_index=True, width="stretch",
                )


def revise_form(ctx: Ctx, goal: shapes.Goal, prefix: str) -> None:
    with st.form(f"{prefix}_form", border=False):
        st.text_area("Goal (measurable)", key=f"{prefix}_statement", height=100)
        st.text_area("Success criteria", key=f"{prefix}_success_criteria", height=80)
        st.text_area("Baseline", key=f"{prefix}_baseline", height=80)
        st.date_input("Target date", key=f"{prefix}_target_date", value=None)
        st.caption("The earlier wording is kept in the goal's history.")
        editing.edit_buttons(prefix, tuple(GOAL_LABELS), goal_saver(ctx, goal["id"]), "Goal revised.")
    show_error(prefix)


def goal_saver(ctx: Ctx, goal_id: int) -> editing.Save:
    def save(values: dict[str, Any], version: int) -> None:
        services.revise_goal(ctx.db, ctx.user.id, goal_id, version, **values)

    return save


def goal_status_saver(ctx: Ctx, goal_id: int) -> editing.Save:
    def save(values: dict[str, Any], version: int) -> None:
        services.set_goal_status(ctx.db, ctx.user.id, goal_id, values["status"], version)

    return save


def add_goal_form(ctx: Ctx) -> None:
    with st.expander("Add a goal", expanded=not ctx.doc["goals"]):
        with st.form("plan_add_goal", border=False):
            kind, area = st.columns(2)
            kind.selectbox("Kind", [k.value for k in GoalKind], key="plan_add_goal_kind")
            area.selectbox("Identification area", list(services.GIFTED_AREAS), index=None, placeholder="(none)",
                           key="plan_add_goal_area")
            st.text_area("Goal (measurable)", key="plan_add_goal_statement", height=100)
            st.text_area("Success criteria", key="plan_add_goal_success_criteria", height=80)
            st.text_area("Baseline", key="plan_add_goal_baseline", height=80)
            st.date_input("Target date", value=None, key="plan_add_goal_target_date")
            st.form_submit_button("Add goal", key="plan_add_goal_submit", type="primary", on_click=add_goal,
                                  args=(ctx,))
        show_error("plan_add_goal")


ADDED_FIELDS = ("statement", "success_criteria", "baseline")


def add_goal(ctx: Ctx) -> None:
    s = st.session_state
    if write(services.add_goal, ctx.db, ctx.user.id, ctx.plan_id, kind=s["plan_add_goal_kind"],
             area=s["plan_add_goal_area"], target_date=s["plan_add_goal_target_date"],
             **{f: s[f"plan_add_goal_{f}"] or "" for f in ADDED_FIELDS}, done="Goal added.", where="plan_add_goal"):
        for f in ADDED_FIELDS:
            s[f"plan_add_goal_{f}"] = ""


def propose_goal_form(ctx: Ctx) -> None:
    with st.expander("Propose a goal", expanded=not ctx.doc["goals"]):
        with st.form("plan_propose_goal", border=False):
            st.selectbox("Kind", [k.value for k in GoalKind], key="plan_propose_goal_kind")
            st.text_area("The goal, in your words", key="plan_propose_goal_statement", height=100)
            st.text_area("Why this goal?", key="plan_propose_goal_why", height=80)
            st.form_submit_button("Propose", key="plan_propose_goal_submit", type="primary", on_click=propose_goal,
                                  args=(ctx,))
        show_error("plan_propose_goal")


def propose_goal(ctx: Ctx) -> None:
    s = st.session_state
    if write(services.propose_goal, ctx.db, ctx.user.id, ctx.plan_id, kind=s["plan_propose_goal_kind"],
             statement=s["plan_propose_goal_statement"] or "", why=s["plan_propose_goal_why"] or "",
             done="Goal proposed: the team will look at it.", where="plan_propose_goal"):
        s["plan_propose_goal_statement"] = s["plan_propose_goal_why"] = ""
