"""A worker's session process: drive or join one session in a fresh clone, with no one at it.

The same path as ``implement --server`` and ``join``: the repository's settings, the
server's project, the runner with its claims, leases and shared branches. One agent at a
time: a worker's parallelism is its slots, each running one such process.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from codemyspec.cli.local import open_local
from codemyspec.cli.remote import open_remote
from codemyspec.cli.running import Drive, drive


def drive_headless(root: Path, session_id: int, *, join: bool, server: str) -> int:
    """Run (or join) the session in the clone at ``root``; its exit status (``Driven``).

    ``SessionClaimedError`` (another runner holds it) is left to the caller.
    """
    local = open_local(root)
    remote = open_remote(local, server)
    console = Console(width=160, force_terminal=False, soft_wrap=True)
    how = Drive.JOIN if join else Drive.RUN
    try:
        driven = drive(local, session_id, how, concurrency=1, console=console, remote=remote)
    finally:
        remote.close()
        local.app.close()
    return driven.exit_code
