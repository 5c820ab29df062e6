"""The ContextCodingSessions workflow as a routing table over recorded interactions.

Routes, on the last completed interaction (pending ones are ignored):

    none                 → Initialize
    Initialize ok        → SpawnComponentCodingSessions;  otherwise → Initialize
    Spawn ok             → Finalize;  otherwise → Spawn (the validation loop; a warning is a
                           culprit child reopened for a repair: the runner goes on at once,
                           an error waits for a person)
    Finalize ok          → OpenPullRequest when the state carries ``[forge] pull_request``
                           (pushed, no URL recorded yet), else session complete;
                           otherwise → Finalize
    OpenPullRequest      → session complete (ok, or a warning: the forge CLI failed)
    a step not listed    → invalid interaction
"""

from __future__ import annotations

from codemyspec.context_coding_sessions.state import ContextState
from codemyspec.context_coding_sessions.steps import (
    Finalize,
    Initialize,
    OpenPullRequest,
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

STEPS: tuple[Step, ...] = (Initialize, SpawnComponentCodingSessions, Finalize, OpenPullRequest)


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
            if ContextState.of(session).opens_pull_request:
                return OpenPullRequest
            raise SessionCompleteError(f"session {session.id} is complete")
        case (Finalize.name, _):
            return Finalize
        case (OpenPullRequest.name, _):
            raise SessionCompleteError(f"session {session.id} is complete")
    raise InvalidStateError(f"no route for {last[0]} with status {last[1]}")


def complete(session_or_interaction: Session | Interaction) -> bool:
    """True exactly when the newest interaction is Finalize with status ok and no pull
    request follows it, or a finished OpenPullRequest (ok, or a warning: the branch is
    pushed, the forge CLI's failure recorded). An interaction alone cannot tell whether a
    pull request follows its Finalize: there a Finalize ok counts as complete."""
    if isinstance(session_or_interaction, Session):
        if not session_or_interaction.interactions:
            return False
        newest = session_or_interaction.interactions[0]
        if finished_with(newest, Finalize):
            return not ContextState.of(session_or_interaction).opens_pull_request
    else:
        newest = session_or_interaction
    if newest.step == OpenPullRequest.name:
        return newest.result is not None and newest.result.status is not ResultStatus.ERROR
    return finished_with(newest, Finalize)
