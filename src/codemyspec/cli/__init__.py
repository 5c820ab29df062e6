"""The command line: ``init``, ``sync``, ``components`` (more to come), over the facades.

Loading it makes some eighty thousand objects and no garbage, so the cyclic collector is
paused meanwhile (its passes were a tenth of the start-up); ``main`` then freezes what was
loaded out of the collector's later passes (a full one scanned it all: ~85 ms each).
"""

from codemyspec.cli.collector import paused

with paused():
    from codemyspec.cli.app import app, main

__all__ = ["app", "main"]
