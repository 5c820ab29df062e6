"""How the runner behaves: parallelism, bounds, and the per-worktree setup command."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from codemyspec.agents import DEFAULT_AGENT_TIMEOUT, DEFAULT_MAX_TURNS, DEFAULT_STALL_TIMEOUT

#: How often an agent run the model refused as too busy (429, 529, 503) is tried again.
DEFAULT_RATE_LIMIT_RETRIES = 6


class RunnerConfig(BaseModel):
    """``concurrency`` None means every ready child at once.

    ``share_branches`` is for runners on several machines sharing one server: branches go
    through ``origin`` (the parent's before the children start, each child's when it is
    done) so any runner can build on them.
    """

    model_config = ConfigDict(extra="forbid")

    concurrency: int | None = Field(default=None, ge=1)
    worktree_setup: list[str] | None = None
    agent_timeout: float = Field(default=DEFAULT_AGENT_TIMEOUT, gt=0)
    stall_timeout: float = Field(default=DEFAULT_STALL_TIMEOUT, gt=0)
    max_turns: int = Field(default=DEFAULT_MAX_TURNS, ge=1)
    program_timeout: float = Field(default=600.0, gt=0)
    test_timeout: float = Field(default=600.0, gt=0)
    default_agent: str = "claude_code"
    lease_seconds: float = Field(default=60.0, gt=0)
    poll_seconds: float = Field(default=1.0, gt=0)
    share_branches: bool = False
    rate_limit_retries: int = Field(default=DEFAULT_RATE_LIMIT_RETRIES, ge=0)
