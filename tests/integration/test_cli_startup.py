"""What the installed command line loads and needs: no test stand-in, no pytest at start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: Modules the product must not load to start: the scripted model's package and pytest.
NOT_AT_START = ("codemyspec_testing", "pytest", "_pytest")

#: What the command line loads only for the commands that use it: the HTTP client (server
#: mode), the design docs' parser (sync), Alembic (a migration), the agent SDK (a run), the
#: workers' Celery and Redis client (detached runs), the pages' templates (the dashboard).
ONLY_WHEN_USED = (
    "httpx",
    "markdown_it",
    "alembic",
    "claude_agent_sdk",
    "celery",
    "kombu",
    "redis",
    "jinja2",
)

#: Runs ``codemyspec demo`` in an interpreter where pytest cannot be imported, as after
#: ``pip install codemyspec`` without the ``demo`` extra.
WITHOUT_PYTEST = """
import sys
sys.modules["pytest"] = None  # import pytest fails; importlib.util.find_spec says None
from codemyspec.cli import main
sys.argv = ["codemyspec", "demo"]
main()
"""


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(tmp_path), **env},
        check=False,
    )


def _imported(importtime: str) -> set[str]:
    """Module names from ``-X importtime`` lines: ``import time: self | cumulative | name``."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in importtime.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }


def test_codemyspec_help_imports_neither_the_scripted_model_nor_pytest(tmp_path: Path) -> None:
    done = _run(["-X", "importtime", "-m", "codemyspec", "--help"], tmp_path)

    assert done.returncode == 0, done.stderr[-2000:]
    assert "Usage" in done.stdout
    imported = _imported(done.stderr)
    assert "codemyspec.cli.demo_command" in imported, "the importtime lines were read"
    loaded = sorted(m for m in imported if m.split(".")[0] in NOT_AT_START)
    assert loaded == []


def test_codemyspec_loads_the_server_client_parser_migrations_and_sdk_only_when_used(
    tmp_path: Path,
) -> None:
    done = _run(["-X", "importtime", "-m", "codemyspec", "version"], tmp_path)

    assert done.returncode == 0, done.stderr[-2000:]
    imported = _imported(done.stderr)
    assert "codemyspec.cli.running" in imported, "the importtime lines were read"
    assert sorted(m for m in imported if m.split(".")[0] in ONLY_WHEN_USED) == []


def test_the_demo_without_pytest_says_to_install_the_demo_extra_and_makes_nothing(
    tmp_path: Path,
) -> None:
    done = _run(["-c", WITHOUT_PYTEST], tmp_path, COLUMNS="300")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "error:" in done.stderr
    assert "pip install 'codemyspec[demo]'" in done.stderr
    assert "with pytest" in done.stderr
    assert "scripted stand-in" not in done.stdout, "it stopped before the demo began"
    assert list(tmp_path.glob("codemyspec-demo-*")) == []
