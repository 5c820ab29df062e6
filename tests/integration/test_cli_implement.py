"""``codemyspec implement`` through Typer's runner: what a user sees, and what lands on the remote.

Every refusal exits 1 with a reason and changes nothing: no session, no branch, no file.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from codemyspec.cli.git import Git
from codemyspec.cli.running import check_repository
from codemyspec.cli.settings import load_settings, render_settings
from codemyspec.errors import ConfigurationError
from codemyspec.shell import SubprocessShell
from tests.support.cli_project import BRANCH, CliProject, make_cli_project
from tests.support.cli_runs import (
    WRONG_TAX,
    Implementing,
    assert_one_commit_on_main_with_every_component,
    calls,
    flat,
    invoke,
    listed,
    use,
)
from tests.support.git_repos import git, make_git_project
from tests.support.sample_project import BILLING, code_path

NAMES = ["Money", "Ledger", "Tax"]


def commit_all(project: CliProject, message: str) -> None:
    git("add", "-A", cwd=project.root)
    git("commit", "-q", "-m", message, cwd=project.root)


def git_state(project: CliProject) -> tuple[str, str, str]:
    """The checked-out branch, HEAD and the working tree's status."""
    return (
        project.git.current_branch(),
        git("rev-parse", "HEAD", cwd=project.root),
        git("status", "--porcelain", cwd=project.root),
    )


def assert_nothing_changed(project: CliProject, before: tuple[str, str, str]) -> None:
    assert listed() == [], "no session was created"
    assert git("branch", "--list", f"{BRANCH}*", cwd=project.root) == "", "no branch"
    assert git_state(project) == before
    assert BRANCH not in project.git.remote_branches()
    assert calls(project, "Money") == [], "no agent ran"


# ------------------------------------------------------------------------------- success


def test_implement_commits_every_component_in_one_commit_and_pushes_it(
    project: CliProject,
) -> None:
    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "✓ Billing implemented: 3 components in one commit" in text
    assert f"branch {BRANCH}" in text
    commit = git("log", "-1", "--format=%h", BRANCH, cwd=project.root).strip()
    assert f"commit {commit} Implement Billing context" in text
    assert f"remote pushed to origin ({project.git.remote})" in text
    assert_one_commit_on_main_with_every_component(project)
    assert project.git.remote_log(BRANCH)[0].startswith(
        "Implement Billing context\n\n- Money\n- Ledger\n- Tax"
    )


def test_implement_prints_a_plain_line_per_step_when_stdout_is_not_a_terminal(
    project: CliProject,
) -> None:
    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "run Billing · session 1"
    for name in NAMES:
        own = [line for line in lines if line.startswith(f"Billing.{name}: ")]
        started = [line.split()[1] for line in own if line.endswith(" started")]
        assert started == ["Initialize", "GenerateImplementation", "RunTests", "Finalize"]
        assert any(line.endswith("tests: 1 passed") for line in own if "RunTests ok" in line)
        assert own[-1].endswith(f"; Billing.{name} complete")
    parent = [line.split()[1] for line in lines if line.startswith("Billing: ")]
    assert parent == ["Initialize"] * 2 + ["SpawnComponentCodingSessions"] * 2 + ["Finalize"] * 2
    assert "\x1b[" not in result.output, "no terminal codes in a pipe"


def test_no_push_commits_locally_and_says_it_was_not_pushed(project: CliProject) -> None:
    result = invoke("implement", "Billing", "--no-push")

    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "not pushed (--no-push)" in text
    assert f"git push --set-upstream origin {BRANCH}" in text
    assert git("log", "-1", "--format=%s", BRANCH, cwd=project.root).strip() == (
        "Implement Billing context"
    )
    files = git("ls-tree", "-r", "--name-only", BRANCH, cwd=project.root).split()
    assert {code_path(n) for n in NAMES} <= set(files)
    assert BRANCH not in project.git.remote_branches()


def test_concurrency_one_runs_the_components_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["Money", "Tax"]  # independent of each other: they could run together
    project = make_cli_project(tmp_path, names)
    use(project, monkeypatch)
    assert invoke("sync").exit_code == 0
    for name in names:
        project.set_script(name, {"write": BILLING[name][0], "delay": 0.5})

    result = invoke("implement", "Billing", "--concurrency", "1")

    assert result.exit_code == 0, result.output
    starts = sorted(float(c["at"]) for n in names for c in calls(project, n))
    assert len(starts) == 2
    assert starts[1] - starts[0] >= 0.5, "the second agent started while the first worked"


def test_max_fix_rounds_gives_a_wrong_component_another_go(project: CliProject) -> None:
    project.set_script("Tax", {"write": WRONG_TAX}, {"write": BILLING["Tax"][0]})

    result = invoke("implement", "Billing", "--max-fix-rounds", "1")

    assert result.exit_code == 0, result.output
    tax = calls(project, "Tax")
    assert len(tax) == 2
    assert f"Fix the implementation in: {code_path('Tax')}" in str(tax[1]["prompt"])
    assert "Billing.Tax: FixTestFailures ok" in result.output
    assert [len(calls(project, n)) for n in ("Money", "Ledger")] == [1, 1]
    assert BRANCH in project.git.remote_branches()


# ------------------------------------------------------------------------------ failures


def test_an_agent_that_crashes_fails_its_component_and_says_what_to_do(
    project: CliProject,
) -> None:
    project.set_script("Tax", {"crash": "out of tokens"})

    result = invoke("implement", "Billing")

    assert result.exit_code == 1
    text = flat(result.output)
    assert "✗ Billing was not implemented (session 1)" in text
    assert "Tax failed (session" in text
    assert "agent 'scripted' exited with 3: out of tokens" in text
    assert "What to do next:" in text
    for step in ("retry", "resume", "show"):
        assert f"`codemyspec sessions {step} 1`" in text
    assert "kept for inspection: Billing.Tax:" in text
    assert BRANCH not in project.git.remote_branches()


def test_an_interrupted_implement_stops_at_once_and_resume_finishes_it(
    project: CliProject, implementing: list[Implementing]
) -> None:
    project.set_script("Tax", {"hang": 30})
    run = Implementing(project, "Billing")
    implementing.append(run)
    run.wait_for(
        "Billing.Money complete",
        "Billing.Ledger complete",
        "Billing.Tax: GenerateImplementation started",
    )

    interrupted_at = time.monotonic()
    os.killpg(run.proc.pid, signal.SIGINT)  # Ctrl-C reaches the terminal's foreground group
    code = run.finish(timeout=20)

    assert code == 130, run.output
    assert time.monotonic() - interrupted_at < 10, "the hanging agent was stopped"
    text = flat(run.output)
    assert "interrupted:" in text
    assert "Continue with `codemyspec sessions resume 1`" in text
    [session] = listed()
    assert {c["component"]: c["status"] for c in session["children"]} == {
        "Billing.Money": "complete",
        "Billing.Ledger": "complete",
        "Billing.Tax": "cancelled",
    }
    assert BRANCH not in project.git.remote_branches()

    project.set_script("Tax", {"write": BILLING["Tax"][0]})
    resumed = invoke("sessions", "resume", "1")

    assert resumed.exit_code == 0, resumed.output
    assert "✓ Billing implemented: 3 components in one commit" in flat(resumed.output)
    assert_one_commit_on_main_with_every_component(project)
    assert [len(calls(project, n)) for n in NAMES] == [1, 1, 2], "completed ones never re-ran"


# ------------------------------------------------------------- refusals change nothing


def test_an_unknown_context_is_refused_listing_the_known_ones(project: CliProject) -> None:
    before = git_state(project)

    result = invoke("implement", "Shipping")

    assert result.exit_code == 1
    assert "unknown context 'Shipping'; known contexts: Billing" in flat(result.output)
    assert_nothing_changed(project, before)


def test_a_context_without_components_is_refused(project: CliProject) -> None:
    project.git.write(
        "docs/design/shop/empty.md",
        "# Empty\n\n## Purpose\nNothing yet.\n\n## Components\n\n## Dependencies\n\n- none\n",
    )
    commit_all(project, "An empty context")
    synced = invoke("sync")
    assert synced.exit_code == 0, synced.output
    before = git_state(project)

    result = invoke("implement", "Empty")

    assert result.exit_code == 1
    text = flat(result.output)
    assert "context Empty has no components" in text
    assert "## Components" in text
    assert_nothing_changed(project, before)


def test_uncommitted_changes_are_refused_naming_the_files(project: CliProject) -> None:
    project.git.write("README.md", "changed by hand\n")
    before = git_state(project)

    result = invoke("implement", "Billing")

    assert result.exit_code == 1
    text = flat(result.output)
    assert "uncommitted changes" in text
    assert "README.md" in text
    assert "commit or stash them first" in text
    assert_nothing_changed(project, before)
    assert (project.root / "README.md").read_text() == "changed by hand\n"


def test_check_repository_refuses_a_plain_folder_and_a_repository_without_commits(
    tmp_path: Path,
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(ConfigurationError, match="is not a git repository"):
        check_repository(Git(SubprocessShell(), plain), push=False)

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    git("init", "-q", "-b", "main", cwd=fresh)
    with pytest.raises(ConfigurationError, match="has no commit yet"):
        check_repository(Git(SubprocessShell(), fresh), push=False)


def test_without_an_origin_remote_implement_asks_for_one_or_no_push(
    project: CliProject,
) -> None:
    git("remote", "remove", "origin", cwd=project.root)
    before = git_state(project)

    refused = invoke("implement", "Billing")

    assert refused.exit_code == 1
    text = flat(refused.output)
    assert "no remote named origin to push to" in text
    assert "--no-push" in text
    assert_nothing_changed(project, before)

    local_only = invoke("implement", "Billing", "--no-push")

    assert local_only.exit_code == 0, local_only.output
    assert "not pushed (--no-push)" in flat(local_only.output)
    assert git("log", "-1", "--format=%s", BRANCH, cwd=project.root).strip() == (
        "Implement Billing context"
    )


def test_an_unknown_agent_is_refused_listing_the_configured_ones(project: CliProject) -> None:
    before = git_state(project)

    result = invoke("implement", "Billing", "--agent", "nope")

    assert result.exit_code == 1
    text = flat(result.output)
    assert "unknown agent 'nope' (configured: claude_code, scripted" in text
    assert "[agent.commands]" in text
    assert_nothing_changed(project, before)


def test_an_agent_whose_program_is_missing_is_refused(project: CliProject) -> None:
    settings = load_settings(project.root)
    commands = {**settings.agent.commands, "ghost": ["definitely-not-a-program-xyz"]}
    agent = settings.agent.model_copy(update={"commands": commands})
    project.git.write(
        "codemyspec.toml", render_settings(settings.model_copy(update={"agent": agent}))
    )
    commit_all(project, "A ghost agent")
    before = git_state(project)

    result = invoke("implement", "Billing", "--agent", "ghost")

    assert result.exit_code == 1
    text = flat(result.output)
    assert "agent 'ghost': program 'definitely-not-a-program-xyz' was not found" in text
    assert_nothing_changed(project, before)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--concurrency", "--concurrency must be 0 (all) or more, not -1"),
        ("--max-fix-rounds", "--max-fix-rounds must be 0 or more, not -1"),
    ],
)
def test_a_negative_number_is_refused(project: CliProject, option: str, message: str) -> None:
    before = git_state(project)

    result = invoke("implement", "Billing", option, "-1")

    assert result.exit_code == 1
    assert message in flat(result.output)
    assert_nothing_changed(project, before)


def test_without_codemyspec_toml_implement_says_to_run_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = make_git_project(tmp_path)
    monkeypatch.chdir(plain.root)

    result = invoke("implement", "Billing")

    assert result.exit_code == 1
    text = flat(result.output)
    assert "no codemyspec.toml" in text
    assert "run `codemyspec init`" in text
    assert not (plain.root / ".codemyspec").exists()
    assert git("branch", "--list", cwd=plain.root).split() == ["*", "main"]


def test_an_uncommitted_file_where_an_agent_writes_is_refused_and_left_intact(
    project: CliProject,
) -> None:
    mine = "# my own draft of tax, not committed yet\n"
    draft = project.git.write(code_path("Tax"), mine)
    before = git_state(project)

    result = invoke("implement", "Billing")

    assert result.exit_code == 1
    assert (
        f"{code_path('Tax')} is in your working tree but not committed, where a component's "
        "agent writes: it would be overwritten"
    ) in flat(result.output)
    assert draft.read_text(encoding="utf-8") == mine
    assert_nothing_changed(project, before)


def test_without_an_author_for_its_commits_implement_stops_before_any_agent(
    project: CliProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found on a machine whose git had no user.email: the agents ran, then the commit
    failed. Now git's own refusal is named up front, with the two commands that fix it."""
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("EMAIL", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "nobody"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    git("config", "--unset", "user.email", cwd=project.root)
    git("config", "--unset", "user.name", cwd=project.root)
    git("config", "user.useConfigOnly", "true", cwd=project.root)
    before = git_state(project)

    result = invoke("implement", "Billing")

    assert result.exit_code == 1
    text = flat(result.output)
    assert f"git cannot name who commits in {project.root}" in text
    assert "no email was given and auto-detection is disabled" in text
    assert 'git config --global user.name "Your Name"' in text
    assert "git config --global user.email you@example.com" in text
    assert_nothing_changed(project, before)
