"""Which commit a finished child's branch must hold, and which runner made it.

Finalize records it with the child's completion, so a runner sharing branches through
``origin`` can tell the finished work of the child's current attempt from a stale branch
of an abandoned one (a runner that died mid-agent keeps its half-made branch locally).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from codemyspec.sessions import Session

BRANCH_TIP_KEY = "branch_tip"
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


class BranchTip(BaseModel):
    """The commit Finalize made on the child's branch, by which claim holder, in which attempt."""

    model_config = ConfigDict(frozen=True)

    sha: str
    holder: str | None = None
    attempt: int = 1


def tip_in_output(stdout: str) -> str | None:
    """The sha ``git rev-parse HEAD`` printed last, None when the output does not end in one."""
    words = stdout.split()
    return words[-1] if words and _SHA.fullmatch(words[-1]) else None


def branch_tip(session: Session) -> BranchTip | None:
    """The tip recorded for the session's current attempt, None when there is none."""
    raw = session.state.get(BRANCH_TIP_KEY)
    try:
        tip = BranchTip.model_validate(raw) if isinstance(raw, dict) else None
    except PydanticValidationError:
        return None
    return tip if tip is not None and tip.attempt == session.attempt else None
