"""The shell port: run one argv list as a subprocess, never through a shell."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from codemyspec.git_refusals import ref_refusal

OUTPUT_LIMIT = 64_000


def truncate(text: str, limit: int = OUTPUT_LIMIT) -> str:
    """Keep the head and tail of long output so a record stays a sane size."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n… [{len(text) - limit} characters cut] …\n{text[-half:]}"


@dataclass(frozen=True, slots=True)
class Completed:
    """How one program ended."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_ms: int
    timed_out: bool = False
    not_found: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.not_found

    def failure_reason(self) -> str:
        """Why the program failed, in a line a user can act on (and a refusing remote's message)."""
        program = self.argv[0]
        if self.not_found:
            return f"program not found: {program}"
        if self.timed_out:
            return f"{program} timed out after {self.duration_ms} ms"
        # A refused push says why on its " ! [rejected]" line, after the remote's messages.
        refused = ref_refusal(f"{self.stderr}\n{self.stdout}")
        reason = "\n".join(refused.lines) if refused else self._error_line()
        detail = f": {reason}" if reason else ""
        # "git fetch --no-tags" says more than "git -C ." about which git call it was.
        named = self.argv[:1] + self.argv[3:] if self.argv[1:2] == ("-C",) else self.argv
        return f"{' '.join(named[:3])} exited with {self.returncode}{detail}"

    def _error_line(self) -> str:
        lines = [line.strip() for line in (self.stderr or self.stdout).splitlines() if line.strip()]
        # git and most tools say why in a "fatal:"/"error:" line, then add advice after it.
        return next(
            (line for line in lines if line.startswith(("fatal:", "error:"))),
            lines[-1] if lines else "",
        )


class Shell(Protocol):
    """Runs argv lists; the one place programs are started."""

    def run(
        self,
        argv: Sequence[str],
        cwd: Path,
        *,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
    ) -> Completed: ...


class SubprocessShell:
    """The real shell port: ``subprocess.run`` with captured output and a timeout."""

    def run(
        self,
        argv: Sequence[str],
        cwd: Path,
        *,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
    ) -> Completed:
        started = time.monotonic()
        argv_tuple = tuple(argv)

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            proc = subprocess.run(
                argv_tuple,
                cwd=cwd,
                env=dict(env) if env is not None else None,
                input=stdin,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except FileNotFoundError as exc:
            return Completed(argv_tuple, 127, "", str(exc), elapsed(), not_found=True)
        except subprocess.TimeoutExpired as exc:
            return Completed(
                argv_tuple, -1, _text(exc.stdout), _text(exc.stderr), elapsed(), timed_out=True
            )
        return Completed(
            argv_tuple, proc.returncode, truncate(proc.stdout), truncate(proc.stderr), elapsed()
        )


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return truncate(value.decode(errors="replace") if isinstance(value, bytes) else value)
