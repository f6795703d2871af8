"""The Import screen's parts: the kinds of file, the column matcher, the preview, and the import with its result.

plpcore reads the file, decides what every line would do, checks permissions, writes and
audits; these parts show what it decided and ask for the go-ahead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from plpcore import imports
from plpcore.db import Database
from plpcore.errors import PlanTableError
from plpcore.export import csv_bytes
from ui.downloads import download_button
from ui.feedback import md, show_error, show_exception, write
from ui.session import SignedIn

# Screen-local session-state keys.
KIND = "import_kind"
FILE = "import_file"
CONFIRMED = "import_confirmed"  # (file fingerprint, summary) of the preview the user pressed Import on
RESULT = "import_result"  # the last import's ImportResult: its new sign-ins are shown until dismissed
WHERE = "import"  # where a refused import is reported: in the result area
SHEET = "import_sheet"  # + the file's digest: the sheet of a workbook that is read

IGNORE = "(ignore)"
# What the uploader should accept: Excel saves "Unicode Text" (UTF-16, tab-separated) as .txt.
FILE_TYPES = ["csv", "txt", "tsv", "xlsx"]


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
    wide: bool = False  # a file may instead have one column per score, each becoming a result

    def help(self) -> str:
        required = ", ".join(f"`{c}`" for c in self.columns if c in self.required)
        optional = ", ".join(f"`{c}`" for c in self.columns if c not in self.required)
        samples = ", ".join(f"`{s}`" for s in self.samples)
        wide = (" Or one row per student with a column per score (as CogAT and Iowa reports are): choose "
                f"*{SCORES}* for each score column below.") if self.wide else ""
        return (f"One row per {self.one_row_per}, under a header line. Required columns: {required}; optional: "
                f"{optional}. A student-information system's own column names are recognised, or matched below."
                f"{wide} A CSV, tab-separated text or .xlsx file. Examples: {samples}.")


SCORES = "a score (one result per column)"


KINDS = {
    "roster": Kind("Roster (students, guardians, teachers, links)", imports.ROSTER_COLUMNS, imports.ROSTER_REQUIRED,
                   "student", ("samples/roster.csv", "samples/roster-bad.csv"),
                   imports.preview_roster, imports.commit_roster),
    "assessments": Kind("Assessment results", imports.ASSESSMENT_COLUMNS, imports.ASSESSMENT_REQUIRED,
                        "result", ("samples/assessments.csv", "samples/assessments-wide.csv",
                                    "samples/assessments-nwea-map.csv"),
                        imports.preview_assessments, imports.commit_assessments, wide=True),
}


def forget_result() -> None:
    st.session_state.pop(RESULT, None)


# --- columns and preview ------------------------------------------------------------------------


def read_columns(name: str, kind: Kind, data: bytes) -> dict[str, str | None] | None:
    """The file's columns, matched as the user chose; None (and why, shown) when it cannot be read."""
    try:
        sheets = imports.sheet_names(data)
        if len(sheets) > 1:
            st.selectbox("Sheet", sheets, key=_sheet_key(data))
        header, _ = imports.read_table(data, sheet(data))
    except PlanTableError as exc:
        show_exception(exc)
        return None
    return _choose_columns(name, kind, header, data)


def _choose_columns(name: str, kind: Kind, header: list[str], data: bytes) -> dict[str, str | None]:
    """{file column: PlanTable column, or None to leave it out} as the user chose it, starting from the
    automatic match."""
    _, automatic, unrecognised = imports.map_columns(header, kind.columns)
    missing = [c for c in kind.required if c not in automatic.values()]
    options = [IGNORE, *kind.columns, *([imports.SCORE_COLUMN] if kind.wide else [])]
    # a new file (or sheet) starts again from its own automatic match
    digest = hashlib.sha256(data + repr(sheet(data)).encode()).hexdigest()[:16]
    shown = [(i, column) for i, column in enumerate(header) if column and column not in header[:i]]
    mapping: dict[str, str | None] = {}
    with st.expander(f"Columns: {len(automatic)} of the file's {len(shown)} matched to PlanTable's",
                     expanded=bool(missing or unrecognised)):
        st.caption("Each of the file's columns, and the PlanTable column it is read as. Change any that are wrong.")
        grid = st.columns(3)
        for n, (i, column) in enumerate(shown):
            choice = grid[n % 3].selectbox(
                md(column), options, index=options.index(automatic.get(column, IGNORE)),
                format_func=lambda c: _option_label(kind, c),
                key=f"import_map_{name}_{digest}_{i}",
            )
            mapping[column] = None if choice == IGNORE else choice
    return mapping


def _option_label(kind: Kind, column: str) -> str:
    if column == imports.SCORE_COLUMN:
        return SCORES
    return f"{column} (required)" if column in kind.required else column


def _sheet_key(data: bytes) -> str:
    return f"{SHEET}_{hashlib.sha256(data).hexdigest()[:16]}"


def sheet(data: bytes) -> str | None:
    """The sheet of a workbook chosen to read; None for its first, or for a text file."""
    return st.session_state.get(_sheet_key(data))


def make_preview(db: Database, user: SignedIn, kind: Kind, data: bytes, mapping: dict[str, str | None]
                 ) -> imports.ImportPreview | None:
    """What importing the file would do; None (and why, shown) when plpcore refuses to say."""
    try:
        return kind.preview(db, user.id, data, mapping, sheet=sheet(data))
    except PlanTableError as exc:
        show_exception(exc)
        return None


def fingerprint(name: str, data: bytes, mapping: dict[str, str | None]) -> str:
    """The file, its kind and its column choices: what a press of Import was a press on."""
    digest = hashlib.sha256(data)
    digest.update(repr((name, sheet(data), sorted(mapping.items(), key=str))).encode())
    return digest.hexdigest()


def show_preview(preview: imports.ImportPreview, fingerprint: str) -> None:
    if preview.ignored:
        st.caption(md(f"Not imported: {', '.join(preview.ignored)}"))
    if preview.missing:
        st.error(f"The file has no column for {', '.join(f'`{c}`' for c in preview.missing)} (required). "
                 "Choose which of its columns holds each under Columns above, or add them to the file.")
        return
    st.header("Preview")
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


# --- the import and its result ----------------------------------------------------------------------


def commit(db: Database, user: SignedIn, kind: Kind, preview: imports.ImportPreview) -> None:
    """Import what the preview shows, with a progress bar.

    Unlike every other write this one runs in the script, not in the button's callback: a
    callback cannot draw the progress bar where the result will show. The screen makes its
    preview again afterwards, so it shows the database as it now is.
    """
    bar = st.progress(0.0, text="Importing…")
    if write(_commit, db, user, kind, preview, bar, where=WHERE):
        bar.progress(1.0, text="Imported.")
    else:
        bar.empty()


def _commit(db: Database, user: SignedIn, kind: Kind, preview: imports.ImportPreview, bar) -> None:
    st.session_state[RESULT] = kind.commit(db, user.id, preview,
                                           progress=lambda done: bar.progress(done, text="Importing…"))


def show_result() -> None:
    show_error(WHERE)
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
        download_button("Download the new sign-ins (CSV)", csv_bytes(accounts),
                        file_name="new-sign-ins.csv", mime="text/csv", key="import_accounts_csv",
                        on_click="ignore")
    if result.invitations:
        invited = pd.DataFrame([{"name": i.name, "username": i.username, "email": i.email, "link": i.link}
                                for i in result.invitations])
        if result.mail_waiting:
            st.warning(f"{len(invited)} new sign-ins have an e-mail address. Their invitations wait, because e-mail "
                       "is not set up yet: share each person's link with them by hand. Each link works once, for "
                       "7 days, and lets its person choose their own password.")
            st.dataframe(invited, hide_index=True, width="stretch",
                         column_config={"name": "Name", "username": "Username", "email": "E-mail",
                                        "link": "Welcome link"})
            download_button("Download the welcome links (CSV)", csv_bytes(invited),
                            file_name="welcome-links.csv", mime="text/csv", key="import_links_csv",
                            on_click="ignore")
        else:
            st.info(f"{len(invited)} new sign-ins with an e-mail address are e-mailed a link to choose their "
                    "own password.")
    st.button("Done", key="import_done", on_click=forget_result)
