"""What git says when it refuses to update a ref: the lines a user needs to act on.

``git push`` (and ``git fetch`` into a local branch) reports a refused update on a
`` ! [rejected] a -> b (non-fast-forward)`` or `` ! [remote rejected] a -> b (pre-receive
hook declined)`` line, after the ``remote:`` lines a hook on the other side printed; its
``error: failed to push some refs`` line says neither why nor what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_REMOTE_LINES = 10

_REF_LINE = re.compile(r"^\s*!\s+\[(?:remote )?rejected\]")
_BEHIND = ("(non-fast-forward)", "(fetch first)")
# The remote's own progress meter, which is not a message for the user.
_PROGRESS = re.compile(
    r"^(Enumerating objects|Counting objects|Compressing objects|Resolving deltas"
    r"|Writing objects|Total \d+)\b"
)


class RefusalKind(StrEnum):
    """Why the update was refused, as far as the next step is concerned."""

    BEHIND = "behind"  # the target branch has commits ours lacks: integrate them first
    DECLINED = "declined"  # a hook or a rule on the remote said no: do what it asks
    OTHER = "other"


@dataclass(frozen=True)
class RefRefusal:
    """git's refused-update lines and the messages the remote printed with them."""

    ref_lines: tuple[str, ...]
    remote_lines: tuple[str, ...]

    @property
    def kind(self) -> RefusalKind:
        if any(line.endswith(_BEHIND) for line in self.ref_lines):
            return RefusalKind.BEHIND
        if any("[remote rejected]" in line for line in self.ref_lines):
            return RefusalKind.DECLINED
        return RefusalKind.OTHER

    @property
    def lines(self) -> list[str]:
        """The refused-update lines first, then the remote's message lines."""
        return [*self.ref_lines, *self.remote_lines]


def ref_refusal(output: str) -> RefRefusal | None:
    """The refused updates in git's ``output`` (push or fetch), None when there is none."""
    ref_lines: list[str] = []
    remote_lines: list[str] = []
    for raw in output.splitlines():
        if _REF_LINE.match(raw):
            ref_lines.append(" ".join(raw.split()))
        elif raw.startswith("remote:"):
            message = raw.removeprefix("remote:").strip()
            if message and not _PROGRESS.search(message):
                remote_lines.append(f"remote: {message}")
    if not ref_lines:
        return None
    return RefRefusal(tuple(ref_lines), tuple(remote_lines[:MAX_REMOTE_LINES]))
