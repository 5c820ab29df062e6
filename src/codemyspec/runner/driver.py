"""Drive a session to its end: ``next_command`` → execute → ``handle_result``, and steer it.

Interrupting (``cancel``) stops agents, marks running children cancelled and leaves their
pending interactions in place, so ``resume`` re-executes exactly those and nothing else.
A server gone for longer than its client waits stops the run the same way (``halted``).
The engine is in process or a server's (``SessionsPort``); every session run is claimed,
so several runners can share one parent's children.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from codemyspec.clock import Clock, utcnow
from codemyspec.commands import Command, CommandKind, Result, ResultStatus, SpawnSessionsCommand
from codemyspec.component_coding_sessions import SESSION_TYPE as CHILD_SESSION_TYPE
from codemyspec.component_coding_sessions import ComponentState, total_agent_usage
from codemyspec.context_coding_sessions import (
    CULPRITS_KEY,
    INTEGRATED_KEY,
    ContextState,
    Spend,
    refuse_when_spent,
)
from codemyspec.context_coding_sessions import SESSION_TYPE as CONTEXT_SESSION_TYPE
from codemyspec.environments import WORKSPACE_FACTS_KEY
from codemyspec.errors import (
    ServerUnavailableError,
    SessionCompleteError,
    SessionNotActiveError,
)
from codemyspec.runner.branches import SharedBranches
from codemyspec.runner.budget import Budget
from codemyspec.runner.children import ChildScheduler
from codemyspec.runner.claims import Claims
from codemyspec.runner.config import RunnerConfig
from codemyspec.runner.culprits import CulpritFinder
from codemyspec.runner.executor import CommandExecutor
from codemyspec.runner.integration import conflicts, integration_plan
from codemyspec.runner.lost_work import integrated_files
from codemyspec.scope import Scope
from codemyspec.sessions import Interaction, Session, SessionsPort, SessionStatus, SessionUpdate

Observer = Callable[[Session, Interaction, Result | None], None]


def child_ids(command: Command) -> list[int]:
    """The children a ``spawn_sessions`` command asks the runner to run."""
    return list(command.child_session_ids) if isinstance(command, SpawnSessionsCommand) else []


STOPPED = (SessionStatus.FAILED, SessionStatus.CANCELLED)


def _with_pending(judged: Session | None, interaction: Interaction) -> Session | None:
    """The session ``handle_result`` returned, with the interaction handed out since: what
    reading it again would give, without the round trip. None when it must be read: nothing
    judged yet in this run, or a spawn (the engine created the children with it)."""
    if judged is None or interaction.command.command is CommandKind.SPAWN_SESSIONS:
        return None
    return judged.model_copy(update={"interactions": [interaction, *judged.interactions]})


class Runner:
    """Executes a session's commands where the code lives, children in parallel."""

    def __init__(
        self,
        engine: SessionsPort,
        executor: CommandExecutor,
        config: RunnerConfig,
        *,
        cancel: threading.Event | None = None,
        observer: Observer | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.engine = engine
        #: Reads the time against a run's deadline (tests move it).
        self.clock = clock
        #: The limits and spend of the context run whose children this runner runs.
        self.budget: Budget | None = None
        self.executor = executor
        self.config = config
        self.cancel = cancel or threading.Event()
        self.observer = observer
        self.claims = Claims(engine, config.lease_seconds)
        self.branches = SharedBranches(executor.git)
        self.children = ChildScheduler(
            engine,
            self._run_child,
            config.concurrency,
            self.claims.take,
            config.poll_seconds,
            halt=self._halt,
        )
        self.halted: ServerUnavailableError | None = None

    def run(self, scope: Scope, session_id: int) -> Session:
        """Drive the session until it is complete, failed, cancelled or needs a decision.

        Raises ``SessionClaimedError`` when another runner is running it.
        """
        return self._run(scope, session_id, child=False)

    def _run(self, scope: Scope, session_id: int, *, child: bool) -> Session:
        with self.claims.holding(scope, session_id):
            self._drive(scope, session_id, child=child)
        final = self.engine.get_session(scope, session_id)
        if final.status is SessionStatus.COMPLETE:
            self._clean_up(final)
        return final

    def _halt(self, gone: ServerUnavailableError) -> None:
        """The server is gone for longer than the client waits: stop as on Ctrl-C (agents
        too), leaving every session as recorded for ``resume``."""
        if self.halted is None:
            self.halted = gone
        self.cancel.set()

    def _limit(self) -> str | None:
        """Why the context run's agents must stop (its budget spent, its deadline passed)."""
        return self.budget.reason() if self.budget is not None else None

    def _drive(self, scope: Scope, session_id: int, *, child: bool = False) -> None:
        """``child``: a component's session, which a limit reached stops like a Ctrl-C."""
        failed_step: str | None = None
        judged: Session | None = None  # the session as the last handle_result left it
        while not self.cancel.is_set() and not (child and self._limit()):
            try:
                interaction = self.engine.next_command(scope, session_id)
            except (SessionCompleteError, SessionNotActiveError):
                break
            session = _with_pending(judged, interaction) or self.engine.get_session(
                scope, session_id
            )
            self._notify(session, interaction, None)
            result = self._execute(scope, session, interaction).storable()
            if self.cancel.is_set() or not self.claims.holds(session_id):
                break  # interrupted, or the lease was lost to another runner
            if child and result.status is ResultStatus.ERROR and self._limit():
                break  # stopped by the limit: left pending, as for Ctrl-C
            updated = judged = self.engine.handle_result(scope, session_id, interaction.id, result)
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

    def _notify(self, session: Session, interaction: Interaction, result: Result | None) -> None:
        if self.observer is not None:
            self.observer(session, interaction, result)

    def _execute(self, scope: Scope, session: Session, interaction: Interaction) -> Result:
        command = interaction.command
        if command.command is not CommandKind.SPAWN_SESSIONS:
            who = session.component.module_name if session.component else None
            spender = session.component.name if session.component else f"session {session.id}"
            with self.executor.acting_for(who):
                return self.executor.execute(command, self.cancel, self.budget, spender)
        if self.config.share_branches and (unpublished := self._publish_for_others(session)):
            return unpublished
        self.budget = self._budget_of(scope, session)
        result = self.children.run(scope, session, child_ids(command), self.cancel.is_set)
        if result.status is not ResultStatus.OK or self.cancel.is_set():
            return result
        return self._integrate(scope, session.id, result)

    def _budget_of(self, scope: Scope, parent: Session) -> Budget:
        """The context's limits and spend as recorded; each agent run's spend is added there."""
        state = ContextState.of(parent)

        def record(spent: Spend, spent_by: dict[str, Spend]) -> None:
            by = {name: share.model_dump(mode="json") for name, share in spent_by.items()}
            spend = {"spent": spent.model_dump(mode="json"), "spent_by": by}
            self.engine.update_session(scope, parent.id, SessionUpdate(state=spend))

        return Budget(state.limits, state.spent, record, self.clock, state.spent_by)

    def _publish_for_others(self, session: Session) -> Result | None:
        """Push the parent's branch, and again the branches of children finished here: a push
        cut short (Ctrl-C reaches git too) is made good on the resume. None when all went."""
        branch = ContextState.of(session).branch_name
        failed = self.branches.publish_parent(branch) if branch else None
        for child in session.child_sessions:
            if failed is None and child.status is SessionStatus.COMPLETE:
                failed = self.branches.publish_child(child)
        return None if failed is None else Result.error(f"{failed} (for the other runners)")

    def _integrate(self, scope: Scope, session_id: int, result: Result) -> Result:
        """Bring every completed child's files into the parent's tree, uncommitted, and report
        what the tree now holds (files, tests) for validation."""
        parent = self.engine.get_session(scope, session_id)
        plan = [w for w in integration_plan(parent) if ComponentState.of(w.child).branch_name]
        sources: dict[int, str] = {}
        for work in plan:
            source, missing = self.branches.integration_source(
                work.child, shared=self.config.share_branches
            )
            if missing is not None:
                return Result.error(f"could not integrate {work.name}: {missing}")
            sources[work.child.id] = source
        git = self.executor.git
        if clashes := conflicts(plan, parent, lambda w, p: git.blob(sources[w.child.id], p)):
            return Result.error("could not integrate: " + "; ".join(clashes))
        components: list[tuple[str, str]] = []
        for work in plan:
            done = git.integrate(sources[work.child.id], list(work.present), list(work.deleted))
            if not done.ok:
                return Result.error(f"could not integrate {work.name}: {done.failure_reason()}")
            if work.code is not None and work.test is not None:
                components.append((work.code, work.test))
        integrated = integrated_files(plan, sources, git)
        if isinstance(integrated, str):
            return Result.error(f"could not integrate: {integrated}")
        own_tests = ContextState.of(parent).validation_plan.tests
        facts = self.executor.workspace_facts(components, own_tests)
        data = {
            **result.data,
            "agent_usage": total_agent_usage(parent.child_sessions),
            WORKSPACE_FACTS_KEY: facts.model_dump(mode="json"),
            INTEGRATED_KEY: [file.model_dump(mode="json") for file in integrated],
        }
        # Every child passed alone and tests fail: which child's changes break them.
        if culprits := CulpritFinder(self.executor).find(parent, plan, sources, facts):
            data[CULPRITS_KEY] = [culprit.model_dump(mode="json") for culprit in culprits]
        return result.model_copy(update={"data": data})

    def _run_child(self, scope: Scope, child_id: int) -> Session:
        before = self.engine.get_session(scope, child_id)
        if self._started_elsewhere(before):
            self._fresh_attempt(scope, before)
        child = self._run(scope, child_id, child=True)
        limit = self._limit()
        if (self.cancel.is_set() or limit) and not child.status.is_terminal:
            why = "interrupted" if self.halted is None else f"stopped: {self.halted}"
            child = self.engine.update_session(
                scope,
                child_id,
                SessionUpdate(
                    status=SessionStatus.CANCELLED,
                    state={"error": why if self.cancel.is_set() else limit},
                ),
            )
        elif child.status is SessionStatus.COMPLETE and (
            worktree := ComponentState.of(child).worktree
        ):
            self.executor.git.remove_worktree_only(worktree)
            if self.config.share_branches:
                self._publish_child(scope, child)
        return child

    def _started_elsewhere(self, child: Session) -> bool:
        """An active child whose worktree is not here: another runner began it, then died."""
        worktree = ComponentState.of(child).worktree
        return (
            child.status is SessionStatus.ACTIVE
            and ComponentState.of(child).repair is None  # a repair makes its worktree again
            and bool(worktree)
            and not (Path(self.executor.root) / str(worktree)).is_dir()
        )

    def _published(self, parent: Session) -> bool:
        """Whether origin has the parent's branch yet (its driver pushes it as the spawn
        starts, a moment after the spawn is handed out)."""
        branch = ContextState.of(parent).branch_name
        return (
            not self.config.share_branches
            or not branch
            or bool(self.executor.git.remote_tip(branch)[0])
        )

    def _fresh_attempt(self, scope: Scope, child: Session) -> Session:
        """Start the child over from its first step, keeping what its parent gave it."""
        return self.engine.restart_session(scope, child.id, ComponentState.of(child).given())

    def _publish_child(self, scope: Scope, child: Session) -> None:
        """Push a finished child's branch for the runner integrating and for dependents."""
        if (failed := self.branches.publish_child(child)) is not None:
            self.engine.update_session(scope, child.id, SessionUpdate(state={"error": failed}))

    def _clean_up(self, session: Session) -> None:
        """After a context completes: its children's worktrees and branches go."""
        self._remove_workspaces(session.child_sessions)
        if self.config.share_branches:
            self.executor.git.unpublish(
                [
                    branch
                    for c in session.child_sessions
                    if (branch := ComponentState.of(c).branch_name)
                ]
            )

    def _remove_workspaces(self, children: list[Session]) -> None:
        """Remove the children's worktrees and branches, where Initialize recorded them."""
        states = [ComponentState.of(child) for child in children]
        self.executor.git.remove_all(
            [(s.worktree, s.branch_name) for s in states if s.worktree and s.branch_name]
        )

    def resume(self, scope: Scope, session_id: int) -> Session:
        """Continue from the record: interrupted children become active again, then drive.

        A session that itself failed (a context's Finalize: its push was refused) becomes
        active too, so its failed step runs again; the commit it made is not made twice.
        Failed children stay failed: ``retry`` runs them again.
        """
        self._refuse_when_spent(scope, session_id)
        self.engine.resume_session(scope, session_id)
        return self.run(scope, session_id)

    def retry(self, scope: Scope, session_id: int) -> Session:
        """Re-run only the failed and cancelled children, from scratch, then validate again."""
        before = self._refuse_when_spent(scope, session_id)
        self.engine.retry_session(scope, session_id)  # refuses a complete session first
        self._remove_workspaces(
            [
                child
                for child in before.child_sessions
                if child.type == CHILD_SESSION_TYPE and child.status in STOPPED
            ]
        )
        return self.run(scope, session_id)

    def _refuse_when_spent(self, scope: Scope, session_id: int) -> Session:
        """The session, unless its budget is spent or its deadline passed (raise them first)."""
        session = self.engine.get_session(scope, session_id)
        if session.type == CONTEXT_SESSION_TYPE:
            state = ContextState.of(session)
            refuse_when_spent(session_id, state.limits, state.spent, self.clock())
        return session

    def join(self, scope: Scope, session_id: int) -> Session:
        """Help the runner driving ``session_id``: take its children until none is left.

        Waits for the parent to reach its spawn step and for its driver to push the parent's
        branch, which the children start from; never runs the parent's own steps.
        """
        while not self.cancel.is_set():
            parent = self.engine.get_session(scope, session_id)
            if parent.status.is_terminal:
                return parent
            pending = parent.pending_interaction()
            spawning = pending and pending.command.command is CommandKind.SPAWN_SESSIONS
            if pending and spawning and self._published(parent):
                self.budget = self._budget_of(scope, parent)
                self.children.run(scope, parent, child_ids(pending.command), self.cancel.is_set)
                return self.engine.get_session(scope, session_id)
            time.sleep(self.config.poll_seconds)
        return self.engine.get_session(scope, session_id)
