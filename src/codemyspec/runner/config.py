"""How the runner behaves: parallelism, bounds, and the per-worktree setup command."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from codemyspec.agents import DEFAULT_AGENT_TIMEOUT, DEFAULT_MAX_TURNS


class RunnerConfig(BaseModel):
    """``concurrency`` None means every ready child at once."""

    model_config = ConfigDict(extra="forbid")

    concurrency: int | None = Field(default=None, ge=1)
    worktree_setup: list[str] | None = None
    agent_timeout: float = Field(default=DEFAULT_AGENT_TIMEOUT, gt=0)
    max_turns: int = Field(default=DEFAULT_MAX_TURNS, ge=1)
    program_timeout: float = Field(default=600.0, gt=0)
    test_timeout: float = Field(default=600.0, gt=0)
    default_agent: str = "claude_code"
