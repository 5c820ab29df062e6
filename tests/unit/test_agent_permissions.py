"""Claude Code may run the project's tests, as its prompt tells it to, and no other program."""

from __future__ import annotations

from pathlib import Path

from codemyspec.agents import ClaudeCodeAgent
from codemyspec.bootstrap import App
from codemyspec.cli.running import CLAUDE_CODE, configured_agents
from codemyspec.cli.settings import ProjectSettings, Settings
from codemyspec.projects import Language, Project


def allowed_tools(language: Language, test_command: list[str] | None = None) -> list[str]:
    settings = Settings(
        project=ProjectSettings(
            name="shop", package="shop", language=language, test_command=test_command
        )
    )
    agent = configured_agents(settings)[CLAUDE_CODE]
    assert isinstance(agent, ClaudeCodeAgent)
    return agent.allowed


def bash_rules(allowed: list[str]) -> list[str]:
    return [tool for tool in allowed if tool.startswith("Bash")]


def test_an_elixir_project_s_agent_may_run_mix_test_and_its_test_command_not_pytest() -> None:
    allowed = allowed_tools(Language.ELIXIR, ["mix", "test", "--warnings-as-errors"])

    assert bash_rules(allowed) == ["Bash(mix test:*)", "Bash(mix test --warnings-as-errors:*)"]
    assert not any("pytest" in tool for tool in allowed)
    assert {"Read", "Write", "Edit"} <= set(allowed)


def test_a_python_project_s_agent_may_run_pytest_and_its_own_test_command() -> None:
    allowed = allowed_tools(Language.PYTHON, ["uv", "run", "pytest"])

    assert bash_rules(allowed) == [
        "Bash(python -m pytest:*)",
        "Bash(pytest:*)",
        "Bash(python3 -m pytest:*)",
        "Bash(uv run pytest:*)",
    ]


def test_a_test_command_with_a_space_in_an_argument_is_allowed_as_a_shell_spells_it() -> None:
    allowed = allowed_tools(Language.ELIXIR, ["mix", "test", "--only", "tag:slow tests"])

    assert "Bash(mix test --only 'tag:slow tests':*)" in allowed


def test_a_test_command_the_profile_already_allows_is_listed_once() -> None:
    assert bash_rules(allowed_tools(Language.ELIXIR, ["mix", "test"])) == ["Bash(mix test:*)"]


def test_a_runner_built_without_agents_gives_claude_code_the_project_s_test_commands(
    app: App, tmp_path: Path
) -> None:
    project = Project(
        id=1,
        account_id=1,
        name="shop",
        package="shop",
        root=str(tmp_path),
        language=Language.ELIXIR,
        test_command=["mix", "test", "--trace"],
    )

    agent = app.runner(project).executor.agents[ClaudeCodeAgent.name]

    assert isinstance(agent, ClaudeCodeAgent)
    assert bash_rules(agent.allowed) == ["Bash(mix test:*)", "Bash(mix test --trace:*)"]
