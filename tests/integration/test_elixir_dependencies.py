"""A mix project with dependencies implemented through ``codemyspec implement``: each worktree
finds the checkout's fetched ``deps/`` and a path dependency outside the repository.

Hex is not reachable here, so the dependencies are a git dependency fetched from a local bare
repository into ``deps/`` (git-ignored, as hex packages are) and a path dependency on a
second local mix project, ``../money_lib``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from codemyspec.cli.settings import AgentSettings, ProjectSettings, Settings, render_settings
from codemyspec.projects import Language
from tests.support.cli_runs import flat, invoke
from tests.support.git_repos import git
from tests.support.sample_project import scripted_agent_argv

pytestmark = pytest.mark.skipif(shutil.which("mix") is None, reason="Elixir is not installed")

BRANCH = "code-context-coding-session-for-billing"
TAX = (
    "defmodule Shop.Billing.Tax do\n"
    "  def tax(amount), do: MoneyLib.cents(amount * RatesLib.vat() / 100)\n"
    "end\n"
)
TAX_TEST = (
    "defmodule Shop.Billing.TaxTest do\n  use ExUnit.Case\n\n"
    '  test "a fifth, in cents" do\n    assert Shop.Billing.Tax.tax(10) == 200\n  end\n'
    "end\n"
)
DOC = (
    "# Billing\n\n## Purpose\nBills.\n\n## Components\n\n### Billing.Tax\n\n"
    "| field | value |\n| --- | --- |\n| type | other |\n\nTax in cents.\n"
)


def mix_new(where: Path, name: str) -> Path:
    subprocess.run(["mix", "new", name], cwd=where, check=True, capture_output=True)
    return where / name


def library(where: Path, name: str, module: str, body: str) -> Path:
    root = mix_new(where, name)
    (root / "lib" / f"{name}.ex").write_text(f"defmodule {module} do\n{body}\nend\n")
    return root


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    library(tmp_path, "money_lib", "MoneyLib", "  def cents(amount), do: round(amount * 100)")
    rates = library(tmp_path, "rates_lib", "RatesLib", "  def vat, do: 20")
    git("init", "-q", "-b", "main", cwd=rates)
    git("add", "-A", cwd=rates)
    git("commit", "-q", "-m", "rates", cwd=rates)
    root = mix_new(tmp_path, "shop")
    mix = root / "mix.exs"
    mix.write_text(
        mix.read_text().replace(
            '      # {:dep_from_hexpm, "~> 0.3.0"},',
            f'      {{:money_lib, path: "../money_lib"}},\n      {{:rates_lib, git: "{rates}"}},',
        )
    )
    subprocess.run(["mix", "deps.get"], cwd=root, check=True, capture_output=True)
    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", "-b", "main", str(remote), cwd=tmp_path)
    (root / "docs/design/shop").mkdir(parents=True)
    (root / "docs/design/shop/billing.md").write_text(DOC)
    (root / "lib/shop/billing.ex").parent.mkdir(parents=True)
    (root / "lib/shop/billing.ex").write_text("defmodule Shop.Billing do\nend\n")
    (root / "test/shop/billing").mkdir(parents=True)
    (root / "test/shop/billing/tax_test.exs").write_text(TAX_TEST)
    (root / ".gitignore").write_text((root / ".gitignore").read_text() + "/.codemyspec/\n")
    settings = Settings(
        project=ProjectSettings(
            name="shop", package="shop", language=Language.ELIXIR, remote=str(remote)
        ),
        agent=AgentSettings(default="scripted", commands={"scripted": scripted_agent_argv()}),
    )
    (root / "codemyspec.toml").write_text(render_settings(settings))
    git("init", "-q", "-b", "main", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "A shop with dependencies", cwd=root)
    git("remote", "add", "origin", str(remote), cwd=root)
    git("push", "-q", "origin", "main", cwd=root)
    script = tmp_path / "agent-script.json"
    script.write_text(json.dumps({"lib/shop/billing/tax.ex": [{"write": TAX}]}))
    monkeypatch.chdir(root)
    monkeypatch.setenv("SCRIPTED_AGENT_SCRIPT", str(script))
    assert invoke("sync").exit_code == 0
    return root


def test_a_mix_project_with_fetched_and_path_dependencies_is_implemented(shop: Path) -> None:
    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    assert "Billing.Tax: RunTests ok" in result.output
    assert "tests: 1 passed" in flat(result.output)
    pushed = git("ls-tree", "-r", "--name-only", BRANCH, cwd=shop.parent / "remote.git").split()
    assert "lib/shop/billing/tax.ex" in pushed
    assert not any(p.startswith(("deps/", "_build/")) for p in pushed), "nothing of mix's own"


def test_an_empty_exunit_module_is_refused_before_any_agent(shop: Path) -> None:
    (shop / "test/shop/billing/tax_test.exs").write_text(
        "defmodule Shop.Billing.TaxTest do\n  use ExUnit.Case\nend\n"
    )
    git("commit", "-q", "-am", "Tests to come", cwd=shop)

    result = invoke("implement", "Billing")

    assert result.exit_code == 1, result.output
    assert "test/shop/billing/tax_test.exs holds no tests: write the tests first" in flat(
        result.output
    )
    assert not (shop.parent / "agent-script.calls").exists(), "no agent ran"
