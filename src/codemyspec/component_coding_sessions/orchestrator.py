"""The ComponentCodingSessions workflow as a routing table over recorded interactions.

    none                 → Initialize
    Initialize ok        → GenerateImplementation;  otherwise → Initialize
    Generate ok          → RunTests;                otherwise → GenerateImplementation
    RunTests ok          → Finalize;                error → FixTestFailures; warning → RunTests
    FixTestFailures ok   → RunTests;                otherwise → FixTestFailures
    Finalize ok          → session complete;        otherwise → Finalize

The fix loop is bounded by RunTests, which fails the session after the last round.
"""

from __future__ import annotations

from codemyspec.component_coding_sessions.steps import (
    Finalize,
    FixTestFailures,
    GenerateImplementation,
    Initialize,
    RunTests,
)
from codemyspec.errors import InvalidInteractionError, InvalidStateError, SessionCompleteError
from codemyspec.sessions import Interaction, ResultStatus, Session, Step, last_completed

STEPS: tuple[Step, ...] = (Initialize, GenerateImplementation, RunTests, FixTestFailures, Finalize)
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
        raise InvalidInteractionError(f"{last.step!r} is not a step of ComponentCodingSessions")
    status = last.result.status if last.result else None
    match (last.step, status):
        case (Initialize.name, ResultStatus.OK):
            return GenerateImplementation
        case (Initialize.name, _):
            return Initialize
        case (GenerateImplementation.name, ResultStatus.OK):
            return RunTests
        case (GenerateImplementation.name, _):
            return GenerateImplementation
        case (RunTests.name, ResultStatus.OK):
            return Finalize
        case (RunTests.name, ResultStatus.ERROR):
            return FixTestFailures
        case (RunTests.name, _):
            return RunTests
        case (FixTestFailures.name, ResultStatus.OK):
            return RunTests
        case (FixTestFailures.name, _):
            return FixTestFailures
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
