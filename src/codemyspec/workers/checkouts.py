"""A fresh clone of a project's remote for each task, made quickly from a cached mirror.

``mirrors/<sha1 of url>.git`` is a ``git clone --mirror`` kept up to date under a file
lock (two slots of a worker, or two workers sharing a folder, never fetch into it at
once). Each task clones the remote again with ``--reference`` to the mirror: its refs are
the remote's own, its objects mostly borrowed. The mirror never collects garbage
(``gc.auto 0``): a run borrowing an object a deleted branch held keeps finding it.
"""

from __future__ import annotations

import fcntl
import hashlib
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from codemyspec.workers.options import WorkerOptions

#: A local branch for the recorded base commit, when the parent's branch is not on origin yet.
BASE_BRANCH = "codemyspec-base"


class CheckoutError(Exception):
    """git could not give a task its clone: the remote, the mirror or the commit is missing."""


def git(*args: str, cwd: Path | None = None) -> str:
    """Run git; its output, or ``CheckoutError`` with git's own last line."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=3600
    )
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise CheckoutError(f"git {' '.join(args[:2])} failed: {why}")
    return done.stdout.strip()


def mirror_path(options: WorkerOptions, url: str) -> Path:
    return options.mirrors / f"{hashlib.sha1(url.encode()).hexdigest()}.git"  # noqa: S324 - a name


def refresh_mirror(options: WorkerOptions, url: str) -> Path:
    """The remote's mirror, cloned on first use and fetched (pruned) on every later one."""
    mirror = mirror_path(options, url)
    options.mirrors.mkdir(parents=True, exist_ok=True)
    with _locked(mirror.with_suffix(".lock")):
        if not (mirror / "HEAD").is_file():
            shutil.rmtree(mirror, ignore_errors=True)  # a clone cut short
            git("clone", "-q", "--mirror", "--", url, str(mirror))
            git("config", "gc.auto", "0", cwd=mirror)
        else:
            git("remote", "update", "--prune", cwd=mirror)
    return mirror


@contextmanager
def run_folder(
    options: WorkerOptions, session_id: int, url: str, branch: str | None, base: str | None
) -> Iterator[Path]:
    """A fresh clone on the parent's branch (from origin) if it is there, else on the base
    commit (else origin's default branch); removed when the block ends, whatever happened."""
    mirror = refresh_mirror(options, url)
    options.runs.mkdir(parents=True, exist_ok=True)
    folder = options.runs / f"{session_id}-{secrets.token_hex(4)}"
    try:
        git("clone", "-q", "--reference", str(mirror), "--", url, str(folder))
        check_out(folder, branch, base)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check_out(folder: Path, branch: str | None, base: str | None) -> None:
    if branch and _has_ref(folder, f"refs/remotes/origin/{branch}"):
        git("checkout", "-q", "-B", branch, "--track", f"origin/{branch}", cwd=folder)
    elif base:
        git("checkout", "-q", "-B", BASE_BRANCH, base, cwd=folder)


def _has_ref(folder: Path, ref: str) -> bool:
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", ref],
        cwd=folder,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
