"""ComponentCodingSessions: one agent writes one component, runs its tests, fixes failures.

The same shape as ``context_coding_sessions``: ``orchestrator`` and one module per step.
"""

from codemyspec.component_coding_sessions import orchestrator, utils
from codemyspec.component_coding_sessions.branch_tips import BRANCH_TIP_KEY, BranchTip, branch_tip
from codemyspec.component_coding_sessions.model_waits import ModelWaits, duration
from codemyspec.component_coding_sessions.state import (
    AgentRan,
    ComponentState,
    RanTests,
    WorkspacePrepared,
)
from codemyspec.component_coding_sessions.steps import (
    Finalize,
    FixTestFailures,
    GenerateImplementation,
    Initialize,
    PrepareRepair,
    RunTests,
)
from codemyspec.component_coding_sessions.utils import (
    SESSION_TYPE,
    WORKTREES_DIR,
    child_branch_name,
    fix_rounds_done,
    total_agent_usage,
    worktree_path,
    writes_context_module,
)
from codemyspec.context_coding_sessions import DEFAULT_MAX_FIX_ROUNDS

__all__ = [
    "BRANCH_TIP_KEY",
    "DEFAULT_MAX_FIX_ROUNDS",
    "SESSION_TYPE",
    "WORKTREES_DIR",
    "AgentRan",
    "BranchTip",
    "ComponentState",
    "Finalize",
    "FixTestFailures",
    "GenerateImplementation",
    "Initialize",
    "ModelWaits",
    "PrepareRepair",
    "RanTests",
    "RunTests",
    "WorkspacePrepared",
    "branch_tip",
    "child_branch_name",
    "duration",
    "fix_rounds_done",
    "orchestrator",
    "total_agent_usage",
    "utils",
    "worktree_path",
    "writes_context_module",
]
