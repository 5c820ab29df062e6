"""Run a context's children in parallel waves that respect their ``## Dependencies``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from codemyspec.commands import Result
from codemyspec.components import component_files
from codemyspec.graphs import find_cycle
from codemyspec.scope import Scope
from codemyspec.sessions import Session, SessionsEngine, SessionStatus, SessionUpdate

log = logging.getLogger(__name__)

RunChild = Callable[[Scope, int], Session]


def dependency_graph(children: list[Session]) -> dict[int, set[int]]:
    """Each child's sibling dependencies, by session id (dependencies outside are ignored)."""
    by_module = {c.component.module_name: c.id for c in children if c.component}
    return {
        c.id: {
            by_module[m]
            for m in (c.component.dependencies if c.component else [])
            if m in by_module
        }
        for c in children
    }


class ChildScheduler:
    """Starts each child when its dependencies are complete; cancels it when one failed."""

    def __init__(
        self, engine: SessionsEngine, run_child: RunChild, concurrency: int | None
    ) -> None:
        self.engine = engine
        self.run_child = run_child
        self.concurrency = concurrency

    def run(
        self, scope: Scope, parent: Session, child_ids: list[int], stopping: Callable[[], bool]
    ) -> Result:
        children = [c for c in parent.child_sessions if c.id in set(child_ids)]
        names = {c.id: c.component.name if c.component else f"session {c.id}" for c in children}
        graph = dependency_graph(children)
        if (cycle := find_cycle({k: sorted(v) for k, v in sorted(graph.items())})) is not None:
            return Result.error("dependency cycle: " + " → ".join(names[i] for i in cycle))
        status = {c.id: c.status for c in children}
        waiting = [c.id for c in children if not c.status.is_terminal]
        workers = self.concurrency or max(len(waiting), 1)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="child") as pool:
            running: dict[Future[Session], int] = {}
            while waiting or running:
                for child_id in list(waiting):
                    blockers = [
                        d
                        for d in graph[child_id]
                        if status[d] in (SessionStatus.FAILED, SessionStatus.CANCELLED)
                    ]
                    if blockers:
                        waiting.remove(child_id)
                        reason = "dependency " + ", ".join(
                            f"{names[d]} {status[d].value}" for d in sorted(blockers)
                        )
                        self.engine.update_session(
                            scope,
                            child_id,
                            SessionUpdate(status=SessionStatus.CANCELLED, state={"error": reason}),
                        )
                        status[child_id] = SessionStatus.CANCELLED
                    elif not stopping() and all(
                        status[d] is SessionStatus.COMPLETE for d in graph[child_id]
                    ):
                        waiting.remove(child_id)
                        running[pool.submit(self.run_child, scope, child_id)] = child_id
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    child_id = running.pop(future)
                    status[child_id] = self._finished_status(scope, child_id, future)
        return Result.ok(data={"children": {str(i): s.value for i, s in status.items()}})

    def _finished_status(
        self, scope: Scope, child_id: int, future: Future[Session]
    ) -> SessionStatus:
        try:
            return future.result().status
        except Exception as exc:  # machinery broke in the child: record it, keep the others going
            log.exception("child session %s broke", child_id)
            self.engine.update_session(
                scope,
                child_id,
                SessionUpdate(
                    status=SessionStatus.FAILED, state={"error": f"{type(exc).__name__}: {exc}"}
                ),
            )
            return SessionStatus.FAILED


def integration_files(parent: Session, child: Session) -> list[str]:
    """The files a completed child brings into the parent's working tree."""
    if child.component is None or parent.project is None:
        return []
    paths = component_files(child.component, parent.project)
    return [str(paths.code), str(paths.test)]
