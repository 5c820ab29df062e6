"""The steps of a context coding session (OpenPullRequest only with ``[forge]``)."""

from codemyspec.context_coding_sessions.steps.finalize import Finalize
from codemyspec.context_coding_sessions.steps.initialize import Initialize
from codemyspec.context_coding_sessions.steps.open_pull_request import OpenPullRequest
from codemyspec.context_coding_sessions.steps.spawn_component_coding_sessions import (
    SpawnComponentCodingSessions,
)

__all__ = ["Finalize", "Initialize", "OpenPullRequest", "SpawnComponentCodingSessions"]
