"""The top of a plan: whose it is, its status, "I have read this plan", and the plan and record as documents."""

from __future__ import annotations

import functools
from typing import Any

import streamlit as st

from plpcore import documents, export, services
from plpcore.access import Action
from plpcore.models import PlanStatus
from ui import editing, frame, routes
from ui.downloads import download_button
from ui.feedback import md, show_error, write
from ui.plan.context import Ctx
from ui.words import by_line


def header(ctx: Ctx) -> None:
    plan, student = ctx.doc["plan"], ctx.doc["student"]
    frame.title(student["name"], routes.PLAN.title)
    st.title(md(student["name"]))
    facts = [f"{plan['kind']} {plan['year']}", f"grade {student['grade']}"]
    if student["gifted_areas"]:
        facts.append(f"gifted areas: {student['gifted_areas']}")
    facts.append(f"you are viewing as {', '.join(ctx.doc['viewer_roles'])}")
    st.caption(md(" · ".join(facts)))
    year_picker(ctx)
    if plan["kept"]:
        st.info(f"This is the plan of {plan['year']}, kept as it was at the end of that year: "
                "you can read it and download it, not change it.", icon=":material/history:")
    editing.set_aside_notices(ctx.doc["set_aside"])
    with st.container(horizontal=True, vertical_alignment="bottom"):
        if ctx.can(Action.EDIT_PLAN):
            editing.status_picker(st, "Plan status", [s.value for s in PlanStatus], prefix="plan_status",
                                  stored=plan["status"], version=plan["version"], save=plan_status_saver(ctx),
                                  message="Plan status changed.", width=220)
        else:
            st.markdown(f"Plan status: **{md(plan['status'])}**")
        if ctx.can(Action.ACKNOWLEDGE):
            st.button("I have read this plan", key="plan_acknowledge", on_click=acknowledge, args=(ctx,))
        downloads(ctx)
    acks = ctx.doc["acknowledgements"]
    if acks:
        latest = max(acks, key=lambda a: a["at"])
        st.caption(f"Last read by {by_line(latest['user'], latest['at'])} ({len(acks)} acknowledgement(s))")
    show_error("plan_status")
    editing.show("plan_status_conflict", labels={"status": "Plan status"}, save=plan_status_saver(ctx))


def year_picker(ctx: Ctx) -> None:
    """Every plan of the student, by school year: choosing one opens it (a past year's is read-only)."""
    plans = {p["id"]: f"{p['year']} {p['kind']} ({p['status']})" for p in ctx.doc["plans"]}
    if len(plans) < 2:
        return
    st.session_state["plan_year_pick"] = ctx.plan_id
    st.selectbox("School year", list(plans), format_func=plans.__getitem__, key="plan_year_pick",
                 on_change=picked_year, width=320)


def picked_year() -> None:
    routes.choose("plan", st.session_state["plan_year_pick"])


def downloads(ctx: Ctx) -> None:
    plan, student = ctx.doc["plan"], ctx.doc["student"]
    # One readable document of the current plan, for a family or the file; made only when asked for.
    download_button("Plan (PDF)", functools.partial(plan_pdf, ctx), key="plan_pdf",
                    file_name=f"plan-{plan['year']}-{student['local_id']}.pdf", mime="application/pdf",
                    icon=":material/picture_as_pdf:", on_click="ignore")
    # The whole record (every plan, meeting record and assessment), for a transfer or a family's request
    # to see it: read (and audited) only when someone downloads it.
    download_button("Whole record (PDF)", functools.partial(whole_record, ctx, "pdf"), key="plan_record_pdf",
                    file_name=f"record-{student['local_id']}.pdf", mime="application/pdf",
                    icon=":material/folder_zip:", on_click="ignore")
    download_button("Whole record (JSON)", functools.partial(whole_record, ctx, "json"),
                    key="plan_record_json", file_name=f"record-{student['local_id']}.json",
                    mime="application/json", icon=":material/data_object:", on_click="ignore")


def plan_pdf(ctx: Ctx) -> bytes:
    return documents.plan_pdf(ctx.doc)


def whole_record(ctx: Ctx, kind: str) -> bytes | str:
    record = export.student_record(ctx.db, ctx.user.id, ctx.student_id)
    return documents.student_record_pdf(record) if kind == "pdf" else export.to_json(record)


def plan_status_saver(ctx: Ctx) -> editing.Save:
    def save(values: dict[str, Any], version: int) -> None:
        services.set_plan_status(ctx.db, ctx.user.id, ctx.plan_id, values["status"], version)

    return save


def acknowledge(ctx: Ctx) -> None:
    write(services.acknowledge_plan, ctx.db, ctx.user.id, ctx.plan_id,
          done="Thank you: noted that you have read the plan.")
