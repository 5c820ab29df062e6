"""Server mode: the sessions engine over HTTP (FastAPI), each request scoped by its token."""

from codemyspec.api.app import create_api
from codemyspec.api.limits import MAX_BODY_BYTES

__all__ = ["MAX_BODY_BYTES", "create_api"]
