"""Words and formatting: how names, authors, dates and ratings read on every screen."""

from __future__ import annotations

import datetime as dt

from plpcore.checks import MAX_ID
from plpcore.rules import RATING_WORDS, rating_label
from ui.feedback import md

# Every rating as a picker offers it: "3 · progressing".
RATING_LABELS = {rating: rating_label(rating) for rating in RATING_WORDS}
RATING_SCALE = ", ".join(RATING_LABELS.values())


def initials(name: str | None) -> str:
    return "".join(part[0] for part in (name or "").split()[:2]).upper()


def by_line(name: str | None, when: object = None) -> str:
    """"SS · Sam Specialist · 2026-09-14", escaped for a caption."""
    if not name:
        return ""
    parts = [initials(name), name] + ([f"{when:%Y-%m-%d}"] if isinstance(when, dt.date) else [])
    return md(" · ".join(parts))


def parse_id(value: object) -> int | None:
    """An id as typed in a URL or held by a widget; anything else is None.

    A number longer than any id (MAX_ID has 10 digits) is None too, before int() reads it:
    Python refuses int() of more than 4,300 digits with a ValueError, and a URL can hold 5,000.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        digits = value.strip().lstrip("0") or "0"
        return int(digits) if len(digits) <= len(str(MAX_ID)) else None
    return None
