"""Editing what someone else may be editing too: forms that remember the version they started
from, and the conflict view (your version and theirs side by side; keep yours, keep theirs, or merge).

A form opened with `start_edit(prefix, values, version)` keeps its values under
`<prefix>_<field>`; its Save calls `save_edit`, which saves against that version through
`save_or_park`. A newer save by someone else that touched other fields is merged in and
retried; a real clash is parked under `<prefix>_conflict` and drawn by `show` until the
person chooses. Nothing typed is lost. `save(values, version)` is the plpcore call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st

from plpcore import services
from plpcore.errors import EditConflict
from plpcore.shapes import SetAsideNotice
from ui import session
from ui.feedback import flash, md, write

Save = Callable[[dict[str, Any], int], object]
Done = Callable[[], None] | None

# A save that keeps meeting newer versions touching only other fields is merged and
# retried; after this many rounds the person is asked instead.
RETRIES = 3


def clashes(base: dict[str, Any] | None, mine: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    """Fields both people changed, differently. Without a base every difference clashes."""
    out = []
    for field, value in mine.items():
        theirs = stored.get(field, value)
        if value == theirs:
            continue
        if base is not None and field in base and (value == base[field] or theirs == base[field]):
            continue
        out.append(field)
    return out


def merged(base: dict[str, Any] | None, mine: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """Mine, except the fields I left as they were, which take the newer stored value."""
    if base is None:
        return dict(mine)
    return {
        field: stored[field] if field in stored and field in base and value == base[field] else value
        for field, value in mine.items()
    }


def park(key: str, exc: EditConflict, mine: dict[str, Any] | None = None, base: dict[str, Any] | None = None) -> None:
    """Keep a conflict (and the person's text) in session state until they choose."""
    attempted = dict(exc.attempted if mine is None else mine)
    st.session_state[key] = {
        "entity": exc.entity,
        "id": exc.entity_id,
        "mine": merged(base, attempted, exc.stored),
        "stored": dict(exc.stored),
        "version": exc.stored_version,
        "by": exc.stored_by,
    }
    st.session_state.pop(f"{key}_merging", None)
    _tell_winner(services.set_aside, exc.entity, exc.entity_id)


def _tell_winner(verb: Callable[..., None], entity: str, entity_id: int) -> None:
    """The person whose save won hears that this edit waits to be merged (services.set_aside), and
    stops hearing it once the choice is made (services.settle_set_aside)."""
    user = session.current_user()
    if user is not None:
        verb(session.database(), user.id, entity, entity_id)


def pending(key: str) -> dict[str, Any] | None:
    return st.session_state.get(key)


def save_or_park(key: str, save: Save, mine: dict[str, Any], version: int, base: dict[str, Any] | None) -> bool:
    """Save `mine` against the version the form started from; True when it is stored.

    A newer version that changed only other fields is merged in and the save retried
    (edits to different fields never conflict). A real clash is parked under `key`
    for `show`, and False is returned. Other plpcore errors propagate.
    """
    last: EditConflict | None = None
    for _ in range(RETRIES):
        try:
            save(mine, version)
        except EditConflict as exc:
            if clashes(base, mine, exc.stored):
                park(key, exc, mine, base)
                return False
            mine, base, version = merged(base, mine, exc.stored), dict(exc.stored), exc.stored_version
            last = exc
            continue
        clear(key)
        return True
    assert last is not None  # RETRIES >= 1: the loop ran, and every round ended in a conflict
    park(key, last, mine, base)
    return False


def set_aside_notices(notices: list[SetAsideNotice]) -> None:
    """One line per edit of someone else's that lost to this person's save and waits for them to
    merge it: so two people do not both think they are done."""
    for n in notices:
        st.info(md(f"{n['by']}'s edit of {n['what']} was set aside when your save came first. "
                   "They are merging it with yours."), icon=":material/merge:")


def clear(key: str) -> None:
    for k in [k for k in st.session_state if k == key or str(k).startswith(f"{key}_")]:
        del st.session_state[k]


def as_text(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _differing(p: dict[str, Any]) -> list[str]:
    return [f for f, v in p["mine"].items() if v != p["stored"].get(f, v)]


def _text_fields(p: dict[str, Any]) -> list[str]:
    return [f for f in _differing(p) if isinstance(p["mine"][f], str) and isinstance(p["stored"].get(f), str)]


# --- choices (on_click callbacks: they write, then Streamlit reruns the page) ----------------


def _resolve(key: str, save: Save, values: dict[str, Any], done: Done, message: str) -> None:
    p = pending(key)
    if p is None:
        return
    if write(save_or_park, key, save, values, p["version"], dict(p["stored"]), done=message, where=key):
        _tell_winner(services.settle_set_aside, p["entity"], p["id"])
        if done is not None:
            done()


def _keep_mine(key: str, save: Save, done: Done) -> None:
    p = pending(key)
    if p is not None:
        _resolve(key, save, dict(p["mine"]), done, "Saved your version.")


def _keep_theirs(key: str, done: Done) -> None:
    p = pending(key)
    clear(key)
    if p is not None:
        _tell_winner(services.settle_set_aside, p["entity"], p["id"])
    if done is not None:
        done()
    flash("Kept the other version; yours was set aside.")


def _start_merge(key: str) -> None:
    p = pending(key)
    if p is None:
        return
    for f in _text_fields(p):
        # Both texts, theirs first (it is what is stored now), for the person to edit into one.
        st.session_state[f"{key}_merge_{f}"] = f"{p['stored'][f]}\n\n{p['mine'][f]}"
    st.session_state[f"{key}_merging"] = True


def _stop_merge(key: str) -> None:
    st.session_state.pop(f"{key}_merging", None)


def _save_merged(key: str, save: Save, done: Done) -> None:
    p = pending(key)
    if p is None:
        return
    values = dict(p["mine"])
    for f in _text_fields(p):
        values[f] = st.session_state.get(f"{key}_merge_{f}", values[f])
    _resolve(key, save, values, done, "Saved the merged version.")


# --- the view ------------------------------------------------------------------------------


def show(key: str, *, labels: dict[str, str], save: Save, done: Done = None) -> bool:
    """Draw the conflict parked under `key`, if any; return True when it was drawn.

    `labels` names the fields ("statement" -> "Goal"); `done` closes the caller's form
    once the person has chosen.
    """
    p = pending(key)
    if p is None:
        return False
    who = p["by"] or "someone else"
    with st.container(border=True, key=f"{key}_box"):
        st.warning(
            f"While you were editing, {md(who)} saved a newer version. "
            "Nothing is lost: keep yours, keep theirs, or merge them."
        )
        for field in _differing(p):
            label = labels.get(field, field.replace("_", " ").capitalize())
            mine_col, theirs_col = st.columns(2)
            with mine_col:
                st.markdown(f"**Your version** · {md(label)}")
                st.text(as_text(p["mine"][field]))
            with theirs_col:
                st.markdown(f"**Their version (by {md(who)})** · {md(label)}")
                st.text(as_text(p["stored"].get(field)))
        error = st.session_state.get(f"{key}_error")
        if error:
            st.error(md(error))
        if st.session_state.get(f"{key}_merging"):
            for field in _text_fields(p):
                st.text_area(
                    f"Merged {labels.get(field, field).lower()}",
                    key=f"{key}_merge_{field}",
                    height=160,
                )
            with st.container(horizontal=True):
                st.button("Save merged", key=f"{key}_save_merged", type="primary",
                          on_click=_save_merged, args=(key, save, done))
                st.button("Back", key=f"{key}_merge_back", on_click=_stop_merge, args=(key,))
        else:
            with st.container(horizontal=True):
                st.button("Keep mine", key=f"{key}_keep_mine", type="primary",
                          on_click=_keep_mine, args=(key, save, done))
                st.button("Keep theirs", key=f"{key}_keep_theirs", on_click=_keep_theirs, args=(key, done))
                if _text_fields(p):
                    st.button("Merge", key=f"{key}_merge", on_click=_start_merge, args=(key,))
    return True


# --- edit forms --------------------------------------------------------------------------------


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


def save_edit(prefix: str, fields: tuple[str, ...], save: Save, message: str) -> None:
    """The Save of a form opened by start_edit: stored (and closed), parked as a conflict, or refused beside the form."""
    values = {field: st.session_state.get(f"{prefix}_{field}") for field in fields}
    stored = write(save_or_park, f"{prefix}_conflict", save, values, st.session_state[f"{prefix}_version"],
                   st.session_state[f"{prefix}_base"], done=message, where=prefix)
    if stored or pending(f"{prefix}_conflict") is not None:
        close_edit(prefix)


def edit_buttons(prefix: str, fields: tuple[str, ...], save: Save, message: str) -> None:
    with st.container(horizontal=True):
        st.form_submit_button("Save", key=f"{prefix}_save", type="primary", on_click=save_edit,
                              args=(prefix, fields, save, message))
        st.form_submit_button("Cancel", key=f"{prefix}_cancel", on_click=close_edit, args=(prefix,))


def row_picker(where: Any, label: str, options: list[str], *, prefix: str, stored: str, version: int,
               chosen: Callable[[str], object], **widget: Any) -> None:
    """An always-visible selectbox of a row's stored value (a status); `chosen(value)` runs when this
    person picks another one.

    Someone else's save reruns this screen while its poll keeps ticking, and a tick sent before the
    browser has drawn the newer row still carries the value the older picker showed. Changed in
    place, that picker would read the stale value as this person's choice and silently undo the
    other save. So the picker is drawn anew for each version of the row (its key names the
    version), and since Streamlit still calls back a widget it no longer draws, only the picker of
    the version on screen may act.
    """
    st.session_state[f"{prefix}_drawn"] = version
    key = f"{prefix}_v{version}"
    where.selectbox(label, options, index=options.index(stored), key=key, on_change=_picked,
                    args=(prefix, key, version, chosen), **widget)


def _picked(prefix: str, key: str, version: int, chosen: Callable[[str], object]) -> None:
    if st.session_state.get(f"{prefix}_drawn") == version:  # else: a tick from a picker since replaced
        chosen(st.session_state[key])


def status_picker(where: Any, label: str, options: list[str], *, prefix: str, stored: str, version: int, save: Save,
                  message: str, **widget: Any) -> None:
    """A row_picker whose choice is saved against the version it showed (a newer save by someone
    else opens the conflict view under `<prefix>_conflict`)."""
    def chosen(value: str) -> None:
        write(save_or_park, f"{prefix}_conflict", save, {"status": value}, version, {"status": stored},
              done=message, where=prefix)

    row_picker(where, label, options, prefix=prefix, stored=stored, version=version, chosen=chosen, **widget)
