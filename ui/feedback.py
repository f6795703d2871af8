"""Messages: how a write is run and reported, in the school's words, and how typed text is shown safely.

There is one way to write from a screen: `write(verb, ...)` in a widget's callback. It runs
one plpcore verb; on success the next run shows `done`; on a refusal the next run shows
plpcore's reason beside the form named by `where` (or at the top of the screen); a verb that
answers False (an edit conflict parked for the person to resolve) is reported as neither.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from plpcore.errors import NotAllowed, NotFound, PlanTableError
from ui.session import StateKeys

NOT_FOUND = "Not found, or you are not allowed to see it."

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>:$&=^\"'])")
# Streamlit's frontend rewrites some text after markdown has undone the escapes (Streamlit 1.67,
# static/js/StreamlitMarkdown.*.js): `:name:` becomes an icon (`:material/x:`, `:material_x:`), an
# emoji (`:smile:`) or its logo (`:streamlit:`), and `->`, `<-`, `--`, `>=`, `<=`, `~=` become arrows
# and signs. An invisible WORD JOINER after each colon that could open such a `:name:`, and inside
# each pair, leaves nothing for those rules to match. A colon followed by a space (or by a time's
# minutes, with no colon after) is left as it is. tests/test_feedback.py holds these rules to the shipped frontend.
_REWRITTEN = re.compile(r":(?=[^\s:]*:)|[<>~-](?=[>=-])")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """Text a person typed, made safe for a Streamlit markdown string (headings, captions, labels).

    Every ASCII punctuation character is backslash-escaped, so `**`, links, `:red[...]` and
    `$math$` all show as the characters that were typed; a WORD JOINER (U+2060, invisible) keeps
    `:material/warning:`, `:smile:`, `:streamlit:` and `->` from becoming icons, emoji and arrows.
    """
    joined = _REWRITTEN.sub(lambda found: found[0] + WORD_JOINER, str(text))
    return _MARKDOWN.sub(r"\\\1", joined).replace("\n", " ")


def error_text(exc: PlanTableError) -> str:
    """What a person reads for a plpcore exception (a refusal never says which it was)."""
    if isinstance(exc, NotAllowed | NotFound):
        return NOT_FOUND
    return str(exc)


def flash(message: str) -> None:
    """Show a success message on the next run (after the callback's rerun)."""
    st.session_state[StateKeys.FLASH] = message


def _error_key(where: str | None) -> str:
    return StateKeys.ERROR if where is None else f"{where}_error"


def write(verb: Callable[..., Any], *args: Any, done: str = "", where: str | None = None, **kwargs: Any) -> bool:
    """Run one plpcore write, from a widget's callback; True when it was stored.

    `where` names the form the message belongs beside (its key prefix, shown by
    `show_error(where)`); without it the message shows at the top of the next run.
    """
    st.session_state.pop(_error_key(where), None)
    try:
        result = verb(*args, **kwargs)
    except PlanTableError as exc:
        st.session_state[_error_key(where)] = error_text(exc)
        return False
    if result is False:  # a conflict, parked for the person to choose
        return False
    if done:
        flash(done)
    return True


def refuse(message: str, where: str | None = None) -> None:
    """A check the screen makes before calling plpcore (nothing to send yet), reported like a refusal."""
    st.session_state[_error_key(where)] = message


def show_error(where: str) -> None:
    """The refusal of the last write made from the form `where`, beside that form."""
    message = st.session_state.get(_error_key(where))
    if message:
        st.error(md(message))


def show_exception(exc: PlanTableError) -> None:
    """A plpcore refusal met while reading, shown in place."""
    st.error(md(error_text(exc)))


def show_flash() -> None:
    """The messages left by the last action: an error from a callback, or a success."""
    error = st.session_state.pop(StateKeys.ERROR, None)
    if error:
        st.error(md(error))
    message = st.session_state.pop(StateKeys.FLASH, None)
    if message:
        st.success(md(message))
