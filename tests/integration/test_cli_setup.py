"""``codemyspec init``, ``sync`` and ``components`` through Typer's runner, in real git repos."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codemyspec.cli import app
from codemyspec.cli.running import runner_config
from codemyspec.cli.settings import load_settings
from tests.support.git_repos import GitProject

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "context_coding_sessions.md"
runner = CliRunner()


@pytest.fixture
def repo(git_project: GitProject, monkeypatch: pytest.MonkeyPatch) -> GitProject:
    monkeypatch.chdir(git_project.root)
    return git_project


def test_init_writes_settings_ignores_the_state_folder_and_creates_the_database(
    repo: GitProject,
) -> None:
    result = runner.invoke(app, ["init", "--package", "shop"])

    assert result.exit_code == 0, result.output
    settings = (repo.root / "codemyspec.toml").read_text()
    assert 'package = "shop"' in settings
    assert f'remote = "{repo.remote}"' in settings
    assert "stall_timeout = 300 " in settings
    assert ".codemyspec/" in (repo.root / ".gitignore").read_text().splitlines()
    assert (repo.root / ".codemyspec" / "codemyspec.db").is_file()


def test_the_runner_settings_in_codemyspec_toml_reach_the_runner(repo: GitProject) -> None:
    assert runner.invoke(app, ["init", "--package", "shop"]).exit_code == 0
    path = repo.root / "codemyspec.toml"
    text = path.read_text().replace("stall_timeout = 300 ", "stall_timeout = 42 ")
    text = text.replace("rate_limit_retries = 6 ", "rate_limit_retries = 2 ")
    path.write_text(text.replace("agent_timeout = 1800 ", "agent_timeout = 900 "))

    config = runner_config(load_settings(repo.root))

    assert (config.agent_timeout, config.stall_timeout) == (900, 42)
    assert config.rate_limit_retries == 2


def test_init_twice_says_so_and_changes_nothing(repo: GitProject) -> None:
    assert runner.invoke(app, ["init", "--package", "shop"]).exit_code == 0
    before = (repo.root / "codemyspec.toml").read_text()

    again = runner.invoke(app, ["init", "--package", "other"])

    assert again.exit_code == 1
    assert "already initialized" in again.output
    assert (repo.root / "codemyspec.toml").read_text() == before


def test_init_outside_a_git_repository_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(plain)

    result = runner.invoke(app, ["init"])

    assert result.exit_code == 1
    assert "not a git repository" in result.output
    assert list(plain.iterdir()) == []


def test_sync_reads_the_seed_doc_into_a_context_of_four_components(repo: GitProject) -> None:
    runner.invoke(app, ["init", "--package", "code_my_spec"])
    docs = repo.root / "docs" / "design" / "code_my_spec"
    docs.mkdir(parents=True)
    shutil.copy(SEED, docs / "context_coding_sessions.md")

    result = runner.invoke(app, ["sync"])

    assert result.exit_code == 0, result.output
    assert "ContextCodingSessions.Steps.SpawnComponentCodingSessions" in result.output
    assert "5 created, 0 updated, 0 deleted" in result.output
    listed = json.loads(runner.invoke(app, ["components", "--json"]).output)
    children = [c for c in listed if c["parent_component_id"] is not None]
    assert len(children) == 4
    assert {c["type"] for c in children} == {"other"}
    finalize = next(c for c in listed if c["name"] == "Finalize")
    assert finalize["files"]["code"] == {
        "path": "src/code_my_spec/context_coding_sessions/steps/finalize.py",
        "exists": False,
    }
    context = next(c for c in listed if c["parent_component_id"] is None)
    assert context["files"]["design"]["exists"] is True


def test_a_malformed_doc_is_an_error_naming_file_and_line_and_syncs_nothing(
    repo: GitProject,
) -> None:
    runner.invoke(app, ["init", "--package", "shop"])
    docs = repo.root / "docs" / "design" / "shop"
    docs.mkdir(parents=True)
    (docs / "billing.md").write_text(
        "# Billing\n\n## Components\n\n### Billing.Money\n\n| field | value |\n"
        "| ----- | ----- |\n| type | other |\n| priority | high |\n"
    )

    result = runner.invoke(app, ["sync"])

    assert result.exit_code == 1
    assert "docs/design/shop/billing.md:10" in result.output
    assert json.loads(runner.invoke(app, ["components", "--json"]).output) == []


def test_commands_outside_an_initialized_repository_say_what_to_do(repo: GitProject) -> None:
    result = runner.invoke(app, ["sync"])

    assert result.exit_code == 1
    assert "run `codemyspec init`" in result.output
