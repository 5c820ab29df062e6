"""What one ``codemyspec worker`` is told: its server, broker, queues, slots and folder.

The command line resolves the flags, the environment and ``codemyspec.toml`` into these
options; everything in this package reads them and nothing else.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from codemyspec.errors import ValidationError

#: The queue every worker serves unless told otherwise; ``elixir`` is added where mix is.
PYTHON_QUEUE = "python"
ELIXIR_QUEUE = "elixir"
QUEUE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class WorkerOptions(BaseModel):
    """One worker's settings, resolved and checked."""

    model_config = ConfigDict(frozen=True)

    server: str
    token: str = Field(repr=False)
    broker: str = Field(repr=False)  # a broker URL may carry a password
    queues: tuple[str, ...]
    concurrency: int = Field(ge=1)
    workdir: Path
    visibility_timeout: float = Field(gt=0)
    #: The name its claims carry (``CODEMYSPEC_RUNNER_NAME`` in the session processes).
    runner_name: str
    #: How often a running session is read from the server, to see a cancel.
    poll_seconds: float = Field(default=1.0, gt=0)
    #: How long a session process has to stop after SIGINT before it is killed.
    grace_seconds: float = Field(default=30.0, gt=0)

    @property
    def mirrors(self) -> Path:
        return self.workdir / "mirrors"

    @property
    def runs(self) -> Path:
        return self.workdir / "runs"

    @property
    def logs(self) -> Path:
        return self.workdir / "logs"


def default_queues() -> tuple[str, ...]:
    """``python``, plus ``elixir`` when ``mix`` is on PATH: work goes where it can run."""
    return (PYTHON_QUEUE, ELIXIR_QUEUE) if shutil.which("mix") else (PYTHON_QUEUE,)


def parse_queues(text: str) -> tuple[str, ...]:
    """``python,elixir`` as names; an empty or malformed name is refused, naming it."""
    names = tuple(part.strip() for part in text.split(","))
    for name in names:
        if not QUEUE_NAME.match(name):
            raise ValidationError(
                f"--queues: {name!r} is not a queue name (letters, digits, '_', '.', '-'; "
                "several separated by commas, e.g. python,elixir)"
            )
    return tuple(dict.fromkeys(names))


def default_workdir() -> Path:
    """``$XDG_CACHE_HOME/codemyspec/worker``, else ``~/.cache/codemyspec/worker``."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "codemyspec" / "worker"


def default_runner_name() -> str:
    """Host name and process id: two workers of one machine never share a claim name."""
    return f"{socket.gethostname()}-{os.getpid()}"
