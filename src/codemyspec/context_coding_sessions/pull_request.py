"""``[forge] pull_request``: the forge's own CLI as an argv template, filled per session.

Placeholders (``{title}``, ``{body}``, ``{branch}``, ``{base}``) are substituted inside each
argv element, never through a shell; any other placeholder is refused when the template is
read, so a typo is a configuration error and not a pull request titled ``{titel}``.
"""

from __future__ import annotations

import re

PLACEHOLDERS = ("title", "body", "branch", "base")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_URL = re.compile(r"https?://[^\s<>\"']+")
#: What ``gh``/``glab`` say when the branch has its pull request already (a re-run).
ALREADY_EXISTS = "already exists"


def check_template(argv: list[str]) -> list[str]:
    """The template, or ``ValueError`` naming an empty argv or an unknown placeholder."""
    if not argv or not argv[0]:
        raise ValueError("the pull request command is empty: give the forge CLI's argv")
    for element in argv:
        for name in _PLACEHOLDER.findall(element):
            if name not in PLACEHOLDERS:
                known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                raise ValueError(f"unknown placeholder {{{name}}} in {element!r} (known: {known})")
    return argv


def uses_base(argv: list[str]) -> bool:
    """Whether the template needs the branch the session started from."""
    return any("base" in _PLACEHOLDER.findall(element) for element in argv)


def fill(argv: list[str], values: dict[str, str]) -> list[str]:
    """Each element with its placeholders replaced; a value's own braces stay as they are."""
    return [_PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), a) for a in argv]


def pull_request_url(output: str) -> str | None:
    """The last http(s) URL the forge CLI printed (``gh pr create`` ends with it)."""
    found = _URL.findall(output)
    return found[-1].rstrip(".,;)") if found else None
