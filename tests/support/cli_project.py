"""A repository set up the way a user sets one up: design docs, tests and codemyspec.toml.

The agent is the scripted CLI agent configured under ``[agent.commands]`` as ``scripted``,
so command-line tests run the whole flow in seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from codemyspec.cli.settings import AgentSettings, ProjectSettings, Settings, render_settings
from tests.support.git_repos import GitProject, git, make_git_project
from tests.support.sample_project import BILLING, code_path, scripted_agent_argv, unit_test_path

BRANCH = "code-context-coding-session-for-billing"


def context_doc(names: list[str]) -> str:
    """``docs/design/shop/billing.md`` listing ``names`` as components."""
    sections = [
        f"### Billing.{name}\n\n| field | value |\n| --- | --- |\n| type | other |\n"
        f"| priority | {len(names) - i} |\n\nThe {name} component.\n"
        for i, name in enumerate(names)
    ]
    return (
        "# Billing\n\n## Purpose\nBills customers.\n\n## Components\n\n"
        + "\n".join(sections)
        + "\n## Dependencies\n\n- none\n"
    )


def component_doc(name: str, dependencies: list[str]) -> str:
    items = "\n".join(f"- Billing.{d}" for d in dependencies)
    return f"# Billing.{name}\n\nThe {name} component.\n\n## Dependencies\n\n{items}\n"


@dataclass
class CliProject:
    """The repository, its remote, and the script the scripted agent follows."""

    git: GitProject
    script_path: Path

    @property
    def root(self) -> Path:
        return self.git.root

    def set_script(self, name: str, *steps: dict[str, object]) -> None:
        script = json.loads(self.script_path.read_text(encoding="utf-8"))
        script[code_path(name)] = list(steps)
        self.script_path.write_text(json.dumps(script), encoding="utf-8")


def make_cli_project(base: Path, names: list[str], **settings: object) -> CliProject:
    """Design docs and unit tests for ``names`` of BILLING, committed and pushed on main."""
    project = make_git_project(base)
    project.write(".gitignore", ".codemyspec/\n__pycache__/\n")
    project.write("src/shop/billing/__init__.py", '"""Billing."""\n')  # the context's module
    project.write("docs/design/shop/billing.md", context_doc(names))
    for name in names:
        project.write(unit_test_path(name), BILLING[name][1])
        deps = [d for d in BILLING[name][2] if d in names]
        if deps:
            project.write(f"docs/design/shop/billing/{name.lower()}.md", component_doc(name, deps))
    config = Settings(
        project=ProjectSettings(name="shop", package="shop", remote=str(project.remote)),
        agent=AgentSettings(default="scripted", commands={"scripted": scripted_agent_argv()}),
        **settings,
    )
    project.write("codemyspec.toml", render_settings(config))
    git("add", "-A", cwd=project.root)
    git("commit", "-q", "-m", "Design docs and unit tests for billing", cwd=project.root)
    git("push", "-q", "origin", "main", cwd=project.root)
    script_path = base / "agent-script.json"
    script_path.write_text(
        json.dumps({code_path(n): [{"write": BILLING[n][0]}] for n in names}), encoding="utf-8"
    )
    return CliProject(project, script_path)
