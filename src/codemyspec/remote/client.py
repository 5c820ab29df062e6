"""The HTTP client of a codemyspec server: bearer auth, retries, and our errors back.

The server names the error class of every refusal (``{"detail", "error"}``), so a remote
call raises the same ``codemyspec.errors`` exception the in-process engine would.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from codemyspec import __version__, errors
from codemyspec.errors import (
    AuthenticationError,
    CodeMySpecError,
    NotFoundError,
    ServerUnavailableError,
    ValidationError,
    WorkflowError,
)

log = logging.getLogger(__name__)

TOKEN_ENV = "CODEMYSPEC_TOKEN"  # noqa: S105 - the variable's name, not a token
RETRY_DELAYS = (0.5, 1.0, 2.0)
ERROR_BY_STATUS: dict[int, type[CodeMySpecError]] = {
    401: AuthenticationError,
    404: NotFoundError,
    409: WorkflowError,
    413: ValidationError,
    422: ValidationError,
}


def _message(response: httpx.Response) -> str:
    """The server's ``detail``: a string, or FastAPI's list of field errors, named by field."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return response.text[:500] or response.reason_phrase
    if isinstance(detail, list):
        return "; ".join(
            ".".join(str(p) for p in item.get("loc", []) if p != "body") + f": {item.get('msg')}"
            for item in detail
            if isinstance(item, dict)
        )
    return str(detail)


def error_from(response: httpx.Response) -> CodeMySpecError:
    """The exception the server's refusal stands for, with its message."""
    try:
        name = response.json().get("error")
    except (ValueError, AttributeError):
        name = None
    kind = getattr(errors, str(name), None) if name else None
    if not (isinstance(kind, type) and issubclass(kind, CodeMySpecError)):
        kind = ERROR_BY_STATUS.get(response.status_code, CodeMySpecError)
    return kind(_message(response))


class ServerClient:
    """One server, one token; transport failures and 5xx answers are retried, then raised."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValidationError(f"--server: {url!r} is not an http(s) URL")
        if not token:
            raise AuthenticationError(
                f"no API token for {url}: set ${TOKEN_ENV} (`codemyspec admin create-token`)"
            )
        self.url = url.rstrip("/")
        self.retry_delays = retry_delays
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": f"codemyspec/{__version__}"},
            timeout=timeout,
            transport=transport,
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        on_retry: Callable[[], None] | None = None,
    ) -> Any:
        """The decoded answer, or our exception for the server's refusal.

        ``on_retry`` is told before a request is sent again: the first one may have been
        applied even though its answer was lost.
        """
        query = {k: v for k, v in (params or {}).items() if v is not None}
        for attempt, delay in enumerate((*self.retry_delays, None)):
            try:
                response = self._http.request(method, path, json=json, params=query)
            except httpx.TransportError as exc:
                failure = f"{self.url} could not be reached: {exc or type(exc).__name__}"
            else:
                if response.status_code < 400:
                    return response.json() if response.content else None
                if response.status_code < 500:
                    raise error_from(response)
                failure = f"{self.url} answered {response.status_code}: {_message(response)}"
            if delay is None:
                raise ServerUnavailableError(failure)
            log.warning("%s %s: %s (attempt %d; retrying)", method, path, failure, attempt + 1)
            time.sleep(delay)
            if on_retry is not None:
                on_retry()
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self._http.close()
