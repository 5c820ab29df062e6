"""Initialize: a worktree on the child's own branch, made from the parent's branch and deps."""

from __future__ import annotations

from typing import Any, ClassVar

from codemyspec.clock import utcnow
from codemyspec.component_coding_sessions.rules import repository_rules_path
from codemyspec.component_coding_sessions.state import ComponentState, WorkspacePrepared
from codemyspec.component_coding_sessions.utils import (
    INITIALIZE_STEP_NAME,
    child_branch_name,
    require_component,
    worktree_path,
    writes_context_module,
)
from codemyspec.components import component_files
from codemyspec.errors import NotFoundError, StepError
from codemyspec.scope import Scope
from codemyspec.sessions import (
    Command,
    PrepareWorkspaceCommand,
    Result,
    ResultStatus,
    Session,
    SessionStatus,
    SessionUpdate,
    StepContext,
    StepOutcome,
    step_context,
)


def _dependency_branches(
    scope: Scope, session: Session, parent_branch: str, **opts: Any
) -> list[str]:
    component, _ = require_component(session)
    context = step_context(opts)
    if not writes_context_module(session) and not component.dependencies:
        return []
    # Only the siblings of this run have branches (``implement --only``: the others'
    # work is on the parent's branch already).
    in_run = _sibling_components(scope, session, context)
    if writes_context_module(session):  # it builds on every component of the context
        siblings = context.components.list_child_components(scope, component.id)
        return [child_branch_name(parent_branch, s) for s in siblings if _runs(s.id, in_run)]
    branches = []
    for module_name in component.dependencies:
        try:
            dependency = context.components.get_by_module_name(scope, module_name)
        except NotFoundError:
            raise StepError(
                f"{component.name} depends on unknown component {module_name}"
            ) from None
        if _runs(dependency.id, in_run):
            branches.append(child_branch_name(parent_branch, dependency))
    return branches


def _sibling_components(scope: Scope, session: Session, context: StepContext) -> set[int] | None:
    """The components of the parent's children (None: no parent, every component counts)."""
    if session.session_id is None:
        return None
    parent = context.sessions.get(scope, session.session_id)
    return {c.component_id for c in parent.child_sessions if c.component_id is not None}


def _runs(component_id: int, in_run: set[int] | None) -> bool:
    return in_run is None or component_id in in_run


class Initialize:
    """Describes the workspace; the runner makes it (idempotently), reports the test file, and
    reads the design doc and the repository's coding rules for GenerateImplementation's prompt
    (from its own tree, so a server's session gets the same prompt as a local one)."""

    name: ClassVar[str] = INITIALIZE_STEP_NAME

    @staticmethod
    def get_command(scope: Scope, session: Session, **opts: Any) -> Command:
        component, project = require_component(session)
        parent_branch = ComponentState.of(session).parent_branch_name
        if not parent_branch:
            raise StepError("parent_branch_name is missing from the session state")
        branch = child_branch_name(parent_branch, component)
        paths = component_files(component, project)
        return PrepareWorkspaceCommand(
            module=Initialize.name,
            branch_name=branch,
            base_branch=parent_branch,
            worktree=worktree_path(branch),
            merge_branches=_dependency_branches(scope, session, parent_branch, **opts),
            test_file=str(paths.test),
            code_file=str(paths.code),
            read_files=[str(paths.design), repository_rules_path(component.type.value)],
        )

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        if result.status is not ResultStatus.OK:
            reason = f"could not prepare the workspace: {result.error_message}"
            failed = SessionUpdate(
                status=SessionStatus.FAILED, state=ComponentState.patch(error=reason)
            )
            return StepOutcome(failed, result)
        pending = session.pending_interaction()
        command = pending.command if pending else None
        if not isinstance(command, PrepareWorkspaceCommand):
            raise StepError("Initialize's result has no pending prepare_workspace command")
        prepared = WorkspacePrepared.of(result)
        state = ComponentState.patch(
            branch_name=command.branch_name,
            worktree=command.worktree,
            test_file=command.test_file,
            test_file_existed=prepared.test_file_existed,
            test_file_sha256=prepared.test_file_sha256,
            code_file=command.code_file,
            code_file_existed=prepared.code_file_existed,
            initialized_at=utcnow(),
        )
        return StepOutcome(SessionUpdate(state=state), result)
