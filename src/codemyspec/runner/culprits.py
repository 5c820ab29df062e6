"""Which child breaks which tests, when each child passed alone but the whole fails.

For a failing test file owned by component X, the tree X's worktree had (the parent's
branch, X and its dependencies) is rebuilt in a scratch worktree of the parent's branch;
then the other completed children are added in integration order, bisecting for the
shortest prefix that makes X's failing tests fail: the child whose addition flips them is
the culprit. When they fail even alone, X (or what it built on) is named itself. Each
probe runs only the failing tests (pytest node ids; a whole file elsewhere). A probe that
cannot be read, or failures the scratch copy does not reproduce (flaky, or needing the
whole run's process), name nobody: validation reports the failing tests as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from codemyspec.component_coding_sessions import WORKTREES_DIR
from codemyspec.context_coding_sessions import ChildWork, ContextState, Culprit, node_id
from codemyspec.environments import WorkspaceFacts, run_tests
from codemyspec.projects import Language
from codemyspec.runner.children import dependency_graph
from codemyspec.runner.executor import CommandExecutor
from codemyspec.runner.mix_deps import link_dependencies
from codemyspec.sessions import Session, SessionStatus
from codemyspec.test_reports import SuiteReport

log = logging.getLogger(__name__)


def _module(work: ChildWork) -> str:
    """``Billing.Tax``: the name a culprit finding uses."""
    return work.child.component.module_name if work.child.component else work.name


def _with_dependencies(owner: int, graph: dict[int, set[int]]) -> set[int]:
    found, pending = set(), [owner]
    while pending:
        node = pending.pop()
        if node not in found:
            found.add(node)
            pending.extend(graph.get(node, ()))
    return found


class CulpritFinder:
    """Bisects over the completed children's changes in a scratch worktree."""

    def __init__(self, executor: CommandExecutor) -> None:
        self.executor = executor

    def find(
        self,
        parent: Session,
        plan: list[ChildWork],
        sources: dict[int, str],
        facts: WorkspaceFacts,
    ) -> list[Culprit]:
        """The culprit of each failing test file of a component, when every child is complete;
        empty when nothing fails or nobody can be named."""
        base = ContextState.of(parent).branch_name
        if not base or any(c.status is not SessionStatus.COMPLETE for c in parent.child_sessions):
            return []
        failing = [
            (work, report)
            for work in plan
            if work.test is not None
            and (report := facts.tests.get(work.test)) is not None
            and report.failed_cases
            and not report.passed
        ]
        if not failing:
            return []
        graph = dependency_graph([work.child for work in plan])
        found: list[Culprit] = []
        with self._scratch(base, parent.id) as scratch:
            if scratch is None:
                return []
            for owner, report in failing:
                alone = _with_dependencies(owner.child.id, graph)
                probe = _Probe(self.executor, scratch, plan, sources, owner, report)
                if (culprit := probe.bisect(alone)) is not None:
                    found.append(culprit)
        return found

    @contextmanager
    def _scratch(self, base: str, parent_id: int) -> Iterator[Path | None]:
        """A detached worktree of the parent's branch tip, removed afterwards."""
        git = self.executor.git
        worktree = f"{WORKTREES_DIR}/culprits-{parent_id}"
        made = git.add_scratch(worktree, base)
        if not made.ok:
            log.warning("no culprit search: %s", made.failure_reason())
            yield None
            return
        path = git.root / worktree
        try:
            if self.executor.project.language is Language.ELIXIR:
                link_dependencies(git.root, path)
            yield path if self._set_up(path) else None
        finally:
            git.remove_worktree_only(worktree)

    def _set_up(self, path: Path) -> bool:
        """``[runner] worktree_setup`` in the scratch worktree, as in every child's."""
        config = self.executor.config
        if not config.worktree_setup:
            return True
        setup = self.executor.shell.run(config.worktree_setup, path, timeout=config.program_timeout)
        if not setup.ok:
            log.warning("no culprit search: worktree setup failed: %s", setup.failure_reason())
        return setup.ok


class _Probe:
    """One failing test file's probes: which children's changes make its tests fail."""

    def __init__(
        self,
        executor: CommandExecutor,
        scratch: Path,
        plan: list[ChildWork],
        sources: dict[int, str],
        owner: ChildWork,
        report: SuiteReport,
    ) -> None:
        self.executor = executor
        self.scratch = scratch
        self.plan = plan
        self.sources = sources
        self.owner = owner
        self.test_file = str(owner.test)
        self.failures = report.failed_cases
        self.breaks = list(dict.fromkeys(node_id(self.test_file, c.test_id) for c in self.failures))

    def bisect(self, alone: set[int]) -> Culprit | None:
        """The child whose addition (after the owner's own tree) makes the tests fail."""
        others = [work for work in self.plan if work.child.id not in alone]
        first = self._fails(alone)
        if first is None:
            return None
        if first:
            return self._culprit(self.owner, alone=True)
        if not others or not self._fails(alone | {w.child.id for w in others}):
            return None  # not reproduced in the scratch copy: nobody is named
        passes, fails = 0, len(others)  # prefixes of ``others``: the shortest that fails
        while fails - passes > 1:
            middle = (passes + fails) // 2
            verdict = self._fails(alone | {w.child.id for w in others[:middle]})
            if verdict is None:
                return None
            passes, fails = (passes, middle) if verdict else (middle, fails)
        return self._culprit(others[fails - 1], alone=False)

    def _culprit(self, work: ChildWork, *, alone: bool) -> Culprit:
        return Culprit(
            component=_module(work),
            session_id=work.child.id,
            owner=_module(self.owner),
            test_file=self.test_file,
            breaks=self.breaks,
            failures=self.failures,
            alone=alone,
        )

    def _fails(self, included: set[int]) -> bool | None:
        """Whether the failing tests fail with only ``included``'s changes brought in; None
        when the tree could not be made or the run could not be read."""
        git = self.executor.git
        if not git.reset_tree(self.scratch).ok:
            return None
        for work in self.plan:
            if work.child.id in included:
                source = self.sources[work.child.id]
                brought = git.integrate(
                    source, list(work.present), list(work.deleted), tree=self.scratch
                )
                if not brought.ok:
                    return None
        python = self.executor.project.language is Language.PYTHON
        selected = self.breaks if python else [self.test_file]
        config = self.executor.config
        run = run_tests(
            self.executor.project,
            self.scratch,
            self.executor.shell,
            selected,
            timeout=config.test_timeout,
        )
        if run.report.error is not None:
            return None
        return run.report.failed_something
