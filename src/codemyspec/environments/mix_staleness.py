"""Mix misses an edit made in the same second as its last compile.

Mix (Elixir 1.14, Debian's) finds stale sources by comparing whole-second mtimes with its
compile manifest's, so a file an agent fixed within the second of the previous compile
looks compiled, and the old code runs: a fix round would see its own fix fail. Before
codemyspec runs mix in a tree, every source file whose mtime falls in the second of a
manifest is moved one second later; a file that did not change is recompiled once, no more.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Where mix keeps what it compiled, for the app (or each umbrella app) and its deps.
MANIFESTS = "_build/*/lib/*/.mix/compile.elixir"
#: The sources mix compiles: an app's ``lib/`` and the test env's ``test/support``.
SOURCES = (
    "lib/**/*.ex",
    "test/support/**/*.ex",
    "apps/*/lib/**/*.ex",
    "apps/*/test/support/**/*.ex",
)


def reveal_same_second_edits(tree: Path) -> list[Path]:
    """Move the sources of a compile's second one second later; the files moved."""
    seconds = {int(manifest.stat().st_mtime) for manifest in tree.glob(MANIFESTS)}
    if not seconds:
        return []
    moved = []
    for pattern in SOURCES:
        for source in tree.glob(pattern):
            stat = source.stat()
            second = int(stat.st_mtime)
            if second in seconds:
                later = (second + 1) * 1_000_000_000
                os.utime(source, ns=(stat.st_atime_ns, later))
                moved.append(source)
    return moved
