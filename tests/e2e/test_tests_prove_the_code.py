"""A wrong implementation never passes, with the real Claude Code CLI and the scripted model.

- the package also installed in the test environment's site-packages: the tests run
  against the tree's code, so a wrong implementation fails and nothing is pushed;
- tests the agent wrote that pass without the code (``assert True``) are not a pass: the
  next fix round asks for real tests, and only those complete the component.
"""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from codemyspec.agents import ClaudeCodeAgent
from codemyspec.cli.local import open_local
from codemyspec.cli.running import implement
from codemyspec.cli.settings import ProjectSettings, RunnerSettings, Settings, render_settings
from codemyspec.cli.setup_commands import sync_and_show
from codemyspec.sessions import Session, SessionStatus
from codemyspec_testing import ScriptedModel, by_prompt, calls, write
from tests.support.cli_project import BRANCH, context_doc
from tests.support.git_repos import GitProject, git, make_git_project
from tests.support.sample_project import BILLING, code_path, unit_test_path

pytestmark = pytest.mark.slow

TAX, TAX_TEST = BILLING["Tax"][0], BILLING["Tax"][1]
WRONG_TAX = "def tax(amount: int) -> int:\n    return 0\n"
PROMPT_KEY = f"write the implementation in: {code_path('Tax')}"
# No `pythonpath` in the pytest settings: as in python-dateutil, the tests import `shop`
# from wherever Python finds it first.
PYPROJECT = '[project]\nname = "shop"\nversion = "0.0.0"\n'


@dataclass
class Run:
    session: Session
    output: str
    model: ScriptedModel


def make_repo(base: Path, *, test_command: list[str], tax_test: str | None) -> GitProject:
    repo = make_git_project(base)
    repo.write("pyproject.toml", PYPROJECT)
    repo.write(".gitignore", ".codemyspec/\n__pycache__/\n")
    repo.write("src/shop/billing/__init__.py", "")  # the context's own module exists
    repo.write("docs/design/shop/billing.md", context_doc(["Tax"]))
    if tax_test is not None:
        repo.write(unit_test_path("Tax"), tax_test)
    settings = Settings(
        project=ProjectSettings(
            name="shop", package="shop", remote=str(repo.remote), test_command=test_command
        ),
        runner=RunnerSettings(max_fix_rounds=1, agent_timeout=120),
    )
    repo.write("codemyspec.toml", render_settings(settings))
    git("add", "-A", cwd=repo.root)
    git("commit", "-q", "-m", "Billing: design and tests", cwd=repo.root)
    git("push", "-q", "origin", "main", cwd=repo.root)
    return repo


def run_implement(repo: GitProject, script: list[object], home: Path) -> Run:
    out = io.StringIO()
    local = open_local(repo.root)
    try:
        sync_and_show(local, Console(file=io.StringIO()))
        with ScriptedModel(by_prompt({PROMPT_KEY: script}), strict=False) as model:
            driven = implement(
                local,
                "Billing",
                agent="claude_code",
                agents={"claude_code": ClaudeCodeAgent(env=model.env(home))},
                console=Console(file=out, width=200),
            )
    finally:
        local.app.close()
    return Run(driven.session, out.getvalue(), model)


def installed_venv(base: Path) -> Path:
    """A venv whose site-packages holds a correct ``shop`` (and sees this venv's pytest)."""
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    [site] = venv.glob("lib/python*/site-packages")
    ours = next(p for p in map(Path, sys.path) if p.name == "site-packages" and p.is_dir())
    (site / "tests_pytest.pth").write_text(f"{ours}\n", encoding="utf-8")
    for relative, text in {
        "shop/__init__.py": "",
        "shop/billing/__init__.py": "",
        "shop/billing/tax.py": TAX,
    }.items():
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_text(text, encoding="utf-8")
    return venv / "bin" / "python"


def test_a_wrong_implementation_fails_though_a_correct_copy_is_installed(tmp_path: Path) -> None:
    python = installed_venv(tmp_path)
    repo = make_repo(tmp_path, test_command=[str(python), "-m", "pytest"], tax_test=TAX_TEST)
    trap = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", unit_test_path("Tax")],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert trap.returncode == 0, "run bare, the tests pass on the installed copy: the trap"

    # The agent writes a wrong tax twice (the generation and the one fix round).
    script: list[object] = [
        write(code_path("Tax"), WRONG_TAX),
        "Implemented Tax.",
        write(code_path("Tax"), WRONG_TAX),
        "Fixed Tax.",
    ]
    run = run_implement(repo, script, tmp_path / "home")

    assert run.session.status is not SessionStatus.COMPLETE, run.output
    [tax] = run.session.child_sessions
    assert tax.status is SessionStatus.FAILED
    assert "tests still failing after 1 fix round" in tax.state["error"]
    assert "test_tax" in tax.state["error"]
    assert BRANCH not in repo.remote_branches(), "nothing pushed"


def test_tests_that_pass_without_the_code_get_a_fix_round_asking_for_real_tests(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path, test_command=[sys.executable, "-m", "pytest"], tax_test=None)
    hollow = "def test_tax():\n    assert True\n"
    script: list[object] = [
        calls(write(code_path("Tax"), TAX), write(unit_test_path("Tax"), hollow)),
        "Implemented Tax with its tests.",
        write(unit_test_path("Tax"), TAX_TEST),
        "The tests now exercise tax().",
    ]
    run = run_implement(repo, script, tmp_path / "home")

    assert run.session.status is SessionStatus.COMPLETE, run.output
    [tax] = run.session.child_sessions
    local = open_local(repo.root)
    try:
        full = local.app.sessions.get_session(local.scope, tax.id)
    finally:
        local.app.close()
    runs = [i for i in reversed(full.interactions) if i.step.endswith("RunTests")]
    assert [r.result.status.value for r in runs if r.result] == ["error", "ok"]
    first = runs[0].result
    assert first is not None
    unproven = first.data["test_run"]["unproven"]
    assert unproven.startswith(
        f"{unit_test_path('Tax')} passes without {code_path('Tax')}: it does not test it"
    )
    fix_prompts = [
        text
        for request in run.model.conversation_requests
        for text in request.user_texts
        if "fix round 1 of 1" in text
    ]
    assert fix_prompts, "a fix round was asked for"
    assert "so they do not test it" in fix_prompts[0]
    assert f"Rewrite {unit_test_path('Tax')}" in fix_prompts[0]
    pushed = git("show", f"{BRANCH}:{unit_test_path('Tax')}", cwd=repo.remote)
    assert pushed == TAX_TEST, "the real tests were committed, not the hollow ones"
