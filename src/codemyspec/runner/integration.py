"""Which files each completed child brings into the parent's tree, and in which order.

A child brings every file its agent added, modified or deleted (recorded by its test runs and
vetted there), not only its code and test file, so helper modules and fixtures come along.
Children are integrated dependencies first, so a child that built on a dependency's file
brings its own later version of it. Two children that do not build on each other and both
changed one file to different contents are a conflict: named, never settled by whichever
was integrated last.
"""

from __future__ import annotations

from collections.abc import Callable

from codemyspec.context_coding_sessions import ChildWork, child_work
from codemyspec.runner.children import dependency_graph
from codemyspec.sessions import Session, SessionStatus


def _reaches(graph: dict[int, set[int]], start: int, goal: int) -> bool:
    seen, pending = set(), [start]
    while pending:
        node = pending.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            pending.extend(graph.get(node, ()))
    return False


def integration_plan(parent: Session) -> list[ChildWork]:
    """The completed children's work, each after the children it depends on."""
    done = [c for c in parent.child_sessions if c.status is SessionStatus.COMPLETE]
    graph = dependency_graph(done)
    ordered: list[Session] = []
    while len(ordered) < len(done):
        placed = {c.id for c in ordered}
        ready = [c for c in done if c.id not in placed and graph[c.id] <= placed]
        ordered += ready or [c for c in done if c.id not in placed]  # a cycle: keep doc order
    return [child_work(parent, child) for child in ordered]


def conflicts(
    plan: list[ChildWork], parent: Session, content: Callable[[ChildWork, str], str | None]
) -> list[str]:
    """Files two independent children changed to different contents (``content`` gives a
    file's blob in a child's commit, None when deleted), each naming both children."""
    graph = dependency_graph([work.child for work in plan])
    found: list[str] = []
    for index, later in enumerate(plan):
        for earlier in plan[:index]:
            if _reaches(graph, later.child.id, earlier.child.id):
                continue  # it built on the earlier one's version
            for path in sorted(set(later.files) & set(earlier.files)):
                if content(later, path) != content(earlier, path):
                    found.append(f"{earlier.name} and {later.name} both changed {path}")
    return found
