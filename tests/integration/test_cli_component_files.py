"""Every file a component's agent writes comes along; files it may not touch are refused.

Through ``codemyspec implement`` with the scripted CLI agent: a helper module and a fixture
are integrated and committed with their component; a child that changes another
component's file or ``pyproject.toml`` fails, naming the files, and nothing is pushed.
"""

from __future__ import annotations

from tests.support.cli_project import BRANCH, CliProject
from tests.support.cli_runs import flat, invoke
from tests.support.git_repos import git
from tests.support.sample_project import BILLING, code_path

HELPER = "src/shop/billing/_rates.py"
FIXTURE = "tests/billing/fixtures/rates.txt"
TAX_WITH_HELPER = (
    "from shop.billing._rates import RATE\n\n\ndef tax(amount: int) -> int:\n"
    "    return amount // RATE\n"
)


def test_a_helper_module_and_a_fixture_come_along_with_their_component(
    project: CliProject,
) -> None:
    project.set_script(
        "Tax", {"write": TAX_WITH_HELPER, "also_write": {HELPER: "RATE = 5\n", FIXTURE: "5\n"}}
    )

    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    pushed = set(git("ls-tree", "-r", "--name-only", BRANCH, cwd=project.git.remote).split())
    assert {code_path("Tax"), HELPER, FIXTURE} <= pushed
    assert not any("__pycache__" in path for path in pushed), "caches stay out"
    assert git("show", f"{BRANCH}:{HELPER}", cwd=project.git.remote) == "RATE = 5\n"


def test_a_child_that_changes_another_component_s_file_or_the_project_file_is_refused(
    project: CliProject,
) -> None:
    project.set_script(
        "Tax",
        {
            "write": BILLING["Tax"][0],
            "also_write": {
                code_path("Money"): "def add(a, b):\n    return 0\n",
                "pyproject.toml": "[project]\nname = 'hijacked'\n",
            },
        },
    )

    result = invoke("implement", "Billing")

    assert result.exit_code == 1, result.output
    text = flat(result.output)
    assert (
        "Tax failed (session 4): the agent changed files this component may not: "
        "pyproject.toml (modified; outside the source and test roots src, tests); "
        f"{code_path('Money')} (added; Billing.Money's)"
    ) in text
    assert BRANCH not in project.git.remote_branches()
    assert "hijacked" not in (project.root / "pyproject.toml").read_text(encoding="utf-8")
