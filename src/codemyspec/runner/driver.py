"""Drive a session to its end: ``next_command`` → execute → ``handle_result``, and steer it.

Interrupting (``cancel``) stops agents, marks running children cancelled and leaves their
pending interactions in place, so ``resume`` re-executes exactly those and nothing else.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from codemyspec.commands import CommandKind, Result, ResultStatus
from codemyspec.component_coding_sessions import SESSION_TYPE as CHILD_SESSION_TYPE
from codemyspec.component_coding_sessions import total_agent_usage
from codemyspec.errors import SessionCompleteError, SessionNotActiveError
from codemyspec.runner.children import ChildScheduler, integration_files
from codemyspec.runner.config import RunnerConfig
from codemyspec.runner.executor import CommandExecutor
from codemyspec.scope import Scope
from codemyspec.sessions import Interaction, Session, SessionsEngine, SessionStatus, SessionUpdate

Observer = Callable[[Session, Interaction, Result | None], None]


class Runner:
    """Executes a session's commands where the code lives, children in parallel."""

    def __init__(
        self,
        engine: SessionsEngine,
        executor: CommandExecutor,
        config: RunnerConfig,
        *,
        cancel: threading.Event | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.engine = engine
        self.executor = executor
        self.config = config
        self.cancel = cancel or threading.Event()
        self.observer = observer
        self.children = ChildScheduler(engine, self._run_child, config.concurrency)

    def run(self, scope: Scope, session_id: int) -> Session:
        """Drive the session until it is complete, failed, cancelled or needs a decision."""
        failed_step: str | None = None
        while not self.cancel.is_set():
            try:
                interaction = self.engine.next_command(scope, session_id)
            except (SessionCompleteError, SessionNotActiveError):
                break
            session = self.engine.get_session(scope, session_id)
            self._notify(session, interaction, None)
            result = self._execute(scope, session, interaction)
            if self.cancel.is_set():
                break
            updated = self.engine.handle_result(scope, session_id, interaction.id, result)
            stored = updated.interaction(interaction.id)
            self._notify(updated, interaction, stored.result if stored else result)
            spawned = interaction.command.command is CommandKind.SPAWN_SESSIONS
            failed = (
                stored is not None
                and stored.result is not None
                and stored.result.status is ResultStatus.ERROR
            )
            if spawned and failed:
                break  # validation failed: the user decides (retry, fix by hand, resume)
            if failed and failed_step == interaction.step:
                break  # the same step failed twice in a row: stop rather than loop
            failed_step = interaction.step if failed else None
        final = self.engine.get_session(scope, session_id)
        if final.status is SessionStatus.COMPLETE:
            self._clean_up(final)
        return final

    def _notify(self, session: Session, interaction: Interaction, result: Result | None) -> None:
        if self.observer is not None:
            self.observer(session, interaction, result)

    def _execute(self, scope: Scope, session: Session, interaction: Interaction) -> Result:
        command = interaction.command
        if command.command is not CommandKind.SPAWN_SESSIONS:
            return self.executor.execute(command, self.cancel)
        ids = [int(i) for i in command.metadata.get("child_session_ids", [])]
        result = self.children.run(scope, session, ids, self.cancel.is_set)
        if result.status is not ResultStatus.OK or self.cancel.is_set():
            return result
        return self._integrate(scope, session.id, result)

    def _integrate(self, scope: Scope, session_id: int, result: Result) -> Result:
        """Bring every completed child's files into the parent's tree, uncommitted."""
        parent = self.engine.get_session(scope, session_id)
        for child in parent.child_sessions:
            branch = child.state.get("branch_name")
            if child.status is SessionStatus.COMPLETE and branch:
                done = self.executor.git.integrate(str(branch), integration_files(parent, child))
                if not done.ok:
                    name = child.component.name if child.component else f"session {child.id}"
                    return Result.error(f"could not integrate {name}: {done.failure_reason()}")
        usage = total_agent_usage(parent.child_sessions)
        return result.model_copy(update={"data": {**result.data, "agent_usage": usage}})

    def _run_child(self, scope: Scope, child_id: int) -> Session:
        child = self.run(scope, child_id)
        if self.cancel.is_set() and not child.status.is_terminal:
            child = self.engine.update_session(
                scope,
                child_id,
                SessionUpdate(status=SessionStatus.CANCELLED, state={"error": "interrupted"}),
            )
        elif child.status is SessionStatus.COMPLETE and child.state.get("worktree"):
            self.executor.git.remove_worktree_only(str(child.state["worktree"]))
        return child

    def _clean_up(self, session: Session) -> None:
        """After a context completes: its children's worktrees and branches go."""
        for child in session.child_sessions:
            self._remove_workspace(child)

    def _remove_workspace(self, child: Session) -> None:
        """Remove the child's worktree and branch, if Initialize recorded them."""
        worktree, branch = child.state.get("worktree"), child.state.get("branch_name")
        if worktree and branch:
            self.executor.git.remove(str(worktree), str(branch))

    def resume(self, scope: Scope, session_id: int) -> Session:
        """Continue from the record: interrupted children become active again, then drive."""
        session = self.engine.get_session(scope, session_id)
        targets = [session, *session.child_sessions]
        for target in targets:
            if target.status is SessionStatus.CANCELLED:
                self.engine.update_session(
                    scope,
                    target.id,
                    SessionUpdate(status=SessionStatus.ACTIVE, state={"error": None}),
                )
        return self.run(scope, session_id)

    def retry(self, scope: Scope, session_id: int) -> Session:
        """Re-run only the failed and cancelled children, from scratch, then validate again."""
        session = self.engine.get_session(scope, session_id)
        for child in session.child_sessions:
            if child.type != CHILD_SESSION_TYPE or child.status not in (
                SessionStatus.FAILED,
                SessionStatus.CANCELLED,
            ):
                continue
            self._remove_workspace(child)
            keep: dict[str, Any] = {
                k: child.state[k]
                for k in ("parent_branch_name", "max_fix_rounds")
                if k in child.state
            }
            self.engine.restart_session(scope, child.id, keep)
        if session.status in (SessionStatus.FAILED, SessionStatus.CANCELLED):
            self.engine.update_session(
                scope, session_id, SessionUpdate(status=SessionStatus.ACTIVE, state={"error": None})
            )
        return self.run(scope, session_id)
