"""The cyclic garbage collector around big imports: the command line's own modules
(``codemyspec.cli``) and claude-agent-sdk's (``agents.claude_code``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def loading() -> Iterator[None]:
    """No collection during the block (imports: many objects, no garbage), and what it made
    frozen out of later passes, so none of them reads it again (a full pass scanned it all:
    ~85 ms each, three in an N=8 run); the collector as it was after."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
