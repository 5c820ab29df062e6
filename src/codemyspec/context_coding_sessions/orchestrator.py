"""The ContextCodingSessions workflow as a routing table over recorded interactions.

Routes, on the last completed interaction (pending ones are ignored):

    none                 → Initialize
    Initialize ok        → SpawnComponentCodingSessions;  otherwise → Initialize
    Spawn ok             → Finalize;  otherwise → Spawn (the validation loop)
    Finalize ok          → session complete;  otherwise → Finalize
    a step not listed    → invalid interaction
"""

from __future__ import annotations

from codemyspec.context_coding_sessions.steps import (
    Finalize,
    Initialize,
    SpawnComponentCodingSessions,
)
from codemyspec.errors import InvalidInteractionError, InvalidStateError, SessionCompleteError
from codemyspec.sessions import Interaction, ResultStatus, Session, Step, last_completed

STEPS: tuple[Step, ...] = (Initialize, SpawnComponentCodingSessions, Finalize)
_NAMES = frozenset(step.name for step in STEPS)


def steps() -> list[Step]:
    """The workflow's steps, in order."""
    return list(STEPS)


def get_next_interaction(session: Session) -> Step:
    """The step to run next; raises when the workflow is complete or the record is unroutable."""
    last = last_completed(session)
    if last is None:
        return Initialize
    if last.step not in _NAMES:
        raise InvalidInteractionError(f"{last.step!r} is not a step of ContextCodingSessions")
    status = last.result.status if last.result else None
    match (last.step, status):
        case (Initialize.name, ResultStatus.OK):
            return SpawnComponentCodingSessions
        case (Initialize.name, _):
            return Initialize
        case (SpawnComponentCodingSessions.name, ResultStatus.OK):
            return Finalize
        case (SpawnComponentCodingSessions.name, _):
            return SpawnComponentCodingSessions
        case (Finalize.name, ResultStatus.OK):
            raise SessionCompleteError(f"session {session.id} is complete")
        case (Finalize.name, _):
            return Finalize
    raise InvalidStateError(f"no route for {last.step} with status {status}")


def complete(session_or_interaction: Session | Interaction) -> bool:
    """True exactly when the newest interaction is Finalize with status ok."""
    if isinstance(session_or_interaction, Session):
        if not session_or_interaction.interactions:
            return False
        interaction = session_or_interaction.interactions[0]
    else:
        interaction = session_or_interaction
    return (
        interaction.step == Finalize.name
        and interaction.result is not None
        and interaction.result.status is ResultStatus.OK
    )
