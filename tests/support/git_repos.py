"""Real git repositories with bare remotes in temp dirs, for tests that run real git."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
}

SAMPLE_PYPROJECT = """\
[project]
name = "shop"
version = "0.0.0"

[tool.pytest.ini_options]
pythonpath = ["src"]
"""


def git(*args: str, cwd: Path) -> str:
    """Run git in ``cwd`` and return its stdout; a failure fails the test loudly."""
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **GIT_IDENTITY},
    )
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


@dataclass(frozen=True)
class GitProject:
    """A working repository on ``main`` whose ``origin`` is a bare repository."""

    root: Path
    remote: Path

    def remote_branches(self) -> list[str]:
        out = git("for-each-ref", "--format=%(refname:short)", "refs/heads", cwd=self.remote)
        return out.split()

    def remote_log(self, branch: str) -> list[str]:
        """Full messages of the branch's commits on the remote, newest first."""
        out = git("log", "--format=%B%x00", branch, cwd=self.remote)
        return [m.strip("\n") for m in out.split("\x00") if m.strip()]

    def remote_files(self, branch: str) -> list[str]:
        return git("ls-tree", "-r", "--name-only", branch, cwd=self.remote).split()

    def current_branch(self) -> str:
        return git("rev-parse", "--abbrev-ref", "HEAD", cwd=self.root).strip()

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path


def make_git_project(base: Path, package: str = "shop") -> GitProject:
    """A Python project (src layout, pytest configured) committed on main, with a bare remote."""
    root = base / "repo"
    remote = base / "remote.git"
    root.mkdir(parents=True)
    git("init", "-q", "--bare", "-b", "main", str(remote), cwd=base)
    git("init", "-q", "-b", "main", cwd=root)
    git("config", "user.email", GIT_IDENTITY["GIT_AUTHOR_EMAIL"], cwd=root)
    git("config", "user.name", GIT_IDENTITY["GIT_AUTHOR_NAME"], cwd=root)
    project = GitProject(root=root, remote=remote)
    project.write("pyproject.toml", SAMPLE_PYPROJECT)
    project.write(f"src/{package}/__init__.py", "")
    project.write("README.md", "sample project\n")
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "Initial commit", cwd=root)
    git("remote", "add", "origin", str(remote), cwd=root)
    git("push", "-q", "-u", "origin", "main", cwd=root)
    return project
