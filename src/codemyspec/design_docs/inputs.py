"""What a design doc must be before it is parsed: UTF-8 text, of a bounded size, in the repository.

Both ways a sync gets its docs are checked here, so the CLI and the API refuse alike: a file of
the working tree (``read_design_doc``) and an uploaded string (``check_uploaded_doc``). Each
refusal is a ``ValidationError`` that starts with the doc's path, as a parse error does.
"""

from __future__ import annotations

import os
from pathlib import Path

from codemyspec.errors import ValidationError

#: The largest design doc a sync reads, in bytes of UTF-8. A design doc is a page or two of
#: prose; a file hundreds of KiB long is a dump or a log, and would go whole into a prompt.
MAX_DESIGN_DOC_BYTES = 256 * 1024


def _too_large(relative: str, size: int) -> ValidationError:
    return ValidationError(
        f"{relative}: {size} bytes, over the limit of {MAX_DESIGN_DOC_BYTES} bytes "
        f"({MAX_DESIGN_DOC_BYTES // 1024} KiB) for one design doc"
    )


def inside_root(root: Path, relative: str) -> Path:
    """``root / relative`` with every symlink resolved, refused when that leaves the root.

    A design doc (or folder) linked to a file elsewhere would be read from outside the
    repository: what the agents are told would not be what the repository holds.
    """
    base = root.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(base):
        raise ValidationError(
            f"{relative}: resolves to {target}, outside the project root {base} "
            "(design docs must be files of the repository)"
        )
    return target


def read_design_doc(root: Path, relative: str) -> str:
    """The text of the working tree's doc at ``relative``, or the error that names what is wrong."""
    path = inside_root(root, relative)
    with path.open("rb") as file:
        # Read no more than one byte past the limit: a huge file is refused without loading it.
        data = file.read(MAX_DESIGN_DOC_BYTES + 1)
        if len(data) > MAX_DESIGN_DOC_BYTES:
            raise _too_large(relative, max(os.fstat(file.fileno()).st_size, len(data)))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{relative}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from exc


def not_utf8(text: str) -> str | None:
    """Why a string cannot be written as UTF-8, or None.

    A JSON string may hold a lone surrogate (``"\\ud800"``): Python decodes it, but no
    UTF-8 file or database text can hold it.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"not UTF-8 (lone surrogate \\u{ord(text[exc.start]):04x} at character {exc.start})"
    return None


def check_uploaded_doc(relative: str, text: str) -> None:
    """Refuse an uploaded doc that a file of the working tree could not be: not UTF-8, too large."""
    problem = not_utf8(text)
    if problem is not None:
        raise ValidationError(f"{relative}: {problem}")
    size = len(text.encode("utf-8"))
    if size > MAX_DESIGN_DOC_BYTES:
        raise _too_large(relative, size)
