"""A newcomer's first run, in subprocesses: install codemyspec, init, sync, implement, pushed.

codemyspec is installed from this checkout into a fresh virtual environment (a plain,
non-editable ``pip install``, with pytest beside it as the newcomer's project has it), and
its ``codemyspec`` command runs in a new repository with the real Claude Code agent,
which talks to the scripted model on loopback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codemyspec_testing import ScriptedModel, by_prompt, write
from tests.support.cli_project import BRANCH, component_doc, context_doc
from tests.support.git_repos import GitProject, git, make_git_project
from tests.support.sample_project import BILLING, code_path, unit_test_path

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parents[2]
NAMES = ["Money", "Ledger", "Tax"]
# What building from a working copy would otherwise leave in it, or pick up from it.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".codemyspec"
)


def run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    """Run a command as the newcomer would; its output is the failure message if it fails."""
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = f"$ {' '.join(argv)}\n{done.stdout}{done.stderr}"
    assert done.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with codemyspec installed from this checkout."""
    base = tmp_path_factory.mktemp("newcomer")
    source = base / "codemyspec-source"
    shutil.copytree(CHECKOUT, source, ignore=NOT_SOURCE)
    env = os.environ.copy()
    started = time.monotonic()
    run([sys.executable, "-m", "venv", str(base / "venv")], base, env)
    pip = [str(base / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    run([*pip, str(source), "pytest"], base, env, timeout=900)
    print(f"fresh venv with codemyspec and pytest in {time.monotonic() - started:.1f}s")
    return base / "venv"


def newcomer_repository(base: Path) -> GitProject:
    """Design docs, unit tests and a pyproject committed and pushed; no codemyspec yet."""
    project = make_git_project(base)
    project.write("src/shop/billing/__init__.py", "")  # the context's own module exists
    project.write("docs/design/shop/billing.md", context_doc(NAMES))
    for name in NAMES:
        project.write(unit_test_path(name), BILLING[name][1])
        if deps := [d for d in BILLING[name][2] if d in NAMES]:
            project.write(f"docs/design/shop/billing/{name.lower()}.md", component_doc(name, deps))
    git("add", "-A", cwd=project.root)
    git("commit", "-q", "-m", "Design docs and unit tests for billing", cwd=project.root)
    git("push", "-q", "origin", "main", cwd=project.root)
    return project


def test_a_newcomer_installs_codemyspec_and_implements_a_context(
    venv: Path, tmp_path: Path
) -> None:
    project = newcomer_repository(tmp_path / "shop")
    # The venv is activated: its python runs the project's tests, its codemyspec is called.
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    codemyspec = str(venv / "bin" / "codemyspec")

    run([codemyspec, "init", "--package", "shop"], project.root, env)
    git("add", "codemyspec.toml", ".gitignore", cwd=project.root)
    git("commit", "-q", "-m", "Set up codemyspec", cwd=project.root)
    git("push", "-q", "origin", "main", cwd=project.root)
    synced = run([codemyspec, "sync"], project.root, env)
    assert "4 created" in synced

    scripts = {
        f"write the implementation in: {code_path(name)}": [
            write(code_path(name), BILLING[name][0]),
            f"Implemented {name}.",
        ]
        for name in NAMES
    }
    with ScriptedModel(by_prompt(scripts)) as model:
        implemented = run(
            [codemyspec, "implement", "Billing"],
            project.root,
            {**env, **model.env(tmp_path / "home")},
        )

    assert "✓ Billing implemented: 3 components in one commit" in implemented
    assert BRANCH in project.remote_branches()
    assert {code_path(name) for name in NAMES} <= set(project.remote_files(BRANCH))
    for name in NAMES:
        shown = git("show", f"{BRANCH}:{code_path(name)}", cwd=project.remote)
        assert shown == BILLING[name][0]
    assert project.remote_log(BRANCH)[0].startswith("Implement Billing context")
