"""The ContextCodingSessions workflow as a routing table over recorded interactions.

Routes, on the last completed interaction (pending ones are ignored):

    none                 → Initialize
    Initialize ok        → SpawnComponentCodingSessions;  otherwise → Initialize
    Spawn ok             → Finalize;  otherwise → Spawn (the validation loop; a warning is a
                           culprit child reopened for a repair: the runner goes on at once,
                           an error waits for a person)
    Finalize ok          → session complete;  otherwise → Finalize
    a step not listed    → invalid interaction
"""

from __future__ import annotations

from codemyspec.context_coding_sessions.steps import (
    Finalize,
    Initialize,
    SpawnComponentCodingSessions,
)
from codemyspec.errors import InvalidStateError, SessionCompleteError
from codemyspec.sessions import (
    Interaction,
    ResultStatus,
    Session,
    Step,
    finished_with,
    last_route,
)

STEPS: tuple[Step, ...] = (Initialize, SpawnComponentCodingSessions, Finalize)


def steps() -> list[Step]:
    """The workflow's steps, in order."""
    return list(STEPS)


def get_next_interaction(session: Session) -> Step:
    """The step to run next; raises when the workflow is complete or the record is unroutable."""
    last = last_route(session, STEPS)
    if last is None:
        return Initialize
    match last:
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
    raise InvalidStateError(f"no route for {last[0]} with status {last[1]}")


def complete(session_or_interaction: Session | Interaction) -> bool:
    """True exactly when the newest interaction is Finalize with status ok."""
    return finished_with(session_or_interaction, Finalize)
