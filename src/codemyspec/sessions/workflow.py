"""The shapes every workflow shares: a step, an orchestrator, and what a step may use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from codemyspec.commands import Command, Result, ResultStatus
from codemyspec.errors import InvalidInteractionError
from codemyspec.sessions.models import Interaction, Session, SessionUpdate

if TYPE_CHECKING:
    from codemyspec.components import Component
    from codemyspec.scope import Scope


class SessionReader(Protocol):
    """The session reads a step may make (the repository has them, and writes it may not)."""

    def get(self, scope: Scope, session_id: int) -> Session: ...


class ComponentReader(Protocol):
    """The component reads a step may make."""

    def get(self, scope: Scope, component_id: int) -> Component: ...

    def get_by_module_name(self, scope: Scope, module_name: str) -> Component: ...

    def list_child_components(self, scope: Scope, parent_id: int) -> list[Component]: ...


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What ``handle_result`` returns: session changes and the (possibly rewritten) result.

    ``children``: changes to the session's own children by id (a culprit reopened for a
    repair round), applied by the engine in the same unit of work.
    """

    updates: SessionUpdate
    result: Result
    children: dict[int, SessionUpdate] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepContext:
    """What a step may consult in the current unit of work: reads only.

    No writes (a step's changes are its ``StepOutcome``; the children it wants are listed in
    its command, and the engine creates them), and no working tree, shell or git: whatever
    touches files, git or tests is a command the runner executes, and its result is the
    step's only view of them (so the same session gives the same commands locally and
    through a server).
    """

    sessions: SessionReader
    components: ComponentReader


class Step(Protocol):
    """One step of a workflow: describes its command, then judges the result."""

    @property
    def name(self) -> str: ...

    def get_command(self, scope: Scope, session: Session, **opts: Any) -> Command: ...

    def handle_result(
        self, scope: Scope, session: Session, result: Result, **opts: Any
    ) -> StepOutcome: ...


class Orchestrator(Protocol):
    """A pure routing table over a session's recorded interactions."""

    def steps(self) -> Sequence[Step]: ...

    def get_next_interaction(self, session: Session) -> Step: ...

    def complete(self, session_or_interaction: Session | Interaction) -> bool: ...


def last_completed(session: Session) -> Interaction | None:
    """The newest interaction that has a result; pending ones never route."""
    return next((i for i in session.interactions if not i.pending), None)


def last_route(session: Session, steps: Sequence[Step]) -> tuple[str, ResultStatus] | None:
    """(step name, status) of the last completed interaction: what an orchestrator matches on.

    None when nothing has completed yet; a step outside ``steps`` is an invalid interaction.
    """
    last = last_completed(session)
    if last is None or last.result is None:
        return None
    if last.step not in {step.name for step in steps}:
        raise InvalidInteractionError(f"{last.step!r} is not a step of {session.type}")
    return last.step, last.result.status


def finished_with(session_or_interaction: Session | Interaction, step: Step) -> bool:
    """True exactly when the newest interaction is ``step`` with status ok."""
    if isinstance(session_or_interaction, Session):
        if not session_or_interaction.interactions:
            return False
        interaction = session_or_interaction.interactions[0]
    else:
        interaction = session_or_interaction
    return (
        interaction.step == step.name
        and interaction.result is not None
        and interaction.result.status is ResultStatus.OK
    )


def step_context(opts: dict[str, Any]) -> StepContext:
    """The ``context`` the engine passes every step; a step called without one is misused."""
    context = opts.get("context")
    if not isinstance(context, StepContext):
        raise TypeError("steps are called by the sessions engine with context=StepContext(...)")
    return context
