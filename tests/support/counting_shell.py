"""The real shell port, keeping the argv and folder of every program it starts, so a test
can count the test processes a step costs."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from codemyspec.shell import Completed, SubprocessShell


class CountingShell(SubprocessShell):
    """``SubprocessShell`` that records each run (thread-safe: children run concurrently)."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[tuple[tuple[str, ...], Path]] = []
        self._lock = threading.Lock()

    def run(
        self,
        argv: Sequence[str],
        cwd: Path,
        *,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
    ) -> Completed:
        with self._lock:
            self.runs.append((tuple(argv), cwd))
        return super().run(argv, cwd, timeout=timeout, env=env, stdin=stdin)

    def test_runs(self) -> list[tuple[tuple[str, ...], Path]]:
        """The runs of a test command: pytest or ``mix test``."""
        return [
            (argv, cwd)
            for argv, cwd in self.runs
            if "pytest" in argv or tuple(argv[:2]) == ("mix", "test")
        ]
