"""codemyspec: implement a whole context of a codebase from its design documents.

The public surface lives in the context packages (``codemyspec.sessions``,
``codemyspec.context_coding_sessions``, ...); this module only names the version.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
