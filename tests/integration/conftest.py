"""Fixtures the command-line tests share: a synced repository, and runs to clean up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli_project import CliProject, make_cli_project
from tests.support.cli_runs import NAMES, Implementing, invoke, use


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliProject:
    """A synced repository with design docs and tests for Money, Ledger (uses Money) and Tax."""
    made = make_cli_project(tmp_path, NAMES)
    use(made, monkeypatch)
    synced = invoke("sync")
    assert synced.exit_code == 0, synced.output
    return made


@pytest.fixture
def implementing() -> Iterator[list[Implementing]]:
    started: list[Implementing] = []
    yield started
    for run in started:
        run.kill()
