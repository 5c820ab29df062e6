"""What ``implement --detach`` reads from the repository and the settings, on real git."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemyspec.bootstrap import default_shell
from codemyspec.cli.detaching import check_head_on_origin, origin_url
from codemyspec.cli.git import Git
from codemyspec.cli.settings import ProjectSettings, RunnerSettings, ServerSettings, Settings
from codemyspec.errors import ConfigurationError
from tests.support.git_repos import git, make_git_project


def test_a_local_origin_is_named_by_its_absolute_path_and_a_network_one_as_it_is(
    tmp_path: Path,
) -> None:
    project = make_git_project(tmp_path)
    repo = Git(default_shell(), project.root)
    git("remote", "set-url", "origin", "../remote.git", cwd=project.root)
    relative = origin_url(repo)
    git("remote", "set-url", "origin", "git@example.com:you/shop.git", cwd=project.root)
    scp_like = origin_url(repo)

    assert relative == str(project.remote.resolve())
    assert scp_like == "git@example.com:you/shop.git"


def test_head_on_origin_is_the_base_commit(tmp_path: Path) -> None:
    project = make_git_project(tmp_path)

    found = check_head_on_origin(Git(default_shell(), project.root))

    assert found.base_commit == git("rev-parse", "HEAD", cwd=project.root).strip()
    assert found.url == str(project.remote.resolve())


def test_an_origin_that_cannot_be_fetched_is_refused_naming_it(tmp_path: Path) -> None:
    project = make_git_project(tmp_path)
    git("remote", "set-url", "origin", str(tmp_path / "gone.git"), cwd=project.root)

    with pytest.raises(ConfigurationError, match=r"could not fetch origin \(.*gone\.git\): "):
        check_head_on_origin(Git(default_shell(), project.root))


def test_a_repository_without_origin_is_refused(tmp_path: Path) -> None:
    project = make_git_project(tmp_path)
    git("remote", "remove", "origin", cwd=project.root)

    with pytest.raises(ConfigurationError, match="no remote named origin: `git remote add origin"):
        origin_url(Git(default_shell(), project.root))


@pytest.mark.parametrize(
    ("lease", "server", "expected"),
    [(60.0, None, 120.0), (5.0, None, 30.0), (60.0, 7.0, 7.0)],
)
def test_redispatch_seconds_is_twice_the_lease_at_least_30_unless_set(
    lease: float, server: float | None, expected: float
) -> None:
    settings = Settings(
        project=ProjectSettings(name="shop", package="shop"),
        runner=RunnerSettings(lease_seconds=lease),
        server=ServerSettings(redispatch_seconds=server),
    )

    assert settings.redispatch_seconds == expected
