"""Import: a roster or assessments CSV, its columns matched to PlanTable's, previewed line by line,
then imported all or nothing.

For specialists and admins. plpcore reads the file, decides what every line would do, checks
permissions, writes and audits; this page shows what it decided and asks for the go-ahead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from pages.common import SignedIn, database, md, require_user, show_error
from plpcore import imports
from plpcore.errors import PlanTableError

# Page-local session-state keys.
KIND = "import_kind"
FILE = "import_file"
CONFIRMED = "import_confirmed"  # (file fingerprint, summary) of the preview the user pressed Import on
RESULT = "import_result"  # the last import's ImportResult: its new sign-ins are shown until dismissed

IGNORE = "(ignore)"


@dataclass(frozen=True)
class Kind:
    """One kind of file: its columns and the plpcore verbs that preview and commit it."""

    label: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    one_row_per: str
    samples: tuple[str, ...]
    preview: Callable[..., imports.ImportPreview]
    commit: Callable[..., imports.ImportResult]


KINDS = {
    "roster": Kind("Roster (students, guardians, teachers, links)", imports.ROSTER_COLUMNS, imports.ROSTER_REQUIRED,
                   "student", ("samples/roster.csv", "samples/roster-bad.csv"),
                   imports.preview_roster, imports.commit_roster),
    "assessments": Kind("Assessment results", imports.ASSESSMENT_COLUMNS, imports.ASSESSMENT_REQUIRED,
                        "result", ("samples/assessments.csv",),
                        imports.preview_assessments, imports.commit_assessments),
}


def render() -> None:
    user = require_user()
    st.title("Import")
    if not user.manages_people:
        st.error("Not found, or you are not allowed to see it.")
        return
    db = database()
    name = st.segmented_control("What is in the file", list(KINDS), format_func=lambda k: KINDS[k].label,
                                default="roster", required=True, key=KIND)
    kind = KINDS[name]
    st.caption(_help(kind))
    upload = _uploaded()
    result_area = st.container()
    if upload is not None:
        _columns_and_preview(db, user, name, kind, upload, result_area)
    with result_area:
        _show_result()


def _help(kind: Kind) -> str:
    required = ", ".join(f"`{c}`" for c in kind.columns if c in kind.required)
    optional = ", ".join(f"`{c}`" for c in kind.columns if c not in kind.required)
    samples = " and ".join(f"`{s}`" for s in kind.samples)
    return (f"One row per {kind.one_row_per}, under a header line. Required columns: {required}; optional: "
            f"{optional}. A student-information system's own column names are recognised, or matched below. "
            f"Examples: {samples}.")


def _uploaded() -> bytes | None:
    """The chosen file's bytes. Choosing another file forgets the last import's sign-ins."""
    file = st.file_uploader("CSV file", type="csv", key=FILE, on_change=_forget_result)
    return None if file is None else file.getvalue()


def _forget_result() -> None:
    st.session_state.pop(RESULT, None)


# --- columns and preview ------------------------------------------------------------------------


def _columns_and_preview(db, user: SignedIn, name: str, kind: Kind, data: bytes, result_area) -> None:
    try:
        header, _ = imports.read_csv(data)
        mapping = _choose_columns(name, kind, header, data)
        preview = kind.preview(db, user.id, data, mapping)
    except PlanTableError as exc:
        show_error(exc)
        return
    fingerprint = _fingerprint(name, data, mapping)
    confirmed = st.session_state.pop(CONFIRMED, None)
    if confirmed is not None:
        # The commit runs here, in the script rather than in the button's callback, so that its
        # progress bar can be drawn. Nothing drawn above depends on what it writes, and the
        # preview below is made again afterwards: the page shows the database as it now is.
        if confirmed == (fingerprint, preview.summary()) and preview.ok:
            _commit(db, user, kind, preview, result_area)
            try:
                preview = kind.preview(db, user.id, data, mapping)
            except PlanTableError as exc:
                show_error(exc)
                return
        else:
            st.warning("The preview changed after you pressed Import (the file, its columns, or these students "
                       "changed). Nothing was imported: check the preview again.")
    _show_preview(kind, preview, mapping, fingerprint)


def _choose_columns(name: str, kind: Kind, header: list[str], data: bytes) -> dict[str, str | None]:
    """{file column: PlanTable column, or None to leave it out} as the user chose it, starting from the
    automatic match."""
    _, automatic, unrecognised = imports.map_columns(header, kind.columns)
    missing = [c for c in kind.required if c not in automatic.values()]
    options = [IGNORE, *kind.columns]
    digest = hashlib.sha256(data).hexdigest()[:16]  # a new file starts again from its own automatic match
    shown = [(i, column) for i, column in enumerate(header) if column and column not in header[:i]]
    mapping: dict[str, str | None] = {}
    with st.expander(f"Columns: {len(automatic)} of the file's {len(shown)} matched to PlanTable's",
                     expanded=bool(missing or unrecognised)):
        st.caption("Each of the file's columns, and the PlanTable column it is read as. Change any that are wrong.")
        grid = st.columns(3)
        for n, (i, column) in enumerate(shown):
            choice = grid[n % 3].selectbox(
                md(column), options, index=options.index(automatic.get(column, IGNORE)),
                format_func=lambda c: f"{c} (required)" if c in kind.required else c,
                key=f"import_map_{name}_{digest}_{i}",
            )
            mapping[column] = None if choice == IGNORE else choice
    return mapping


def _fingerprint(name: str, data: bytes, mapping: dict[str, str | None]) -> str:
    """The file, its kind and its column choices: what a press of Import was a press on."""
    digest = hashlib.sha256(data)
    digest.update(repr((name, sorted(mapping.items(), key=str))).encode())
    return digest.hexdigest()


def _show_preview(kind: Kind, preview: imports.ImportPreview, mapping: dict[str, str | None], fingerprint: str
                  ) -> None:
    if preview.ignored:
        st.caption(md(f"Not imported: {', '.join(preview.ignored)}"))
    if preview.missing:
        st.error(f"The file has no column for {', '.join(f'`{c}`' for c in preview.missing)} (required). "
                 "Choose which of its columns holds each under Columns above, or add them to the file.")
        return
    st.subheader("Preview")
    st.markdown(md(preview.summary()))
    if preview.rejected:
        st.error(f"{len(preview.rejected)} line(s) rejected: nothing will be imported until those lines are "
                 "fixed. Correct them in the file and choose it again.")
        st.dataframe(pd.DataFrame(preview.rejected, columns=["line", "reason"]), hide_index=True, width="stretch",
                     column_config={"line": "Line", "reason": "Why it is rejected"})
    elif not (preview.create or preview.update or preview.unchanged):
        st.info("The file has no rows under its header line.")
    elif not (preview.create or preview.update):
        st.info("Everything in this file is already in PlanTable: importing it would change nothing.")
    st.dataframe(preview.frame(), hide_index=True, width="stretch",
                 column_config={"line": "Line", "action": "What happens", "student_id": "Student id",
                                "detail": "Detail"})
    if preview.ok and (preview.create or preview.update):
        rows = len(preview.create) + len(preview.update) + len(preview.unchanged)
        new_accounts = f" It makes {len(preview.new_accounts)} new sign-ins." if preview.new_accounts else ""
        st.caption(f"All the rows are imported together, or none are.{new_accounts}")
        st.button(f"Import {rows} row{'s' if rows != 1 else ''}", type="primary", key="import_commit",
                  on_click=_confirm, args=(fingerprint, preview.summary()))


def _confirm(fingerprint: str, summary: str) -> None:
    st.session_state[CONFIRMED] = (fingerprint, summary)


# --- commit and result ----------------------------------------------------------------------------


def _commit(db, user: SignedIn, kind: Kind, preview: imports.ImportPreview, area) -> None:
    with area:
        bar = st.progress(0.0, text="Importing…")
        try:
            result = kind.commit(db, user.id, preview, progress=lambda done: bar.progress(done, text="Importing…"))
        except PlanTableError as exc:
            bar.empty()
            show_error(exc)
            return
        bar.progress(1.0, text="Imported.")
    st.session_state[RESULT] = result


def _show_result() -> None:
    result: imports.ImportResult | None = st.session_state.get(RESULT)
    if result is None:
        return
    st.success(f"Imported: {result.created} created, {result.updated} updated, {result.unchanged} unchanged.")
    if result.new_accounts:
        accounts = pd.DataFrame(result.new_accounts, columns=["role", "username", "name", "initial password"])
        st.warning("New sign-ins: give each person their username and initial password; they choose their own "
                   "at first sign-in. The passwords are shown here only until you press Done or choose another "
                   "file.")
        st.dataframe(accounts, hide_index=True, width="stretch",
                     column_config={"role": "Role", "username": "Username", "name": "Name",
                                    "initial password": "Initial password"})
        st.download_button("Download the new sign-ins (CSV)", accounts.to_csv(index=False).encode("utf-8-sig"),
                           file_name="new-sign-ins.csv", mime="text/csv", key="import_accounts_csv",
                           on_click="ignore")
    st.button("Done", key="import_done", on_click=_forget_result)


if __name__ == "__main__":  # opened by URL on a fresh server: see common.run_entrypoint_instead
    from pages.common import run_entrypoint_instead

    run_entrypoint_instead()
