"""Execute a ``shell`` command: its argv programs in order, the first failure stopping the rest."""

from __future__ import annotations

from pathlib import Path

from codemyspec.commands import Command, CommandKind, Result
from codemyspec.errors import ValidationError
from codemyspec.shell import Shell

DEFAULT_PROGRAM_TIMEOUT = 600.0


def execute_shell_command(
    command: Command, cwd: Path, shell: Shell, *, timeout: float = DEFAULT_PROGRAM_TIMEOUT
) -> Result:
    """Run each program; ok with all output if every one exits 0, else error naming the failure."""
    if command.command is not CommandKind.SHELL:
        raise ValidationError(f"not a shell command: {command.command.value}")
    stdout: list[str] = []
    stderr: list[str] = []
    total_ms = 0
    for argv in command.programs:
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
