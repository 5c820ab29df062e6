"""A spawn result as a runner reports it: the files and test runs of its integrated tree."""

from __future__ import annotations

from codemyspec.bootstrap import App
from codemyspec.components import component_files
from codemyspec.environments import WORKSPACE_FACTS_KEY
from codemyspec.scope import Scope
from codemyspec.sessions import Result


def with_workspace_facts(
    app: App, scope: Scope, session_id: int, result: Result | None = None
) -> Result:
    """``result`` (ok by default) with what the runner's executor finds in the project's tree
    for every child: which code and test files exist, and how their tests run (real runs)."""
    parent = app.sessions.get_session(scope, session_id)
    assert parent.project is not None
    pairs = [
        (str(paths.code), str(paths.test))
        for child in parent.child_sessions
        if child.component is not None
        for paths in [component_files(child.component, parent.project)]
    ]
    facts = app.runner(parent.project, agents={}).executor.workspace_facts(pairs)
    base = result or Result.ok()
    data = {**base.data, WORKSPACE_FACTS_KEY: facts.model_dump(mode="json")}
    return base.model_copy(update={"data": data})
