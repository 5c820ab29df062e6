"""The command line: ``init``, ``sync``, ``components`` (more to come), over the facades."""

from codemyspec.cli.app import app, main

__all__ = ["app", "main"]
