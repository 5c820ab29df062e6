"""Elixir trees made from the checkout find its dependencies: a worktree starts with what git
tracks, and mix keeps dependencies where git does not look.

- ``deps/`` (fetched hex and git dependencies, git-ignored) is the checkout's: every mix
  run in the tree, the agent's too, gets ``MIX_DEPS_PATH`` (``environments.mix_env``), so
  the tree holds no link git would see as a new file;
- ``_build/`` is the tree's own, seeded with a copy of the checkout's so dependencies are
  not compiled again (a tree's compiled code must not overwrite another's);
- a path dependency outside the repository (``{:money_lib, path: "../money_lib"}``) is
  looked for relative to the tree, so a link is made there to the one the checkout uses.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

_PATH_DEPENDENCY = re.compile(r"""\bpath:\s*["']([^"']+)["']""")


def _mix_files(tree: Path) -> list[Path]:
    """The project's mix.exs, and an umbrella's apps' own."""
    return [p for p in [tree / "mix.exs", *sorted(tree.glob("apps/*/mix.exs"))] if p.is_file()]


def link_dependencies(checkout: Path, tree: Path) -> list[str]:
    """Give ``tree`` the checkout's compiled build and path dependencies; what was made."""
    made: list[str] = []
    build = checkout / "_build"
    if build.is_dir() and not (tree / "_build").exists():
        shutil.copytree(build, tree / "_build", symlinks=True)
        made.append("_build")
    for mix in _mix_files(tree):
        for relative in _PATH_DEPENDENCY.findall(mix.read_text(encoding="utf-8")):
            if Path(relative).is_absolute():
                continue
            wanted = Path(os.path.normpath(mix.parent / relative))
            there = (checkout / mix.parent.relative_to(tree) / relative).resolve()
            if wanted.is_relative_to(tree) or os.path.lexists(wanted) or not there.exists():
                continue  # inside the tree (git has it), made already, or missing anyway
            wanted.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):  # a sibling tree made it just now
                wanted.symlink_to(there, target_is_directory=there.is_dir())
            made.append(str(wanted))
    return made
