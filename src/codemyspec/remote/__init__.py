"""Remote mode: the runner works here, the sessions live on a codemyspec server."""

from codemyspec.remote.catalog import RemoteCatalog
from codemyspec.remote.client import TOKEN_ENV, ServerClient, ServerWait, ServerWatcher, error_from
from codemyspec.remote.sessions import RemoteSessions

__all__ = [
    "TOKEN_ENV",
    "RemoteCatalog",
    "RemoteSessions",
    "ServerClient",
    "ServerWait",
    "ServerWatcher",
    "error_from",
]
