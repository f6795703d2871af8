"""A plan's supports: each with its owner and status, agreeing, acknowledging and logging them, and proposing one."""

from __future__ import annotations

from typing import Any

import streamlit as st

from plpcore import services, shapes
from plpcore.access import Action
from plpcore.models import SupportSetting, SupportStatus
from ui import editing
from ui.feedback import md, show_error, write
from ui.plan.context import Ctx

OWNER_ROLES = ("teacher", "guardian", "student", "specialist")
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


def support_block(ctx: Ctx, support: shapes.Support, manage: bool) -> None:
    """One support; `manage` adds the buttons that move it on (agree, in place, stop)."""
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
            if support.get("may_acknowledge"):
                st.button("Acknowledge", key=f"{prefix}_acknowledge", on_click=acknowledge_support,
                          args=(ctx, support["id"]))
            if support.get("may_log"):
                st.button("Log: done today", key=f"{prefix}_log", on_click=log_support, args=(ctx, support["id"]))
        show_error(prefix)
        editing.show(f"{prefix}_conflict", labels={"status": "Status"}, save=support_status_saver(ctx, support["id"]))


def support_status_saver(ctx: Ctx, support_id: int) -> editing.Save:
    def save(values: dict[str, Any], version: int) -> None:
        services.set_support_status(ctx.db, ctx.user.id, support_id, values["status"], version)

    return save


def change_support_status(ctx: Ctx, support_id: int, target: str, version: int, status: str) -> None:
    prefix = f"plan_support_{support_id}"
    write(editing.save_or_park, f"{prefix}_conflict", support_status_saver(ctx, support_id), {"status": target},
          version, {"status": status}, done=f"Support {target}.", where=prefix)


def acknowledge_support(ctx: Ctx, support_id: int) -> None:
    write(services.acknowledge_support, ctx.db, ctx.user.id, support_id, done="Support acknowledged.",
          where=f"plan_support_{support_id}")


def log_support(ctx: Ctx, support_id: int) -> None:
    write(services.log_support, ctx.db, ctx.user.id, support_id, done="Logged.", where=f"plan_support_{support_id}")


def propose_support_form(ctx: Ctx) -> None:
    owners = {f"role:{r}": f"Owner: the {r}" for r in OWNER_ROLES} | {f"user:{ctx.user.id}": "Owner: me"}
    with st.expander("Propose a support", expanded=not ctx.doc["supports"]):
        with st.form("plan_support", border=False):
            st.text_area("Support", key="plan_support_description", height=80)
            setting, owner, frequency = st.columns(3)
            setting.selectbox("Setting", [s.value for s in SupportSetting], key="plan_support_setting")
            owner.selectbox("Owner", list(owners), format_func=owners.__getitem__, key="plan_support_owner")
            frequency.text_input("Frequency", key="plan_support_frequency", placeholder="weekly")
            starts, ends = st.columns(2)
            starts.date_input("Starts", value=None, key="plan_support_starts")
            ends.date_input("Ends", value=None, key="plan_support_ends")
            st.form_submit_button("Propose support", key="plan_support_submit", type="primary",
                                  on_click=propose_support, args=(ctx,))
        show_error("plan_support")


def propose_support(ctx: Ctx) -> None:
    s = st.session_state
    kind, _, value = str(s["plan_support_owner"]).partition(":")
    if write(services.propose_support, ctx.db, ctx.user.id, ctx.plan_id,
             description=s["plan_support_description"] or "", setting=s["plan_support_setting"],
             frequency=s["plan_support_frequency"] or "", owner_role=value if kind == "role" else None,
             owner_user_id=int(value) if kind == "user" else None, starts_on=s["plan_support_starts"],
             ends_on=s["plan_support_ends"], done="Support proposed.", where="plan_support"):
        s["plan_support_description"] = s["plan_support_frequency"] = ""
