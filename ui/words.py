"""Words and formatting: how names, authors, dates and ratings read on every screen."""

from __future__ import annotations

import datetime as dt

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
    """An id as typed in a URL or held by a widget; anything else is None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None
