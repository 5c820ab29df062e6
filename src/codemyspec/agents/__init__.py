"""Agents: turn a prompt into file changes in a working directory."""

from codemyspec.agents.base import (
    BUSY_STATUSES,
    DEFAULT_AGENT_TIMEOUT,
    DEFAULT_MAX_TURNS,
    DEFAULT_STALL_TIMEOUT,
    Agent,
    AgentRequest,
    AgentRun,
    Meter,
    ModelBusy,
    ModelWait,
)
from codemyspec.agents.claude_code import ClaudeCodeAgent
from codemyspec.agents.command_agent import CommandAgent

__all__ = [
    "BUSY_STATUSES",
    "DEFAULT_AGENT_TIMEOUT",
    "DEFAULT_MAX_TURNS",
    "DEFAULT_STALL_TIMEOUT",
    "Agent",
    "AgentRequest",
    "AgentRun",
    "ClaudeCodeAgent",
    "CommandAgent",
    "Meter",
    "ModelBusy",
    "ModelWait",
]
