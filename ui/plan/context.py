"""One plan as one viewer sees it: what every part of the plan screen (and the meeting room) takes."""

from __future__ import annotations

import dataclasses
from typing import Any

from plpcore.access import Action
from plpcore.db import Database
from ui.session import SignedIn


@dataclasses.dataclass(frozen=True)
class Ctx:
    """The database, who is looking, and the plan document as plpcore gave it to them."""

    db: Database
    user: SignedIn
    doc: dict[str, Any]

    @property
    def plan_id(self) -> int:
        return self.doc["plan"]["id"]

    @property
    def student_id(self) -> int:
        return self.doc["student"]["id"]

    def can(self, action: Action) -> bool:
        """Whether the viewer's roles toward this student allow the action (plpcore worked it out)."""
        return self.doc["can"][action.value]
