"""The three steps of a context coding session."""

from codemyspec.context_coding_sessions.steps.finalize import Finalize
from codemyspec.context_coding_sessions.steps.initialize import Initialize
from codemyspec.context_coding_sessions.steps.spawn_component_coding_sessions import (
    SpawnComponentCodingSessions,
)

__all__ = ["Finalize", "Initialize", "SpawnComponentCodingSessions"]
