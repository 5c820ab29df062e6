"""Real repository layouts implemented end to end by the real Claude Code CLI and the scripted
model; each pushed branch's tests pass on a fresh clone.

- src: ``src/shop/billing/money.py`` tested by ``tests/billing/test_money.py`` (the default);
- flat: modules directly in the package, ``shop/money.py`` by ``tests/test_money.py``;
- beside: tests next to the code, ``shop/test_money.py``;
- explicit: a private module and a test file named after neither (``| code |``, ``| test |``).

One component also adds a helper module of its own, which is integrated with it; the
context's own module is missing in one repository and is written last, from the
components' work, with its tests run in validation.
"""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rich.console import Console

from codemyspec.agents import ClaudeCodeAgent
from codemyspec.cli.local import open_local
from codemyspec.cli.running import implement
from codemyspec.cli.settings import ProjectSettings, RunnerSettings, Settings, render_settings
from codemyspec.cli.setup_commands import sync_and_show
from codemyspec.projects import Layout
from codemyspec.sessions import SessionStatus
from codemyspec_testing import ScriptedModel, by_prompt, calls, write
from tests.support.git_repos import GitProject, git, make_git_project

pytestmark = pytest.mark.slow

BRANCH = "code-context-coding-session-for-billing"
MONEY = "def add(a: int, b: int) -> int:\n    return a + b\n"
TAX = "from {rates} import RATE\n\n\ndef tax(amount: int) -> int:\n    return amount // RATE\n"
RATES = "RATE = 5\n"


@dataclass
class Shape:
    """One layout: settings, where each file goes, and the import path of the package."""

    name: str
    layout: Layout | None
    money: tuple[str, str]  # code, test
    tax: tuple[str, str]
    rates: str  # the helper module Tax's agent adds
    module: str  # how tests import the package's modules: "shop.billing" or "shop"
    explicit: dict[str, tuple[str, str]] = field(default_factory=dict)


SHAPES = [
    Shape(
        "src",
        None,
        ("src/shop/billing/money.py", "tests/billing/test_money.py"),
        ("src/shop/billing/tax.py", "tests/billing/test_tax.py"),
        "src/shop/billing/_rates.py",
        "shop.billing",
    ),
    Shape(
        "flat",
        Layout(code="{package}/{component}.py", test="tests/test_{component}.py"),
        ("shop/money.py", "tests/test_money.py"),
        ("shop/tax.py", "tests/test_tax.py"),
        "shop/_rates.py",
        "shop",
    ),
    Shape(
        "beside",
        Layout(code="{package}/{component}.py", test="{package}/test_{component}.py"),
        ("shop/money.py", "shop/test_money.py"),
        ("shop/tax.py", "shop/test_tax.py"),
        "shop/_rates.py",
        "shop",
    ),
    Shape(
        "explicit",
        None,
        ("src/shop/_money_impl.py", "tests/test_arithmetic.py"),
        ("src/shop/billing/tax.py", "tests/billing/test_tax.py"),
        "src/shop/billing/_rates.py",
        "shop.billing",
        explicit={"Money": ("src/shop/_money_impl.py", "tests/test_arithmetic.py")},
    ),
]


def unit_tests_of(shape: Shape) -> dict[str, str]:
    money_module = "shop._money_impl" if shape.explicit else f"{shape.module}.money"
    return {
        shape.money[1]: f"from {money_module} import add\n\n\ndef test_add():\n"
        "    assert add(2, 3) == 5\n",
        shape.tax[1]: f"from {shape.module}.tax import tax\n\n\ndef test_tax():\n"
        "    assert tax(100) == 20\n",
    }


def context_doc(shape: Shape) -> str:
    def rows(name: str) -> str:
        code, test = shape.explicit.get(name, (None, None))
        return (f"| code | {code} |\n| test | {test} |\n") if code else ""

    return (
        "# Billing\n\n## Purpose\nBills customers.\n\n## Components\n\n"
        "### Billing.Money\n\n| field | value |\n| --- | --- |\n| type | other |\n"
        f"{rows('Money')}\nAdds amounts.\n\n"
        "### Billing.Tax\n\n| field | value |\n| --- | --- |\n| type | other |\n"
        f"{rows('Tax')}\nTaxes an amount.\n\n## Dependencies\n\n- none\n"
    )


def make_repo(base: Path, shape: Shape, *, context_module: str | None) -> GitProject:
    repo = make_git_project(base)
    repo.write(".gitignore", ".codemyspec/\n__pycache__/\n")
    (repo.root / "pyproject.toml").write_text(
        '[project]\nname = "shop"\nversion = "0"\n', encoding="utf-8"
    )
    if shape.module == "shop":  # no src/: the package sits at the root
        git("rm", "-q", "-r", "src", cwd=repo.root)
        repo.write("shop/__init__.py", "")
    elif context_module is not None:
        repo.write(context_module, "")
    repo.write("docs/design/shop/billing.md", context_doc(shape))
    for path, text in unit_tests_of(shape).items():
        repo.write(path, text)
    settings = Settings(
        project=ProjectSettings(
            name="shop",
            package="shop",
            remote=str(repo.remote),
            test_command=[sys.executable, "-m", "pytest"],
        ),
        layout=shape.layout,
        runner=RunnerSettings(max_fix_rounds=1, agent_timeout=120),
    )
    repo.write("codemyspec.toml", render_settings(settings))
    git("add", "-A", cwd=repo.root)
    git("commit", "-q", "-m", f"A {shape.name} layout", cwd=repo.root)
    git("push", "-q", "origin", "main", cwd=repo.root)
    return repo


def scripts(shape: Shape, extra: dict[str, list[object]] | None = None) -> dict[str, list[object]]:
    rates_module = shape.rates.removesuffix(".py").replace("/", ".").removeprefix("src.")
    tax = TAX.format(rates=rates_module)
    return {
        f"write the implementation in: {shape.money[0]}": [
            write(shape.money[0], MONEY),
            "Done.",
        ],
        f"write the implementation in: {shape.tax[0]}": [
            calls(write(shape.rates, RATES), write(shape.tax[0], tax)),
            "Done, with a helper module for the rate.",
        ],
        **(extra or {}),
    }


def run(repo: GitProject, script: dict[str, list[object]], home: Path) -> tuple[object, str]:
    out = io.StringIO()
    local = open_local(repo.root)
    try:
        sync_and_show(local, Console(file=io.StringIO()))
        with ScriptedModel(by_prompt(script), strict=False) as model:
            driven = implement(
                local,
                "Billing",
                agent="claude_code",
                agents={"claude_code": ClaudeCodeAgent(env=model.env(home))},
                console=Console(file=out, width=200),
            )
    finally:
        local.app.close()
    return driven.session, out.getvalue()


def clone_and_test(repo: GitProject, where: Path) -> subprocess.CompletedProcess[str]:
    git("clone", "-q", "-b", BRANCH, str(repo.remote), str(where), cwd=where.parent)
    source = where / "src" if (where / "src").is_dir() else where
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
        env={
            "PATH": str(Path(sys.executable).parent),
            "PYTHONPATH": str(source),
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        },
    )


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_a_layout_is_implemented_and_its_pushed_tests_pass_on_a_clone(
    tmp_path: Path, shape: Shape
) -> None:
    context_module = "src/shop/billing/__init__.py" if shape.module == "shop.billing" else None
    repo = make_repo(tmp_path, shape, context_module=context_module)

    session, output = run(repo, scripts(shape), tmp_path / "home")

    assert session.status is SessionStatus.COMPLETE, output  # type: ignore[attr-defined]
    files = set(git("ls-tree", "-r", "--name-only", BRANCH, cwd=repo.remote).split())
    assert {shape.money[0], shape.tax[0], shape.rates} <= files, "the helper came along"
    tests = clone_and_test(repo, tmp_path / "clone")
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout
