"""The layers stay apart: plpcore knows nothing of Streamlit or the app, ui does nothing when imported,
and pages/ holds thin screen scripts that start by asking who is signed in."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLPCORE = sorted((ROOT / "plpcore").rglob("*.py"))
PAGES = sorted((ROOT / "pages").glob("*.py"))
UI = sorted((ROOT / "ui").rglob("*.py"))
# A screen script is a description of the UI; more than this and its parts belong in ui/.
MAX_SCREEN_LINES = 150
# Decorators may be applied at import (caching, fragments, dialogs): they only wrap a function.
ALLOWED_AT_IMPORT = {"cache_resource", "cache_data", "fragment", "dialog"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def top_package(name: str) -> str:
    return name.split(".")[0]


def test_no_plpcore_source_file_imports_streamlit():
    offenders = [p.relative_to(ROOT).as_posix() for p in PLPCORE
                 if "streamlit" in {top_package(m) for m in imported_modules(p)}]
    assert PLPCORE and offenders == []


def test_importing_every_plpcore_module_loads_no_streamlit():
    """Also catches streamlit arriving indirectly, through some other library plpcore uses."""
    script = """
import importlib, json, pkgutil, sys
import plpcore
names = [m.name for m in pkgutil.walk_packages(plpcore.__path__, "plpcore.") if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "streamlit": sorted(m for m in sys.modules if m.split(".")[0] == "streamlit")}))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"plpcore.services", "plpcore.meetings", "plpcore.queries", "plpcore.access"} <= set(seen["modules"])
    assert seen["streamlit"] == []


def streamlit_names(tree: ast.Module) -> set[str]:
    """The names a module binds to streamlit or to something imported from it."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names if top_package(a.name) == "streamlit")
        elif isinstance(node, ast.ImportFrom) and node.module and top_package(node.module) == "streamlit":
            names.update(a.asname or a.name for a in node.names)
    return names


def root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def calls_at_import(tree: ast.Module, streamlit: set[str]) -> list[str]:
    """Streamlit calls that run when the module is imported: module and class level code,
    default argument values, and decorators other than the wrapping ones."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                if not (isinstance(decorator, ast.Call | ast.Attribute)
                        and _attr(decorator) in ALLOWED_AT_IMPORT and root_name(decorator) in streamlit):
                    visit(decorator)
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                if default is not None:
                    visit(default)
            return  # the body runs only when called
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, ast.Call) and root_name(node.func) in streamlit:
            found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _attr(node: ast.AST) -> str | None:
    node = node.func if isinstance(node, ast.Call) else node
    return node.attr if isinstance(node, ast.Attribute) else None


@pytest.mark.parametrize("module", UI, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_ui_module_makes_no_streamlit_call_when_imported(module):
    tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
    assert calls_at_import(tree, streamlit_names(tree)) == []


@pytest.mark.parametrize("module", [*PAGES, *UI, ROOT / "streamlit_app.py"], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_app_layer_never_imports_sqlalchemy(module):
    assert "sqlalchemy" not in {top_package(m) for m in imported_modules(module)}


def test_nothing_imports_a_screen_script():
    """pages/ holds screens only: what two screens share lives in ui/."""
    importers = [p.relative_to(ROOT).as_posix() for p in [*UI, ROOT / "streamlit_app.py", *sorted((ROOT / "tests").rglob("*.py"))]
                 if "pages" in {top_package(m) for m in imported_modules(p)}]
    assert importers == []


@pytest.mark.parametrize("screen", PAGES, ids=lambda p: p.name)
def test_a_screen_script_is_short(screen):
    assert len(screen.read_text(encoding="utf-8").splitlines()) < MAX_SCREEN_LINES


@pytest.mark.parametrize("screen", PAGES, ids=lambda p: p.name)
def test_a_screen_asks_who_is_signed_in_before_anything_else(screen):
    """Streamlit may run a file under pages/ by URL before the entrypoint has routed once: the
    first statement after the imports is ui.session's check, which routes such a run through the entrypoint."""
    tree = ast.parse(screen.read_text(encoding="utf-8"), filename=str(screen))
    body = [n for n in tree.body if not isinstance(n, ast.Import | ast.ImportFrom)
            and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    first = ast.unparse(body[0])
    assert first in ("user = session.screen_user()", "session.signed_out_screen()"), first


def test_the_entrypoint_imports_no_screen_and_names_each_screen_once():
    """The one page registry is ui.routes; each screen file is there once."""
    assert "pages" not in {top_package(m) for m in imported_modules(ROOT / "streamlit_app.py")}
    routes = (ROOT / "ui" / "routes.py").read_text(encoding="utf-8")
    for screen in PAGES:
        assert routes.count(f'"pages/{screen.name}"') == 1, screen.name


def test_the_layer_contracts_hold():
    done = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]


def test_the_layer_contracts_catch_an_import_that_points_up(tmp_path):
    """The same contracts over a copy of the code in which plpcore imports ui fail."""
    for folder in ("plpcore", "ui", "pages"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__", "fonts"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    rules = tmp_path / "plpcore" / "rules.py"
    rules.write_text(rules.read_text(encoding="utf-8") + "\nimport ui.words  # pointing up\n", encoding="utf-8")
    done = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode != 0
    assert "plpcore.rules -> ui.words" in done.stdout


def test_the_import_time_check_catches_a_page_that_writes_when_imported():
    page = """
import streamlit as st
from streamlit import title

@st.cache_resource
def engine(): ...

@st.fragment(run_every=2)
def poll(): st.write("fine: runs only when called")

st.set_page_config(layout="wide")
title("Leaks")
class Page:
    header = st.header("also at import")
def render(user=st.session_state.get("user")): ...
"""
    tree = ast.parse(page)
    assert [line.split(":")[0] for line in calls_at_import(tree, streamlit_names(tree))] == [
        "line 11", "line 12", "line 14", "line 15"]
