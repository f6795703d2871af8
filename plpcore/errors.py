"""The exceptions plpcore raises; pages turn each one into a message."""

from __future__ import annotations

from typing import Any


class PlanTableError(Exception):
    """Base of every domain error: its str() is a sentence fit to show a user."""


class NotFound(PlanTableError):
    """The thing does not exist, or the acting user may not know that it exists."""


class NotAllowed(PlanTableError):
    """The thing is not there, or the acting user has no relationship to the student that
    permits the action. One type for both, so that guessing ids tells nothing; `audit`
    holds the AuditEvent row the unit of work writes for the denial."""

    def __init__(self, message: str, audit: dict[str, Any] | None = None):
        super().__init__(message)
        self.audit = audit


class PlanKept(PlanTableError):
    """A change to a past school year's archived plan: it is kept as it was, to read."""

    def __init__(self) -> None:
        super().__init__("This plan is from a past school year: it is kept as it was, to read. "
                         "Open this year's plan to change it.")


class InvalidInput(PlanTableError):
    """A value was refused; `field` names it (and `line` the CSV line, when there is one)."""

    def __init__(self, field: str, message: str, *, line: int | None = None):
        self.field = field
        self.line = line
        where = f"line {line}, {field}" if line is not None else field
        super().__init__(f"{where}: {message}")
        self.message = message


class InvalidInputs(InvalidInput):
    """Several values of one form were refused: `problems` holds each, in the form's order, so the
    person hears of every one at once. It reads as (and is caught as) the first, with the rest after."""

    def __init__(self, problems: list[InvalidInput]):
        first = problems[0]
        super().__init__(first.field, first.message, line=first.line)
        self.problems = problems
        self.args = ("; ".join(str(p) for p in problems),)

    def __str__(self) -> str:
        return self.args[0]


class LinkRefused(PlanTableError):
    """A one-time link that is expired, used, or no one's: one sentence for all three, so the
    answer tells nothing about whose link it was."""

    def __init__(self) -> None:
        super().__init__("This link has expired or was already used. Ask for a new one below.")


class EditConflict(PlanTableError):
    """Someone saved a newer version first; both the stored and the attempted values are kept."""

    def __init__(
        self,
        entity: str,
        entity_id: int,
        stored: dict[str, Any],
        attempted: dict[str, Any],
        stored_version: int,
        stored_by: str | None = None,
    ):
        self.entity = entity
        self.entity_id = entity_id
        self.stored = stored
        self.attempted = attempted
        self.stored_version = stored_version
        self.stored_by = stored_by
        who = f" by {stored_by}" if stored_by else ""
        super().__init__(
            f"This {entity} was changed{who} while you were editing it. "
            "Your text is kept: choose yours, theirs, or merge them."
        )
