"""Dependency graphs: one cycle finder for the design docs (at sync) and the runner."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

Node = TypeVar("Node", bound=Hashable)


def find_cycle(graph: Mapping[Node, Iterable[Node]]) -> list[Node] | None:
    """A cycle as a list of nodes whose first is repeated last, or None when there is none."""
    visiting: list[Node] = []
    done: set[Node] = set()

    def visit(node: Node) -> list[Node] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done or node not in graph:
            return None
        visiting.append(node)
        for following in graph[node]:
            if (cycle := visit(following)) is not None:
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for node in graph:
        if (cycle := visit(node)) is not None:
            return cycle
    return None
