"""Input checks shared by every service: each refusal names the field."""

from __future__ import annotations

import datetime as dt
import numbers
import re
import unicodedata
from collections.abc import Callable
from typing import Literal, ParamSpec, TypeVar, overload
from urllib.parse import urlparse

from email_validator import EmailNotValidError, validate_email

from plpcore.errors import InvalidInput, InvalidInputs
from plpcore.models import Choice

SHORT = 200  # names, titles, single-line fields
LONG = 10_000  # free text: plan sections, goal statements, notes

E = TypeVar("E", bound=Choice)
T = TypeVar("T")
P = ParamSpec("P")

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")


class Problems:
    """The refusals of a form's checks, gathered so that every problem is reported at once.

        problems = Problems()
        name = problems.check(line, "school name", school_name)
        ...
        problems.raise_any()  # nothing is written unless every value passed
    """

    def __init__(self) -> None:
        self.found: list[InvalidInput] = []

    def check(self, check: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """The checked value; a refusal is noted (and None stands in for the value until `raise_any`)."""
        try:
            return check(*args, **kwargs)
        except InvalidInputs as exc:
            self.found += exc.problems
        except InvalidInput as exc:
            self.found.append(exc)
        return None  # pyright: ignore[reportReturnType]  (never used: raise_any raises first)

    def raise_any(self) -> None:
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise InvalidInputs(self.found)


def text(field: str, value: object, *, max_len: int = LONG, required: bool = True) -> str:
    """Free text is stored as typed, or refused: never trimmed or rewritten, with one exception.

    Invisible control characters (U+0000–U+001F and U+007F–U+009F, except tab and line breaks)
    come with text pasted from another program: the ones that break a line there (vertical tab,
    form feed, next line) become a line break, the rest are dropped; nobody can see or mean them,
    and PostgreSQL cannot store NUL. A broken character (an unpaired surrogate) is refused.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(field, "must be text.")
    value = without_controls(value)
    if required and not value.strip():
        raise InvalidInput(field, "is required.")
    if len(value) > max_len:
        raise InvalidInput(field, f"is too long ({len(value):,} characters; at most {max_len:,}).")
    if any(unicodedata.category(ch) == "Cs" for ch in value):
        raise InvalidInput(field, "contains a broken character (an unpaired surrogate).")
    return value


def without_controls(value: str) -> str:
    """The text without its invisible control characters (tab, line feed and carriage return stay)."""
    return value.translate(_CONTROLS) if _HAS_CONTROL.search(value) else value


_LINE_BREAKS = "\x0b\x0c\x85"  # Word's manual line break, a page break, EBCDIC's next line
_CONTROLS = {c: "\n" if chr(c) in _LINE_BREAKS else None
             for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in "\t\n\r"}
_HAS_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def line(field: str, value: object, *, max_len: int = SHORT, required: bool = True) -> str:
    value = text(field, value, max_len=max_len, required=required)
    if "\n" in value or "\r" in value:
        raise InvalidInput(field, "must be a single line.")
    return value


def optional_line(field: str, value: object, *, max_len: int = SHORT) -> str | None:
    value = line(field, value, max_len=max_len, required=False)
    return value or None


def email(field: str, value: object) -> str | None:
    """An e-mail address checked by its form only (no DNS lookup: a school's mail may be internal),
    in its normalized spelling; None when none is given."""
    value = optional_line(field, value, max_len=254)
    if value is None:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInput(field, f"is not an e-mail address: {exc}") from None


def username(value: object) -> str:
    if value is None or value == "":
        raise InvalidInput("username", "is required.")
    if not isinstance(value, str) or not _USERNAME.match(value):
        raise InvalidInput(
            "username",
            "must be 2–64 characters: letters, digits, dot, dash, underscore or @, "
            "starting with a letter or digit.",
        )
    return value


def password(value: object, field: str = "password") -> str:
    if not isinstance(value, str) or len(value) < 8:
        raise InvalidInput(field, "must be at least 8 characters.")
    if len(value.encode()) > 72:
        raise InvalidInput(field, "must be at most 72 bytes.")
    return value


def choice(field: str, enum_cls: type[E], value: object) -> E:
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)
        raise InvalidInput(field, f"must be one of: {allowed} (got {value!r}).") from None


def integer(field: str, value: object, *, lo: int, hi: int, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            raise InvalidInput(field, "is required.")
        return None
    if isinstance(value, bool):
        raise InvalidInput(field, "must be a whole number.")
    try:
        number = int(value)  # pyright: ignore[reportArgumentType]  (whatever came in: a TypeError is caught)
    except (TypeError, ValueError):
        raise InvalidInput(field, "must be a whole number.") from None
    if isinstance(value, float) and value != number:
        raise InvalidInput(field, "must be a whole number.")
    if not lo <= number <= hi:
        raise InvalidInput(field, f"must be between {lo} and {hi}.")
    return number


@overload
def date(field: str, value: object, *, required: Literal[True] = True) -> dt.date: ...


@overload
def date(field: str, value: object, *, required: bool) -> dt.date | None: ...


def date(field: str, value: object, *, required: bool = True) -> dt.date | None:
    if value is None or value == "":
        if required:
            raise InvalidInput(field, "is required.")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInput(field, "must be a date (YYYY-MM-DD).")


def datetime(field: str, value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, str):
        try:
            return datetime(field, dt.datetime.fromisoformat(value.strip()))
        except ValueError:
            pass
    raise InvalidInput(field, "must be a date and time (YYYY-MM-DD HH:MM).")


def date_order(first: str, start: dt.date | None, last: str, end: dt.date | None) -> None:
    if start and end and end < start:
        raise InvalidInput(last, f"must not be before {first}.")


def url(field: str, value: object) -> str | None:
    value = optional_line(field, value, max_len=500)
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput(field, "must be a web address starting with http:// or https://.")
    return value


# The largest id a PostgreSQL INTEGER column holds; a bigger "id" names nothing.
MAX_ID = 2**31 - 1


def as_id(value: object) -> int | None:
    """A row id as the database can look it up, or None when the value cannot be one.

    Ids come from URLs and widgets: "3", True or 10**30 must read as "no such row"
    (and so be denied and audited), not reach the driver as a type or range error.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None
