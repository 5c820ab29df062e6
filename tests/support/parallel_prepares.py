"""Many ``GitWorktrees.prepare`` calls at once, in threads of this process or of another.

Run as a script (``python parallel_prepares.py ROOT PREFIX COUNT``) it prints ``ready``,
waits for a line on stdin so several processes can be started together, prepares COUNT
worktrees ``.worktrees/PREFIX-i`` on branches ``PREFIX-i`` from ``main`` in parallel
threads, and prints the failures as a JSON list.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

from codemyspec.runner import GitWorktrees
from codemyspec.shell import SubprocessShell


def worktree_of(name: str) -> str:
    return f".worktrees/{name}"


def prepare_in_parallel(
    worktrees: GitWorktrees, names: list[str], merge: list[str] | None = None
) -> list[str]:
    """Prepare a worktree per name, all threads released together; why each failed one did."""
    start = threading.Barrier(len(names))
    failures: list[str] = []

    def prepare(name: str) -> None:
        start.wait()
        try:
            failed = worktrees.prepare(worktree_of(name), name, "main", merge or [])
        except Exception as exc:  # a test reports it with the git failures
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
            return
        if failed is not None:
            failures.append(f"{name}: {failed.failure_reason()}")

    threads = [threading.Thread(target=prepare, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return failures


def remove_in_parallel(worktrees: GitWorktrees, names: list[str]) -> None:
    """Remove each name's worktree and branch, all threads released together."""
    start = threading.Barrier(len(names))

    def remove(name: str) -> None:
        start.wait()
        worktrees.remove(worktree_of(name), name)

    threads = [threading.Thread(target=remove, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)


def main(root: str, prefix: str, count: str) -> None:
    worktrees = GitWorktrees(Path(root), SubprocessShell())
    print("ready", flush=True)
    sys.stdin.readline()
    failures = prepare_in_parallel(worktrees, [f"{prefix}-{i}" for i in range(int(count))])
    print(json.dumps(failures), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
