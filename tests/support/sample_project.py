"""A sample Python project with a context, components and pre-written unit tests."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from codemyspec.bootstrap import App
from codemyspec.components import Component, ComponentAttrs, ComponentType
from codemyspec.projects import Project
from codemyspec.scope import Scope
from tests.support.factories import make_account, make_project
from tests.support.git_repos import GitProject, git, make_git_project

SCRIPTED_AGENT = Path(__file__).with_name("scripted_cli_agent.py")

# name → (implementation, unit test, sibling dependencies)
BILLING: dict[str, tuple[str, str, list[str]]] = {
    "Money": (
        "def add(a: int, b: int) -> int:\n    return a + b\n",
        "from shop.billing.money import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
        [],
    ),
    "Ledger": (
        "from shop.billing.money import add\n\n\ndef total(xs):\n    t = 0\n"
        "    for x in xs:\n        t = add(t, x)\n    return t\n",
        "from shop.billing.ledger import total\n\n\ndef test_total():\n"
        "    assert total([1, 2, 3]) == 6\n",
        ["Money"],
    ),
    "Statement": (
        "from shop.billing.ledger import total\n\n\ndef render(xs):\n"
        "    return f'total: {total(xs)}'\n",
        "from shop.billing.statement import render\n\n\ndef test_render():\n"
        "    assert render([1, 2]) == 'total: 3'\n",
        ["Ledger"],
    ),
    "Fee": (
        "def fee(amount: int) -> int:\n    return 2 if amount else 0\n",
        "from shop.billing.fee import fee\n\n\ndef test_fee():\n    assert fee(10) == 2\n",
        [],
    ),
    "Discount": (
        "def discount(amount: int) -> int:\n    return amount // 10\n",
        "from shop.billing.discount import discount\n\n\ndef test_discount():\n"
        "    assert discount(50) == 5\n",
        [],
    ),
    "Tax": (
        "def tax(amount: int) -> int:\n    return amount // 5\n",
        "from shop.billing.tax import tax\n\n\ndef test_tax():\n    assert tax(100) == 20\n",
        [],
    ),
}


def code_path(name: str) -> str:
    return f"src/shop/billing/{name.lower()}.py"


def unit_test_path(name: str) -> str:
    return f"tests/billing/test_{name.lower()}.py"


@dataclass
class Sample:
    """A git project, its rows, and the script the scripted CLI agent follows."""

    app: App
    scope: Scope
    project: Project
    git: GitProject
    context: Component
    components: dict[str, Component]
    script_path: Path
    script: dict[str, list[dict[str, object]]] = field(default_factory=dict)

    def set_script(self, name: str, *steps: dict[str, object]) -> None:
        self.script[code_path(name)] = list(steps)
        self.script_path.write_text(json.dumps(self.script), encoding="utf-8")

    def calls(self) -> list[dict[str, object]]:
        log = self.script_path.with_suffix(".calls")
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]

    def calls_for(self, name: str) -> list[dict[str, object]]:
        return [c for c in self.calls() if c["file"] == code_path(name)]


def make_sample(app: App, base: Path, names: list[str], *, dependencies: bool = True) -> Sample:
    """Components ``names`` of BILLING, each with its pre-written unit test committed on main."""
    project_git = make_git_project(base)
    project_git.write(".gitignore", ".codemyspec/\n__pycache__/\n")
    for name in names:
        project_git.write(unit_test_path(name), BILLING[name][1])
    git("add", "-A", cwd=project_git.root)
    git("commit", "-q", "-m", "Unit tests for billing", cwd=project_git.root)
    git("push", "-q", "origin", "main", cwd=project_git.root)
    scope, project = make_project(
        app, make_account(app), project_git.root, code_repo=str(project_git.remote)
    )
    with app.unit_of_work() as uow:
        context = uow.components.create(
            scope, ComponentAttrs(module_name="Billing", type=ComponentType.CONTEXT)
        )
        components = {
            name: uow.components.create(
                scope,
                ComponentAttrs(
                    module_name=f"Billing.{name}",
                    parent_component_id=context.id,
                    priority=len(names) - index,
                    dependencies=[
                        f"Billing.{d}" for d in BILLING[name][2] if dependencies and d in names
                    ],
                    description=f"The {name} component.",
                ),
            )
            for index, name in enumerate(names)
        }
    sample = Sample(
        app=app,
        scope=scope,
        project=project,
        git=project_git,
        context=context,
        components=components,
        script_path=base / "agent-script.json",
    )
    for name in names:
        sample.set_script(name, {"write": BILLING[name][0]})
    return sample


def scripted_agent_argv() -> list[str]:
    return [sys.executable, str(SCRIPTED_AGENT)]
