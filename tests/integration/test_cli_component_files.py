"""Every file a component's agent writes comes along; files it may not touch are refused.

Through ``codemyspec implement`` with the scripted CLI agent: a helper module and a fixture
are integrated and committed with their component; a child that changes another
component's file or ``pyproject.toml`` fails, naming the files, and nothing is pushed.
"""

from __future__ import annotations

import json

from tests.support.cli_project import BRANCH, CliProject
from tests.support.cli_runs import flat, invoke, listed, record
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
    assert f"files of Tax: {HELPER}, {code_path('Tax')}, {FIXTURE}" in flat(result.output)


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


CONTEXT_MODULE = "src/shop/billing/__init__.py"
CONTEXT_TESTS = "tests/test_billing.py"


def test_a_missing_context_module_is_written_last_and_its_tests_run_in_validation(
    project: CliProject,
) -> None:
    git("rm", "-q", CONTEXT_MODULE, cwd=project.root)
    git("commit", "-q", "-m", "Billing's own module is to be written", cwd=project.root)
    api = (
        "from shop.billing.ledger import total\nfrom shop.billing.money import add\n"
        "from shop.billing.tax import tax\n\n__all__ = ['add', 'tax', 'total']\n"
    )
    integration = (
        "from shop.billing import add, tax, total\n\n\ndef test_the_public_api():\n"
        "    assert tax(total([add(50, 25), 25])) == 20\n"
    )
    script = json.loads(project.script_path.read_text(encoding="utf-8"))
    script[CONTEXT_MODULE] = [{"write": api, "also_write": {CONTEXT_TESTS: integration}}]
    project.script_path.write_text(json.dumps(script), encoding="utf-8")

    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    log = project.script_path.with_suffix(".calls").read_text(encoding="utf-8").splitlines()
    calls_made = [json.loads(line) for line in log]
    started = {call["file"]: call["at"] for call in calls_made}
    assert started[CONTEXT_MODULE] == max(started.values()), "the context's module came last"
    prompt = next(call["prompt"] for call in calls_made if call["file"] == CONTEXT_MODULE)
    assert "the context Billing's own module (its public API)" in prompt
    [session] = listed()
    spawn = next(
        i
        for i in record(session["id"])["interactions"]
        if i["step"].endswith("SpawnComponentCodingSessions")
    )
    assert spawn["result"]["data"]["workspace"]["tests"][CONTEXT_TESTS]["tests"] == 1
    pushed = set(git("ls-tree", "-r", "--name-only", BRANCH, cwd=project.git.remote).split())
    assert {CONTEXT_MODULE, CONTEXT_TESTS} <= pushed
