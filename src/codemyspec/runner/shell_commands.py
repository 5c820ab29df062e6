"""Execute argv programs in order, the first failure stopping the rest (shell and commit)."""

from __future__ import annotations

from pathlib import Path

from codemyspec.commands import CommitCommand, Result, ShellCommand
from codemyspec.shell import Shell

DEFAULT_PROGRAM_TIMEOUT = 600.0


def execute_shell_command(
    command: ShellCommand | CommitCommand,
    cwd: Path,
    shell: Shell,
    *,
    timeout: float = DEFAULT_PROGRAM_TIMEOUT,
) -> Result:
    """Run every program of the command (a commit's too); see ``run_programs``."""
    return run_programs(command.programs, cwd, shell, timeout=timeout)


def run_programs(
    programs: list[list[str]], cwd: Path, shell: Shell, *, timeout: float = DEFAULT_PROGRAM_TIMEOUT
) -> Result:
    """Run each program; ok with all output if every one exits 0, else error naming the failure."""
    stdout: list[str] = []
    stderr: list[str] = []
    total_ms = 0
    for argv in programs:
        done = shell.run(argv, cwd, timeout=timeout)
        stdout.append(done.stdout)
        stderr.append(done.stderr)
        total_ms += done.duration_ms
        if not done.ok:
            return Result.error(
                done.failure_reason(),
                code=done.returncode,
                stdout="".join(stdout),
                stderr="".join(stderr),
                duration_ms=total_ms,
                data={"failed_program": list(argv)},
            )
    return Result.ok(code=0, stdout="".join(stdout), stderr="".join(stderr), duration_ms=total_ms)
