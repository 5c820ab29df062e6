"""Red before green: tests that pass must also fail once their component's code is gone.

The check runs in a scratch copy of the worktree (its tracked and untracked files, ignored
ones too, such as a version file ``worktree_setup`` generated, without the code file and
caches), so the worktree the agent wrote is never touched and only the code is missing.
Pre-flight may have shown it already: the same test file failed without the code on the
base tree, and the agent changed nothing else; then no copy is made.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePosixPath

from codemyspec.commands import RunTestsCommand
from codemyspec.components import FileChange, is_junk
from codemyspec.environments import run_tests
from codemyspec.projects import Project
from codemyspec.runner.project_files import file_digest
from codemyspec.shell import Shell
from codemyspec.test_reports import SuiteReport


def copy_without(tree: Path, dest: Path, shell: Shell, excluded: str, timeout: float) -> None:
    """Copy ``tree``'s files (tracked, untracked, ignored; no caches) except ``excluded``."""
    listed = shell.run(["git", "ls-files", "-z", "--cached", "--others"], tree, timeout=timeout)
    if not listed.ok:
        raise OSError(f"could not list the files of {tree}: {listed.failure_reason()}")
    skip = PurePosixPath(excluded)
    for name in sorted(set(filter(None, listed.stdout.split("\0")))):
        relative = PurePosixPath(name)
        if relative == skip or ".git" in relative.parts or is_junk(name):
            continue
        source = tree / name
        if not (source.is_file() or source.is_symlink()):
            continue  # deleted in the worktree, still in the index
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)


def without_code(
    project: Project, tree: Path, shell: Shell, test_file: str, code_file: str, timeout: float
) -> SuiteReport:
    """How ``test_file`` runs in a copy of ``tree`` where ``code_file`` does not exist."""
    # Beside the tree, so paths that lead out of it (an Elixir path dependency) lead where
    # they lead from the tree.
    with tempfile.TemporaryDirectory(dir=tree.parent, prefix=f"{tree.name}.red-") as tmp:
        scratch = Path(tmp)
        try:
            copy_without(tree, scratch, shell, code_file, timeout)
        except OSError as exc:
            return SuiteReport(error=f"could not make a copy without {code_file}: {exc}")
        return run_tests(project, scratch, shell, [test_file], timeout=timeout).report


def proven_red(
    tree: Path, command: RunTestsCommand, changes: list[FileChange] | None
) -> str | None:
    """Why no run without the code is needed: pre-flight saw this very test file fail
    without the code on the base tree, and the agent changed nothing but the code file (so
    the tree without it is the one pre-flight ran). None when that is not shown."""
    proven = command.red_proven_sha256
    if proven is None or changes is None or any(c.path != command.code_file for c in changes):
        return None
    if file_digest(tree / command.test_file) != proven:
        return None
    return f"red: proven by pre-flight ({command.test_file} failed without {command.code_file})"


def unproven_reason(red: SuiteReport, test_file: str, code_file: str) -> str | None:
    """Why passing tests prove nothing about ``code_file``; None when they failed without it
    (or could not even compile without it, as an Elixir project whose modules use it)."""
    if red.failed_something or red.did_not_compile:
        return None
    if red.error is not None:
        return f"{test_file} could not be run without {code_file}: {red.error}"
    return (
        f"{test_file} passes without {code_file}: it does not test it "
        f"(without the code: {red.counts()})"
    )
