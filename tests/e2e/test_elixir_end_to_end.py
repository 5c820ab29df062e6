"""The Elixir profile end to end: the real Claude Code CLI against the scripted model on a
plain mix project, ExUnit read through codemyspec's formatter.

The agent's first Tax is wrong; the fix round's prompt carries ExUnit's own failure message
(``left``/``right``), the agent fixes it, and the counts shown are ExUnit's.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from codemyspec.agents import ClaudeCodeAgent
from codemyspec.cli.local import open_local
from codemyspec.cli.running import implement
from codemyspec.cli.settings import ProjectSettings, RunnerSettings, Settings, render_settings
from codemyspec.cli.setup_commands import sync_and_show
from codemyspec.projects import Language
from codemyspec.sessions import SessionStatus
from codemyspec_testing import ScriptedModel, by_prompt, edit, read, write
from tests.support.cli_runs import flat, invoke
from tests.support.git_repos import git

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("mix") is None, reason="Elixir is not installed"),
]

BRANCH = "code-context-coding-session-for-billing"
CODE = "lib/shop/billing/tax.ex"
TEST = "test/shop/billing/tax_test.exs"
WRONG = "defmodule Shop.Billing.Tax do\n  def tax(amount), do: div(amount, 4)\nend\n"
TAX_TEST = (
    "defmodule Shop.Billing.TaxTest do\n  use ExUnit.Case\n\n"
    '  test "a fifth" do\n    assert Shop.Billing.Tax.tax(100) == 20\n  end\n\n'
    '  test "nothing on nothing" do\n    assert Shop.Billing.Tax.tax(0) == 0\n  end\nend\n'
)
DOC = (
    "# Shop.Billing\n\n## Purpose\nBills.\n\n## Components\n\n### Shop.Billing.Tax\n\n"
    "| field | value |\n| --- | --- |\n| type | other |\n\nA fifth of an amount.\n"
)


def make_project(base: Path) -> Path:
    subprocess.run(["mix", "new", "shop"], cwd=base, check=True, capture_output=True)
    root = base / "shop"
    remote = base / "remote.git"
    git("init", "-q", "--bare", "-b", "main", str(remote), cwd=base)
    files = {
        "docs/design/shop/billing.md": DOC,
        "lib/shop/billing.ex": "defmodule Shop.Billing do\nend\n",
        TEST: TAX_TEST,
        ".gitignore": (root / ".gitignore").read_text() + "/.codemyspec/\n",
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    settings = Settings(
        project=ProjectSettings(
            name="shop", package="shop", language=Language.ELIXIR, remote=str(remote)
        ),
        runner=RunnerSettings(max_fix_rounds=1, agent_timeout=120),
    )
    (root / "codemyspec.toml").write_text(render_settings(settings), encoding="utf-8")
    git("init", "-q", "-b", "main", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "A shop with Billing's design and Tax's tests", cwd=root)
    git("remote", "add", "origin", str(remote), cwd=root)
    git("push", "-q", "origin", "main", cwd=root)
    return root


def test_an_exunit_failure_feeds_the_fix_round_and_the_counts_are_exunit_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path)
    script: list[object] = [
        write(CODE, WRONG),
        "Implemented Tax.",
        read(CODE),
        edit(CODE, "div(amount, 4)", "div(amount, 5)"),
        "Fixed the rate.",
    ]
    out = io.StringIO()
    local = open_local(root)
    try:
        sync_and_show(local, Console(file=io.StringIO()))
        with ScriptedModel(by_prompt({f"write the implementation in: {CODE}": script})) as model:
            driven = implement(
                local,
                "Billing",
                agent="claude_code",
                agents={"claude_code": ClaudeCodeAgent(env=model.env(tmp_path / "home"))},
                console=Console(file=out, width=300),
            )
    finally:
        local.app.close()
    output = out.getvalue()

    assert driven.session.status is SessionStatus.COMPLETE, output
    assert "Billing.Tax: RunTests error" in output
    assert "tests: 1 passed, 1 failed · Shop.Billing.TaxTest::" in output
    assert "Billing.Tax: RunTests ok" in output
    assert "tests: 2 passed" in output
    fix = [
        text
        for request in model.conversation_requests
        for text in request.user_texts
        if "fix round 1 of 1" in text
    ]
    assert fix, "a fix round was asked for"
    assert "Assertion with == failed" in fix[0]
    assert "left: 25" in fix[0] and "right: 20" in fix[0]
    first_prompt = model.conversation_requests[0].prompt
    assert "Shop.Billing.Tax" in first_prompt and "mix test" in first_prompt
    pushed = git("show", f"{BRANCH}:{CODE}", cwd=tmp_path / "remote.git")
    assert "div(amount, 5)" in pushed
    monkeypatch.chdir(root)
    shown = invoke("sessions", "show", str(driven.session.id))
    assert "Billing.Tax · session 2 · complete · tests 2 passed" in flat(shown.output)
