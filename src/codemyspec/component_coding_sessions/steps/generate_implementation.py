"""GenerateImplementation: the agent writes the component (and its tests if none exist)."""

from __future__ import annotations

from typing import Any, ClassVar

from codemyspec.component_coding_sessions.prompts import ImplementationBrief, generate_prompt
from codemyspec.component_coding_sessions.rules import coding_rules
from codemyspec.component_coding_sessions.state import ComponentState
from codemyspec.component_coding_sessions.steps._agent_outcome import agent_outcome
from codemyspec.component_coding_sessions.utils import (
    others_of,
    reported_files,
    require_component,
    workspace_state,
    writes_context_module,
)
from codemyspec.components import component_files, owner_of, roots_of
from codemyspec.scope import Scope
from codemyspec.sessions import (
    AgentCommand,
    Command,
    Result,
    Session,
    StepOutcome,
    step_context,
)


class GenerateImplementation:
    """Prompts the agent with the design doc, the files to write and the coding rules (the
    repository's ``docs/rules/<type>.md``, else codemyspec's for the profile); the files'
    text is what the runner read for Initialize, never read here."""

    name: ClassVar[str] = "ComponentCodingSessions.Steps.GenerateImplementation"

    @staticmethod
    def get_command(scope: Scope, session: Session, **opts: Any) -> Command:
        component, project = require_component(session)
        worktree, _ = workspace_state(session)
        paths = component_files(component, project)
        read = reported_files(session).get
        rules = coding_rules(read, project, component.type.value)
        others = others_of(scope, component, step_context(opts).components)
        writes_context = writes_context_module(session)
        uses = [o.module_name for o in others] if writes_context else component.dependencies
        brief = ImplementationBrief(
            project=project,
            component=component,
            paths=paths,
            design_text=read(str(paths.design)),
            test_file_exists=ComponentState.of(session).test_file_existed,
            rules=rules.text if rules else None,
            rules_path=rules.source if rules else "",
            dependencies=list(uses),
            others=sorted(f for other in others for f in owner_of(other, project).files),
            roots=[str(root) for root in roots_of(project)],
            context_module=writes_context,
        )
        return AgentCommand(
            module=GenerateImplementation.name,
            agent=session.agent,
            prompt=generate_prompt(brief),
            cwd=worktree,
            watch_files=[str(paths.test)],
        )

    @staticmethod
    def handle_result(scope: Scope, session: Session, result: Result, **opts: Any) -> StepOutcome:
        return agent_outcome(session, result, "generating the implementation")
