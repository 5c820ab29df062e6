"""ContextCodingSessions: implement every component of a context, validate, commit once.

The seed's public surface: ``orchestrator`` (``steps``, ``get_next_interaction``,
``complete``), the steps ``Initialize``, ``SpawnComponentCodingSessions`` and ``Finalize``,
and ``utils.branch_name``.
"""

from codemyspec.context_coding_sessions import orchestrator, utils
from codemyspec.context_coding_sessions.state import ContextProgress, ContextState, SpawnChecked
from codemyspec.context_coding_sessions.steps import (
    Finalize,
    Initialize,
    SpawnComponentCodingSessions,
)
from codemyspec.context_coding_sessions.utils import (
    CHILD_SESSION_TYPE,
    CONTEXT_MODULE_KEY,
    FRESH_BRANCH_KEY,
    SESSION_TYPE,
    WRITE_CONTEXT_MODULE_KEY,
    branch_name,
    seed_branch_name,
    slugify,
)
from codemyspec.context_coding_sessions.validation import ValidationReport
from codemyspec.context_coding_sessions.work import ChildWork, child_work

__all__ = [
    "CHILD_SESSION_TYPE",
    "CONTEXT_MODULE_KEY",
    "FRESH_BRANCH_KEY",
    "SESSION_TYPE",
    "WRITE_CONTEXT_MODULE_KEY",
    "ChildWork",
    "ContextProgress",
    "ContextState",
    "Finalize",
    "Initialize",
    "SpawnChecked",
    "SpawnComponentCodingSessions",
    "ValidationReport",
    "branch_name",
    "child_work",
    "orchestrator",
    "seed_branch_name",
    "slugify",
    "utils",
]
