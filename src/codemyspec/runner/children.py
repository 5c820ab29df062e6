"""Run a context's children in parallel waves that respect their ``## Dependencies``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager

from codemyspec.commands import Result
from codemyspec.component_coding_sessions import writes_context_module
from codemyspec.errors import ServerUnavailableError, SessionClaimedError
from codemyspec.graphs import find_cycle
from codemyspec.scope import Scope
from codemyspec.sessions import Session, SessionsPort, SessionStatus, SessionUpdate

log = logging.getLogger(__name__)

RunChild = Callable[[Scope, int], Session]
Claim = Callable[[Scope, int], bool]
Halt = Callable[[ServerUnavailableError], None]
"""Stops the whole run (agents too) because the sessions' server is gone."""


def dependency_graph(children: list[Session]) -> dict[int, set[int]]:
    """Each child's sibling dependencies, by session id (dependencies outside are ignored).

    The child writing the context's own module depends on every other child.
    """
    by_module = {c.component.module_name: c.id for c in children if c.component}
    return {
        c.id: (
            {other.id for other in children if other.id != c.id}
            if writes_context_module(c)
            else {
                by_module[m]
                for m in (c.component.dependencies if c.component else [])
                if m in by_module
            }
        )
        for c in children
    }


class ChildScheduler:
    """Starts each child when its dependencies are complete; cancels it when one failed.

    A child is run here only once ``claim`` gets it; a child another runner holds is
    watched (re-read every ``poll_seconds``) until it ends or its lease runs out. Broken
    machinery is not failed work: a child whose run raised is never marked failed. The
    server gone (``ServerUnavailableError``) stops the whole run through ``halt``, leaving
    the child as recorded; any other exception marks it cancelled with the error, so
    ``resume`` continues it.
    """

    def __init__(
        self,
        engine: SessionsPort,
        run_child: RunChild,
        concurrency: int | None,
        claim: Claim,
        poll_seconds: float = 1.0,
        halt: Halt | None = None,
    ) -> None:
        self.engine = engine
        self.run_child = run_child
        self.concurrency = concurrency
        self.claim = claim
        self.poll_seconds = poll_seconds
        self.halt = halt or (lambda exc: None)

    def run(
        self, scope: Scope, parent: Session, child_ids: list[int], stopping: Callable[[], bool]
    ) -> Result:
        children = [c for c in parent.child_sessions if c.id in set(child_ids)]
        names = {c.id: c.component.name if c.component else f"session {c.id}" for c in children}
        graph = dependency_graph(children)
        if (cycle := find_cycle({k: sorted(v) for k, v in sorted(graph.items())})) is not None:
            return Result.error("dependency cycle: " + " → ".join(names[i] for i in cycle))
        status = {c.id: c.status for c in children}
        workers = self.concurrency or max(sum(not s.is_terminal for s in status.values()), 1)
        elsewhere: set[int] = set()
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="child")
        with pool, self._halting():  # halted before the pool waits for its running agents
            running: dict[Future[Session], int] = {}
            while True:
                for child_id in [i for i, s in status.items() if not s.is_terminal]:
                    if child_id in running.values():
                        continue
                    if blocked := self._blocked_by(child_id, graph, status, names):
                        self._cancel(scope, child_id, blocked)
                        status[child_id] = SessionStatus.CANCELLED
                    elif (
                        not stopping()
                        and len(running) < workers
                        and all(status[d] is SessionStatus.COMPLETE for d in graph[child_id])
                    ):
                        if self.claim(scope, child_id):
                            elsewhere.discard(child_id)
                            running[pool.submit(self.run_child, scope, child_id)] = child_id
                        else:
                            elsewhere.add(child_id)
                if not running and (stopping() or not elsewhere):
                    break
                if running:
                    timeout = self.poll_seconds if elsewhere else None
                    finished, _ = wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
                    for future in finished:
                        child_id = running.pop(future)
                        status[child_id] = self._finished_status(scope, child_id, future)
                else:
                    time.sleep(self.poll_seconds)
                if elsewhere:
                    self._refresh(scope, parent.id, status, set(running.values()))
                    elsewhere = {i for i in elsewhere if not status[i].is_terminal}
        return Result.ok(data={"children": {str(i): s.value for i, s in status.items()}})

    @contextmanager
    def _halting(self) -> Iterator[None]:
        """The server gone: stop the whole run, then let the error go on."""
        try:
            yield
        except ServerUnavailableError as exc:
            self.halt(exc)
            raise

    @staticmethod
    def _blocked_by(
        child_id: int,
        graph: dict[int, set[int]],
        status: dict[int, SessionStatus],
        names: dict[int, str],
    ) -> str | None:
        """Why the child can never start: a dependency failed or was cancelled."""
        blockers = [
            d
            for d in graph[child_id]
            if status[d] in (SessionStatus.FAILED, SessionStatus.CANCELLED)
        ]
        if not blockers:
            return None
        return "dependency " + ", ".join(f"{names[d]} {status[d].value}" for d in sorted(blockers))

    def _cancel(self, scope: Scope, child_id: int, reason: str) -> None:
        self.engine.update_session(
            scope,
            child_id,
            SessionUpdate(status=SessionStatus.CANCELLED, state={"error": reason}),
        )

    def _refresh(
        self, scope: Scope, parent_id: int, status: dict[int, SessionStatus], local: set[int]
    ) -> None:
        """Re-read the statuses of the children other runners are running."""
        for child in self.engine.get_session(scope, parent_id).child_sessions:
            if child.id in status and child.id not in local:
                status[child.id] = child.status

    def _finished_status(
        self, scope: Scope, child_id: int, future: Future[Session]
    ) -> SessionStatus:
        try:
            return future.result().status
        except ServerUnavailableError as exc:  # nothing can be recorded: the run stops
            self.halt(exc)
            return SessionStatus.ACTIVE
        except SessionClaimedError:  # another runner holds it now: watched like the others
            return SessionStatus.ACTIVE
        except Exception as exc:  # machinery broke in the child: keep the others going
            log.exception("child session %s broke", child_id)
            reason = f"the runner broke: {type(exc).__name__}: {exc}"
            try:
                self._cancel(scope, child_id, reason)
            except ServerUnavailableError as gone:
                self.halt(gone)
                return SessionStatus.ACTIVE
            return SessionStatus.CANCELLED
