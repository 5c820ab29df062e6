"""Pre-flight: before any agent runs, ``implement`` checks that the tests can test the code.

Each refusal exits 1, names the file and the first line of the cause, and changes nothing:
no session, no branch, no agent call, nothing pushed.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.cli_project import BRANCH, CliProject
from tests.support.cli_runs import calls, flat, invoke, listed, record, use
from tests.support.git_repos import git
from tests.support.sample_project import BILLING, code_path, unit_test_path

NAMES = ["Money", "Ledger", "Tax"]


def commit_all(project: CliProject, message: str) -> None:
    git("add", "-A", cwd=project.root)
    git("commit", "-q", "-m", message, cwd=project.root)


def refused(project: CliProject, *expected: str) -> str:
    """Run implement, expect a refusal naming ``expected``, and check nothing changed."""
    head = git("rev-parse", "HEAD", cwd=project.root)
    result = invoke("implement", "Billing")
    text = flat(result.output)
    assert result.exit_code == 1, result.output
    assert "pre-flight found problems before any agent ran" in text
    for part in expected:
        assert part in text, text
    assert listed() == [], "no session was created"
    assert project.git.current_branch() == "main"
    assert git("rev-parse", "HEAD", cwd=project.root) == head
    assert git("branch", "--list", f"{BRANCH}*", cwd=project.root) == ""
    assert BRANCH not in project.git.remote_branches()
    assert all(calls(project, name) == [] for name in NAMES), "no agent ran"
    return text


def test_a_test_file_that_passes_without_its_code_is_refused_before_any_agent(
    project: CliProject,
) -> None:
    project.git.write(unit_test_path("Tax"), "def test_tax():\n    assert True\n")
    commit_all(project, "A test that tests nothing")

    refused(
        project,
        f"{unit_test_path('Tax')} passes without {code_path('Tax')}: it does not test it",
    )


def test_a_test_module_without_tests_is_refused(project: CliProject) -> None:
    project.git.write(unit_test_path("Tax"), '"""Tax: tests to come."""\n\nimport pytest\n')
    commit_all(project, "An empty test module")

    refused(project, f"{unit_test_path('Tax')} holds no tests")


def test_a_conftest_plugin_missing_from_the_test_environment_is_refused_with_its_error(
    project: CliProject,
) -> None:
    project.git.write("tests/conftest.py", 'pytest_plugins = ["pytest_not_installed_here"]\n')
    commit_all(project, "A conftest that needs a plugin")

    refused(
        project,
        'Error importing plugin "pytest_not_installed_here": '
        "No module named 'pytest_not_installed_here' (named in tests/conftest.py)",
    )


def test_a_conftest_that_cannot_import_is_refused_naming_it(project: CliProject) -> None:
    project.git.write("tests/conftest.py", "import freezegun_not_installed_here\n")
    commit_all(project, "A conftest that imports a missing library")

    refused(
        project,
        f"ImportError while loading conftest '{project.root / 'tests' / 'conftest.py'}'",
        "ModuleNotFoundError: No module named 'freezegun_not_installed_here'",
    )


def test_a_context_module_importing_a_sibling_that_does_not_exist_is_refused(
    project: CliProject,
) -> None:
    project.git.write("src/shop/billing/__init__.py", "from shop.billing.rates import RATE\n")
    commit_all(project, "The context re-exports a module nobody writes")

    refused(
        project,
        f"{unit_test_path('Money')}: ModuleNotFoundError: No module named 'shop.billing.rates'",
        "(raised in src/shop/billing/__init__.py:1)",
    )


def test_a_test_command_that_is_not_pytest_is_refused(project: CliProject) -> None:
    settings = (project.root / "codemyspec.toml").read_text(encoding="utf-8")
    project.git.write(
        "codemyspec.toml",
        settings.replace(
            '# test_command = ["python", "-m", "pytest"]   # default for python',
            'test_command = ["python", "-m", "unittest"]',
        ),
    )
    commit_all(project, "unittest instead of pytest")

    refused(project, "`python -m unittest` did not run the tests")


def test_an_existing_component_s_test_results_are_the_baseline_and_do_not_stop_the_run(
    project: CliProject,
) -> None:
    # Tax exists already with a bug; its test fails before the run: the agent fixes it.
    project.git.write(code_path("Tax"), BILLING["Tax"][0].replace("// 5", "// 4"))
    commit_all(project, "Tax, with a bug")

    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    [session] = listed()
    baseline = record(session["id"])["state"]["baseline"]
    assert baseline == {
        unit_test_path("Money"): "cannot be collected: ModuleNotFoundError: "
        "No module named 'shop.billing.money'",
        unit_test_path("Ledger"): "cannot be collected: ModuleNotFoundError: "
        "No module named 'shop.billing.ledger'",
        unit_test_path("Tax"): "1 failed",
    }
    shown = flat(invoke("sessions", "show", str(session["id"])).output)
    assert "baseline (the existing tests on the tree before this run): " in shown
    assert f"{unit_test_path('Tax')}: 1 failed" in shown
    assert f"{unit_test_path('Tax')}: 1 failed" in flat(result.output)


def test_the_package_installed_elsewhere_is_refused_naming_both_places(
    tmp_path: Path, project: CliProject, monkeypatch
) -> None:
    """A namespace ``shop`` in the tree loses to a regular one installed in site-packages."""
    installed = tmp_path / "site" / "shop"
    installed.mkdir(parents=True)
    (installed / "__init__.py").write_text("", encoding="utf-8")
    git("rm", "-q", "src/shop/__init__.py", cwd=project.root)
    commit_all(project, "shop as a namespace package")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    use(project, monkeypatch)

    text = refused(project)

    assert f"the tests imported shop from {installed / '__init__.py'}" in text
    assert f"not from this tree ({project.root / 'src'})" in text


def test_a_context_module_importing_a_sibling_a_component_does_not_depend_on_is_refused(
    project: CliProject,
) -> None:
    project.git.write("src/shop/billing/__init__.py", "from shop.billing.money import add\n")
    commit_all(project, "The context re-exports Money")

    text = refused(
        project,
        f"{unit_test_path('Tax')}: ModuleNotFoundError: No module named 'shop.billing.money' "
        "(raised in src/shop/billing/__init__.py:1): it cannot be collected (if "
        "shop.billing.money is another component's, list it under ## Dependencies",
    )
    assert f"{unit_test_path('Ledger')}:" not in text, "Ledger lists Money: it will have it"
    assert f"{unit_test_path('Money')}:" not in text, "Money's own module is written by it"


def test_a_context_module_importing_what_every_component_will_have_is_no_problem(
    project: CliProject,
) -> None:
    project.git.write("src/shop/billing/__init__.py", "from shop.billing.money import add\n")
    project.git.write(
        "docs/design/shop/billing/tax.md",
        "# Billing.Tax\n\nThe Tax component.\n\n## Dependencies\n\n- Billing.Money\n",
    )
    commit_all(project, "The context re-exports Money; Tax uses Money")
    assert invoke("sync").exit_code == 0

    result = invoke("implement", "Billing")

    assert result.exit_code == 0, result.output
    assert BRANCH in project.git.remote_branches()


def test_a_generated_file_git_ignores_is_named_before_any_agent_and_setup_can_make_it(
    project: CliProject,
) -> None:
    """As hatch-vcs's ``_version.py``: in the checkout, ignored, so absent from worktrees."""
    project.git.write(".gitignore", ".codemyspec/\n__pycache__/\nsrc/shop/_version.py\n")
    project.git.write("src/shop/__init__.py", "from shop._version import VERSION\n")
    project.git.write("src/shop/_version.py", "VERSION = '1.0'\n")
    commit_all(project, "A generated version file")

    result = invoke("implement", "Billing")

    assert result.exit_code == 1, result.output
    assert (
        "src/shop/_version.py is in your checkout but git ignores it, so this worktree lacks "
        "it and shop cannot be imported here (ModuleNotFoundError: No module named "
        "'shop._version', raised in src/shop/__init__.py:1): make it in each worktree with "
        "[runner] worktree_setup"
    ) in flat(result.output)
    assert all(calls(project, name) == [] for name in NAMES), "no agent was paid"

    settings = project.root / "codemyspec.toml"
    setup = f'["cp", "{project.root / "src/shop/_version.py"}", "src/shop/_version.py"]'
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "worktree_setup = []", f"worktree_setup = {setup}"
        ),
        encoding="utf-8",
    )
    commit_all(project, "Make the version file in each worktree")
    [session] = listed()
    invoke("sessions", "cancel", str(session["id"]))  # still on its branch, with the fix

    again = invoke("implement", "Billing")

    assert again.exit_code == 0, again.output
