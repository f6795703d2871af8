"""Messages: how a write is run and reported, in the school's words, and how typed text is shown safely.

There is one way to write from a screen: `write(verb, ...)` in a widget's callback. It runs
one plpcore verb; on success the next run shows `done`; on a refusal the next run shows
plpcore's reason beside the form named by `where` (or at the top of the screen); a verb that
answers False (an edit conflict parked for the person to resolve) is reported as neither.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from typing import Any

import streamlit as st

from plpcore.errors import InvalidInput, NotAllowed, NotFound, PlanTableError
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


def welcome(message: str) -> None:
    """A confirmation that stays on the sign-in page until the person signs in (set-up, the demo school):
    the sign-in form reruns on its own as it settles, which would take a one-time message away unread."""
    st.session_state[StateKeys.WELCOME] = message


def show_welcome() -> None:
    message = st.session_state.get(StateKeys.WELCOME)
    if message:
        st.success(md(message), icon=":material/check_circle:")


def _error_key(where: str | None) -> str:
    return StateKeys.ERROR if where is None else f"{where}_error"


def _fields_key(where: str) -> str:
    return f"{where}_problems"  # {field: plpcore's message}, for a form that marks its fields (field_problem)


def write(verb: Callable[..., Any], *args: Any, done: str | Callable[[Any], str] = "", where: str | None = None,
          clear: Iterable[str] = (), **kwargs: Any) -> bool:
    """Run one plpcore write, from a widget's callback; True when it was stored.

    `where` names the form the message belongs beside (its key prefix, shown by
    `show_error(where)`); without it the message shows at the top of the next run.
    `clear` names the widgets to empty once the write is stored: a refused one keeps
    what the person typed (so a form never uses clear_on_submit). `done` is the confirmation,
    or makes it from what the verb returned ("Made 86 draft plans").
    """
    st.session_state.pop(_error_key(where), None)
    if where is not None:
        st.session_state.pop(_fields_key(where), None)
    try:
        result = verb(*args, **kwargs)
    except PlanTableError as exc:
        st.session_state[_error_key(where)] = error_text(exc)
        if where is not None and isinstance(exc, InvalidInput):
            st.session_state[_fields_key(where)] = {p.field: p.message for p in getattr(exc, "problems", [exc])}
            st.session_state[f"{where}_focus"] = True  # once: the first marked field takes the focus
        return False
    if result is False:  # a conflict, parked for the person to choose
        return False
    for key in clear:
        st.session_state.pop(key, None)
    if done:
        flash(done(result) if callable(done) else done)
    return True


def refuse(message: str, where: str | None = None) -> None:
    """A check the screen makes before calling plpcore (nothing to send yet), reported like a refusal."""
    st.session_state[_error_key(where)] = message


def show_error(where: str, *, marked: Collection[str] = ()) -> None:
    """The refusal of the last write made from the form `where`, beside that form.

    The fields in `marked` have their own message beside them (`field_problem`); for those
    this says only how many there are, and shows the rest in full.
    """
    message = st.session_state.get(_error_key(where))
    if not message:
        return
    problems = st.session_state.get(_fields_key(where), {})
    beside = [field for field in problems if field in marked]
    if not beside:
        st.error(md(message))
        return
    rest = [f"{field}: {text}" for field, text in problems.items() if field not in marked]
    count = "one thing" if len(beside) == 1 else f"{len(beside)} things"
    st.error(md(" ".join([f"Please fix {count} marked above."] + rest)))


def field_problem(where: str, field: str, key: str, *, required: str) -> None:
    """Right under one field of the form `where` (its widget `key`): what was wrong with it in the last
    write, as a sentence; `required` is the sentence for an empty field ("Enter your school's name.").
    The first field marked after a refusal takes the keyboard focus, which scrolls it into view."""
    message = st.session_state.get(_fields_key(where), {}).get(field)
    if message is None:
        return
    st.error(md(required if message == "is required." else f"{field[:1].upper()}{field[1:]} {message}"))
    if st.session_state.pop(f"{where}_focus", False):
        into_view(key)


def into_view(key: str) -> None:
    """Scroll the element with this key into view once it is drawn, and give its text box (if it
    has one) the keyboard focus: for what a person must see after acting, which the page would
    otherwise leave off-screen (on a phone, the form they sent was taller than its answer)."""
    # Our own script, naming our own widget key: no typed text reaches it.
    st.html(_INTO_VIEW.replace("KEY", key), unsafe_allow_javascript=True)


_INTO_VIEW = """<script>
(() => {
  let tries = 0;
  const show = () => {
    const element = document.querySelector(".st-key-KEY");
    if (!element) { if (tries++ < 40) setTimeout(show, 50); return; }
    const field = element.querySelector("input, textarea");
    if (field) field.focus({preventScroll: true});
    const box = element.getBoundingClientRect();  // already in view (below the app's header): leave the page be
    if (box.top < 64 || box.bottom > window.innerHeight) element.scrollIntoView({block: "center"});
  };
  show();
})();
</script>"""


def show_exception(exc: PlanTableError) -> None:
    """A plpcore refusal met while reading, shown in place."""
    st.error(md(error_text(exc)))


def show_flash() -> None:
    """The messages left by the last action: an error from a callback, or a success.

    Each has its place on every run, drawn or empty (st.empty). Streamlit knows an element by its
    position: a message drawn on one run and gone on the next moved everything below it, and
    Streamlit drew all of that anew, which dropped the keyboard focus. Tab from a note just typed
    (its value sent, a rerun) put the focus on the button beside it, and then on nothing.
    """
    error, message = st.empty(), st.empty()
    if text := st.session_state.pop(StateKeys.ERROR, None):
        error.error(md(text))
    if text := st.session_state.pop(StateKeys.FLASH, None):
        message.success(md(text))
