"""The ComponentCodingSessions workflow as a routing table over recorded interactions.

    none                 → Initialize
    Initialize ok        → GenerateImplementation;  otherwise → Initialize
    Generate ok          → RunTests;                otherwise → GenerateImplementation
    RunTests ok          → Finalize;                error → FixTestFailures; warning → RunTests
    FixTestFailures ok   → RunTests;                otherwise → FixTestFailures
    Finalize ok          → session complete, unless reopened for a repair → PrepareRepair;
                           otherwise → Finalize
    PrepareRepair ok     → FixTestFailures (the repair round);  otherwise → PrepareRepair

The fix loop is bounded by RunTests, which fails the session after the last round. A
completed child is reopened by its parent when its changes break other components' tests
in the integrated tree (its state's ``repair``, which its next Finalize clears): the same
fix loop then runs in its worktree brought up to the integrated tree.
"""

from __future__ import annotations

from codemyspec.component_coding_sessions.state import ComponentState
from codemyspec.component_coding_sessions.steps import (
    Finalize,
    FixTestFailures,
    GenerateImplementation,
    Initialize,
    PrepareRepair,
    RunTests,
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

STEPS: tuple[Step, ...] = (
    Initialize,
    GenerateImplementation,
    RunTests,
    FixTestFailures,
    Finalize,
    PrepareRepair,
)


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
        case (Finalize.name, ResultStatus.OK) if ComponentState.of(session).repair is not None:
            return PrepareRepair
        case (Finalize.name, ResultStatus.OK):
            raise SessionCompleteError(f"session {session.id} is complete")
        case (Finalize.name, _):
            return Finalize
        case (PrepareRepair.name, ResultStatus.OK):
            return FixTestFailures
        case (PrepareRepair.name, _):
            return PrepareRepair
    raise InvalidStateError(f"no route for {last[0]} with status {last[1]}")


def complete(session_or_interaction: Session | Interaction) -> bool:
    """True exactly when the newest interaction is Finalize with status ok."""
    return finished_with(session_or_interaction, Finalize)
