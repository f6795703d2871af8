"""What the AppTest files share: a small school on a per-test SQLite copy, and ways to drive the app.

The school (tests/conftest.py make_school) is built once per process into a template
file, because its bcrypt hashes are slow; every test gets its own copy, named by
PLP_DATABASE_URL, so the app's per-URL cached Database is never shared between tests.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import update
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Dataframe

from plpcore.db import Database, init_schema
from plpcore.models import User, utcnow
from ui.routes import BY_URL
from ui.session import StateKeys

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
COOKIE_KEY = "test-cookie-key-that-is-long-enough-0123456789"


@functools.cache
def _template(empty: bool) -> tuple[Path, SimpleNamespace | None]:
    from tests.conftest import make_school

    path = Path(tempfile.mkdtemp(prefix="plp-app-")) / "template.db"
    db = Database(f"sqlite:///{path}")
    init_schema(db)
    school = None
    if not empty:
        school = make_school(db)
        with db.write() as s:  # everyone has chosen their own password already; tests that need it set it
            s.execute(update(User).values(must_change_password=False))
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path, school


def database_copy(tmp_path: Path, monkeypatch, *, empty: bool = False) -> tuple[Database, SimpleNamespace | None]:
    """A private copy of the template; the app under test opens it through PLP_DATABASE_URL."""
    template, school = _template(empty)
    path = tmp_path / "app.db"
    shutil.copy(template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("PLP_DATABASE_URL", url)
    monkeypatch.setenv("PLP_COOKIE_KEY", COOKIE_KEY)
    return Database(url), school


def app(page: str | None = None, *, as_user: str | None = None, query: dict | None = None) -> AppTest:
    """The whole app (entrypoint and router), not yet run.

    `as_user` signs in the way a valid cookie does (the authenticator's session keys);
    `page` is the URL path a browser would open, e.g. "admin"; `query` its query string.

    Every AppTest run starts like a fresh server process: Streamlit first serves the files
    under pages/ by URL itself, so each run also exercises ui.session's routing check.
    """
    at = AppTest.from_file(APP, default_timeout=30)
    if as_user:
        at.session_state["authentication_status"] = True
        at.session_state["username"] = as_user
        at.session_state[StateKeys.SIGNED_IN_AT] = utcnow()
    if page:
        at.switch_page(BY_URL[page].path)
    if query:
        at.query_params.update(query)
    return at


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    """Type into the sign-in form's two fields and press its button, as a person would."""
    field(at, "Username").input(username)
    field(at, "Password").input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    return at.run()


def field(at: AppTest, label: str):
    return next(t for t in at.text_input if t.label == label)


def button(at: AppTest, key: str):
    return at.button(key=key)


def page_text(at: AppTest) -> str:
    """Everything the page shows (and holds in widgets) as plain text, markdown escapes taken out:
    to assert what a person can read on it, and what is absent."""
    parts: list[str] = []
    for root in (at.main, at.sidebar):
        for node in root:
            if isinstance(node, Dataframe):
                parts.append(node.value.to_csv())
            elif getattr(node, "proto", None) is not None:
                _strings(node.proto, parts)
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def _strings(value, into: list[str]) -> None:
    if isinstance(value, str):
        into.append(value)
    elif hasattr(value, "ListFields"):
        for _, field_value in value.ListFields():
            _strings(field_value, into)
    elif not isinstance(value, bytes) and hasattr(value, "__iter__"):  # a repeated field
        for item in value:
            _strings(item, into)


def shows_sign_in_form(at: AppTest) -> bool:
    labels = [t.label for t in at.text_input]
    # (below them, "Forgot your password?" has a field of its own)
    return labels[:2] == ["Username", "Password"] and any(b.label == "Sign in" for b in at.button)


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def unescaped(markdown: str) -> str:
    """Text as ui.feedback.md() made it safe for markdown, with its escapes taken out."""
    return re.sub(r"\\(.)", r"\1", markdown)


def messages(at: AppTest, kind: str) -> list[str]:
    """The texts of st.error / st.success / st.warning..., with the markdown escapes taken out."""
    return [unescaped(m.value) for m in getattr(at, kind)]
