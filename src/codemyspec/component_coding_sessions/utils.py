"""What the component workflow's steps share: names, paths and the fix-round count."""

from __future__ import annotations

from typing import Any

from codemyspec.component_coding_sessions.state import ComponentState, WorkspacePrepared
from codemyspec.components import Component
from codemyspec.context_coding_sessions import DEFAULT_MAX_FIX_ROUNDS, FIX_STEP_NAME, slugify
from codemyspec.errors import StepError
from codemyspec.projects import Project
from codemyspec.scope import Scope
from codemyspec.sessions import ComponentReader, ResultStatus, Session

SESSION_TYPE = "ComponentCodingSessions"
WORKTREES_DIR = ".codemyspec/worktrees"
INITIALIZE_STEP_NAME = "ComponentCodingSessions.Steps.Initialize"
PREPARE_REPAIR_STEP_NAME = "ComponentCodingSessions.Steps.PrepareRepair"


def writes_context_module(session: Session) -> bool:
    """Whether this child session writes its context's own module (after every sibling)."""
    return ComponentState.of(session).context_module


def child_branch_name(parent_branch: str, component: Component) -> str:
    """``<parent-branch>--<component-slug>``: each child works on its own branch."""
    return f"{parent_branch}--{slugify(component.name) or f'component-{component.id}'}"


def worktree_path(branch: str) -> str:
    """Where the child's worktree lives, relative to the project root (git-ignored)."""
    return f"{WORKTREES_DIR}/{branch}"


def require_component(session: Session) -> tuple[Component, Project]:
    """The session's component and project, or the step error that says which is missing."""
    if session.component is None:
        raise StepError("Component not found in session")
    if session.project is None:
        raise StepError("Project not found in session")
    return session.component, session.project


def workspace_state(session: Session) -> tuple[str, str]:
    """The worktree and branch Initialize recorded; later steps cannot run without them."""
    state = ComponentState.of(session)
    if not state.worktree or not state.branch_name:
        raise StepError("the component's workspace was not initialized")
    return state.worktree, state.branch_name


def max_fix_rounds(session: Session) -> int:
    """The bound on fix rounds the parent gave, else the default."""
    rounds = ComponentState.of(session).max_fix_rounds
    return DEFAULT_MAX_FIX_ROUNDS if rounds is None else rounds


def fix_rounds_done(session: Session) -> int:
    """How many FixTestFailures interactions have completed."""
    return sum(1 for i in session.interactions if i.step == FIX_STEP_NAME and not i.pending)


def reported_files(session: Session) -> dict[str, str | None]:
    """The files' text the runner read when it prepared the workspace (newest Initialize that
    went well); empty for a session recorded before runners reported them."""
    for interaction in session.interactions:
        result = interaction.result
        done = result is not None and result.status is ResultStatus.OK
        if interaction.step == INITIALIZE_STEP_NAME and result is not None and done:
            return WorkspacePrepared.of(result).files
    return {}


def repair_begins(session: Session) -> bool:
    """Whether the newest completed interaction is the repair's PrepareRepair: the next fix
    round is the repair's first, whose prompt holds the finding."""
    last = next((i for i in session.interactions if not i.pending), None)
    return last is not None and last.step == PREPARE_REPAIR_STEP_NAME


def last_test_run(session: Session) -> dict[str, Any] | None:
    """The newest RunTests report recorded in the session's state."""
    return ComponentState.of(session).last_test_run


def total_agent_usage(children: list[Session]) -> dict[str, float]:
    """The children's agent cost, tokens and turns, summed key by key (what a context shows)."""
    total: dict[str, float] = {}
    for child in children:
        for key, value in ComponentState.of(child).agent_usage.items():
            total[key] = total.get(key, 0.0) + value
    return total


def others_of(scope: Scope, component: Component, components: ComponentReader) -> list[Component]:
    """The components whose files this one's session may not touch: its siblings and its
    context, or, for a context's own session, the context's components."""
    if component.type.is_context:
        return components.list_child_components(scope, component.id)
    if component.parent_component_id is None:
        return []
    siblings = components.list_child_components(scope, component.parent_component_id)
    context = components.get(scope, component.parent_component_id)
    return [c for c in siblings if c.id != component.id] + [context]
