"""ContextCodingSessions: implement every component of a context, validate, commit once.

The seed's public surface: ``orchestrator`` (``steps``, ``get_next_interaction``,
``complete``), the steps ``Initialize``, ``SpawnComponentCodingSessions`` and ``Finalize``,
and ``utils.branch_name``.
"""

from codemyspec.context_coding_sessions import orchestrator, utils
from codemyspec.context_coding_sessions.baseline import (
    BaselineRun,
    PreexistingFailures,
    TestFileFailure,
    ValidationPlan,
    broken_lines,
    judge_test_file,
    preexisting_lines,
    whole_file_error,
)
from codemyspec.context_coding_sessions.culprits import CULPRITS_KEY, Culprit, Repair, node_id
from codemyspec.context_coding_sessions.limits import (
    BUDGET_REASON,
    DEADLINE_REASON,
    RunLimits,
    Spend,
    limit_reached,
    money,
    refuse_when_spent,
    spend_against,
    usage_tokens,
)
from codemyspec.context_coding_sessions.pull_request import (
    PLACEHOLDERS,
    check_template,
    pull_request_url,
    uses_base,
)
from codemyspec.context_coding_sessions.records import newest_spawn_result
from codemyspec.context_coding_sessions.repairs import DEFAULT_MAX_FIX_ROUNDS, FIX_STEP_NAME
from codemyspec.context_coding_sessions.state import (
    INTEGRATED_KEY,
    ContextProgress,
    ContextState,
    SpawnChecked,
)
from codemyspec.context_coding_sessions.steps import (
    Finalize,
    Initialize,
    OpenPullRequest,
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
from codemyspec.context_coding_sessions.verdicts import CaseVerdict, FlakyTests, Verdict
from codemyspec.context_coding_sessions.work import ChildWork, child_work

__all__ = [
    "BUDGET_REASON",
    "CHILD_SESSION_TYPE",
    "CONTEXT_MODULE_KEY",
    "CULPRITS_KEY",
    "DEADLINE_REASON",
    "DEFAULT_MAX_FIX_ROUNDS",
    "FIX_STEP_NAME",
    "FRESH_BRANCH_KEY",
    "INTEGRATED_KEY",
    "PLACEHOLDERS",
    "SESSION_TYPE",
    "WRITE_CONTEXT_MODULE_KEY",
    "BaselineRun",
    "CaseVerdict",
    "ChildWork",
    "ContextProgress",
    "ContextState",
    "Culprit",
    "Finalize",
    "FlakyTests",
    "Initialize",
    "OpenPullRequest",
    "PreexistingFailures",
    "Repair",
    "RunLimits",
    "SpawnChecked",
    "SpawnComponentCodingSessions",
    "Spend",
    "TestFileFailure",
    "ValidationPlan",
    "ValidationReport",
    "Verdict",
    "branch_name",
    "broken_lines",
    "check_template",
    "child_work",
    "judge_test_file",
    "limit_reached",
    "money",
    "newest_spawn_result",
    "node_id",
    "orchestrator",
    "preexisting_lines",
    "pull_request_url",
    "refuse_when_spent",
    "seed_branch_name",
    "slugify",
    "spend_against",
    "usage_tokens",
    "uses_base",
    "utils",
    "whole_file_error",
]
