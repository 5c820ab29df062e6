"""``codemyspec demo``: the whole flow with the real Claude Code CLI and the scripted model."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from codemyspec.cli.demo_command import demo
from codemyspec_testing import COMPONENT_NAMES, IMPLEMENTATIONS, code_path
from tests.support.git_repos import git

pytestmark = pytest.mark.slow

BRANCH = "code-context-coding-session-for-billing"
app = typer.Typer()
app.command()(demo)


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo's temp directory goes under ``tmp_path``, where the test can find it."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_the_demo_implements_billing_says_the_model_is_scripted_and_cleans_up(
    temp_root: Path,
) -> None:
    result = CliRunner().invoke(app, [])

    assert result.exit_code == 0, result.output
    assert "scripted stand-in for the AI model" in result.output
    assert BRANCH in result.output
    assert "demo complete" in result.output
    assert list(temp_root.glob("codemyspec-demo-*")) == [], "the temp directory was removed"


def test_the_kept_demo_remote_has_the_branch_with_one_commit_of_the_three_components(
    temp_root: Path,
) -> None:
    result = CliRunner().invoke(app, ["--keep"])

    assert result.exit_code == 0, result.output
    [base] = temp_root.glob("codemyspec-demo-*")
    assert f"kept the demo's files in {base}" in result.output
    remote = base / "remote.git"
    assert BRANCH in git("for-each-ref", "--format=%(refname:short)", "refs/heads", cwd=remote)
    assert git("rev-list", "--count", f"main..{BRANCH}", cwd=remote).strip() == "1"
    files = git("ls-tree", "-r", "--name-only", BRANCH, cwd=remote).split()
    code = [code_path(name) for name in COMPONENT_NAMES]
    assert set(code) <= set(files)
    changed = git("diff", "--name-only", "main", BRANCH, cwd=remote).split()
    assert sorted(changed) == sorted(code)
    for name in COMPONENT_NAMES:
        shown = git("show", f"{BRANCH}:{code_path(name)}", cwd=remote)
        assert shown == IMPLEMENTATIONS[name]
    assert "Billing.Tax: FixTestFailures" in result.output, "Tax was wrong first, then fixed"
