"""ui.feedback.md: text a person typed, put into a Streamlit markdown string, reads back as typed.

No browser here: these tests do to md()'s output what Streamlit's frontend does to a markdown
string's text, with the rules copied from the frontend Streamlit ships (and checked against it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit

from tests.conftest import SHORTCODES
from ui.feedback import md

# The one character md() may add: U+2060 WORD JOINER, invisible and no place to break a line. It
# is all that stands between a typed `:smile:` and an emoji, so reading back drops it and only it.
WORD_JOINER = "\u2060"

FRONTEND = Path(streamlit.__file__).parent / "static" / "static" / "js"
# Streamlit 1.67's rules for the text of a markdown string (StreamlitMarkdown.*.js and
# remark-emoji.*.js), each as it is written in the frontend's code, and the same rule in Python.
TEXT_RULES = {
    "/:material_(\\w+):/g": r":material_(\w+):",  # a Material icon
    "/:streamlit:/g": r":streamlit:",  # Streamlit's logo
    "/:\\+1:|:-1:|:[\\w-]+:/g": r":\+1:|:-1:|:[\w-]+:",  # an emoji
    "[/(^|\\s)->(\\s|$)/g,`$1→$2`]": r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)",  # its typography
}


def as_streamlit_reads(markdown: str) -> str:
    """The text Streamlit's rules run on: the source with `:material/` made `:material_` (the
    frontend does that first, to the whole string), then markdown's backslash escapes undone."""
    return re.sub(r"\\(.)", r"\1", markdown.replace(":material/", ":material_"))


def test_the_rules_copied_here_are_the_ones_streamlits_frontend_ships():
    shipped = "".join(path.read_text(encoding="utf-8") for path in FRONTEND.glob("*.js")
                      if path.name.startswith(("StreamlitMarkdown.", "remark-emoji.")))
    assert [rule for rule in TEXT_RULES if rule not in shipped] == []
    assert "replaceAll(`:material/`,`:material_`)" in shipped


@pytest.mark.parametrize("typed", SHORTCODES)
def test_a_shortcode_typed_as_text_gives_streamlit_nothing_to_replace(typed):
    text = as_streamlit_reads(md(typed))
    assert [rule for rule in TEXT_RULES.values() if re.search(rule, text, re.ASCII)] == []


@pytest.mark.parametrize("typed", SHORTCODES)
def test_a_shortcode_typed_as_text_reads_back_as_typed_without_the_invisible_word_joiners(typed):
    assert as_streamlit_reads(md(typed)).replace(WORD_JOINER, "") == typed


@pytest.mark.parametrize(("typed", "escaped"), [
    (":red[coloured]", r"\:red\[coloured\]"),
    (":blue-background[x]", r"\:blue\-background\[x\]"),
    ("**bold** [link](javascript:alert(1))", r"\*\*bold\*\* \[link\]\(javascript\:alert\(1\)\)"),
    ("$x^2$ <b>", r"\$x\^2\$ \<b\>"),
])
def test_markdown_and_colour_directives_typed_as_text_are_backslash_escaped(typed, escaped):
    assert md(typed) == escaped


@pytest.mark.parametrize("typed", ["Ana: finish the unit", "today at 15:30", "6th-grade, 2026-10-01", "a - b"])
def test_ordinary_colons_and_hyphens_get_no_word_joiner(typed):
    assert WORD_JOINER not in md(typed)
