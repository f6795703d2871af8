"""The layers stay apart: plpcore knows nothing of Streamlit, pages do nothing when imported."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLPCORE = sorted((ROOT / "plpcore").rglob("*.py"))
PAGES = sorted((ROOT / "pages").glob("*.py"))
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


@pytest.mark.skipif(not PAGES, reason="no pages yet")
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_module_makes_no_streamlit_call_when_imported(page):
    tree = ast.parse(page.read_text(encoding="utf-8"), filename=str(page))
    assert calls_at_import(tree, streamlit_names(tree)) == []


@pytest.mark.skipif(not PAGES, reason="no pages yet")
@pytest.mark.parametrize("page", [*PAGES, ROOT / "streamlit_app.py"], ids=lambda p: p.name)
def test_pages_never_import_sqlalchemy(page):
    assert "sqlalchemy" not in {top_package(m) for m in imported_modules(page)}


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
