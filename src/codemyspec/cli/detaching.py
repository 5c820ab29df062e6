"""``implement --detach``: what the server's workers need from this repository.

The workers clone origin and start from the commit recorded here, so that commit must be
on origin (reachable from a remote-tracking branch after a fetch), and the server's
project must know origin's URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from codemyspec.cli.git import Git
from codemyspec.errors import ConfigurationError

#: ``host:path`` (scp-like) or ``scheme://``: a URL git reaches the same from anywhere.
_NETWORK_URL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|[^/\\]+:)")


@dataclass(frozen=True)
class Origin:
    """Where a detached run starts: origin's URL and the commit on it."""

    url: str
    base_commit: str


def origin_url(git: Git) -> str:
    """origin's URL as a worker on another folder reaches it: a local path made absolute."""
    url = git.output("remote", "get-url", "origin")
    if url is None:
        raise ConfigurationError(
            "no remote named origin: `git remote add origin URL` (the workers clone it)"
        )
    if _NETWORK_URL.match(url):
        return url
    return str((git.root / Path(url)).resolve())


def check_head_on_origin(git: Git) -> Origin:
    """HEAD, once origin is fetched, is on one of origin's branches; else a refusal naming
    the branch that needs a ``git push``."""
    url = origin_url(git)
    fetched = git("fetch", "--quiet", "origin")
    if not fetched.ok:
        why = (fetched.stderr.strip().splitlines() or [fetched.failure_reason()])[-1]
        raise ConfigurationError(f"could not fetch origin ({url}): {why}")
    head = git.output("rev-parse", "HEAD")
    if head is None:
        raise ConfigurationError(f"{git.root} has no commit yet: commit and push first")
    if git.output("branch", "--remotes", "--contains", head) is None:
        branch = git.output("rev-parse", "--abbrev-ref", "HEAD") or "HEAD"
        raise ConfigurationError(
            f"HEAD of {branch} ({head[:12]}) is not on origin: `git push origin {branch}` "
            "first; the workers start from origin, not from this clone"
        )
    return Origin(url=url, base_commit=head)
