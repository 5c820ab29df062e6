"""The HTTP client of a codemyspec server: bearer auth, retries, and our errors back.

The server names the error class of every refusal (``{"detail", "error"}``), so a remote
call raises the same ``codemyspec.errors`` exception the in-process engine would.

A server that has answered once and then stops (a restart, a network cut) is waited for,
up to ``wait_seconds`` from the moment it stopped, shared by every thread calling; a
watcher is told while it waits and when it is back. A server never reached is retried a
few times only: a wrong URL should not hold a command line for minutes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
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
DEFAULT_WAIT_SECONDS = 300.0
#: What a proxy in front of a restarting server answers: waited for like no answer at all.
AWAY_STATUSES = frozenset({502, 503, 504})
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


@dataclass(frozen=True)
class ServerWait:
    """The server stopped answering: ``seconds`` waited so far of ``limit``, and why; or,
    with ``back``, it answers again after ``seconds``."""

    url: str
    seconds: float
    limit: float
    cause: str = ""
    back: bool = False


ServerWatcher = Callable[[ServerWait], None]


class ServerClient:
    """One server, one token; failures are retried (an outage waited for), then raised."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        retry_delays: tuple[float, ...] | None = None,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValidationError(f"--server: {url!r} is not an http(s) URL")
        if not token:
            raise AuthenticationError(
                f"no API token for {url}: set ${TOKEN_ENV} (`codemyspec admin create-token`)"
            )
        self.url = url.rstrip("/")
        self.retry_delays = RETRY_DELAYS if retry_delays is None else retry_delays
        self.wait_seconds = wait_seconds
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": f"codemyspec/{__version__}"},
            timeout=timeout,
            transport=transport,
        )
        self._lock = threading.Lock()
        self._reached = False
        self._away_since: float | None = None
        self._gave_up = False
        self._watcher: ServerWatcher | None = None

    def watch(self, watcher: ServerWatcher | None) -> None:
        """Tell ``watcher`` while the server is waited for, and when it is back."""
        self._watcher = watcher

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
        attempt = 0
        while True:
            try:
                response = self._http.request(method, path, json=json, params=query)
            except httpx.TransportError as exc:
                cause, away = f"could not be reached: {exc or type(exc).__name__}", True
            else:
                if response.status_code < 500:
                    self._answered()
                    if response.status_code < 400:
                        return response.json() if response.content else None
                    raise error_from(response)
                cause = f"answered {response.status_code}: {_message(response)}"
                away = response.status_code in AWAY_STATUSES
            delay, waiting = self._delay(attempt, cause, away=away)
            log.log(
                logging.DEBUG if waiting else logging.WARNING,  # a watcher tells of waits
                "%s %s: %s %s (attempt %d; retrying)",
                method,
                path,
                self.url,
                cause,
                attempt + 1,
            )
            time.sleep(delay)
            attempt += 1
            if on_retry is not None:
                on_retry()

    def _delay(self, attempt: int, cause: str, *, away: bool) -> tuple[float, bool]:
        """How long to wait before trying again, and whether the server is being waited for
        (it answered before); raises once there is no more waiting."""
        delays = self.retry_delays
        if not (away and self._reached and self.wait_seconds > 0):
            if attempt >= len(delays):
                raise ServerUnavailableError(f"{self.url} {cause}")
            return delays[attempt], False
        now = time.monotonic()
        with self._lock:
            first = self._away_since is None
            if self._away_since is None:
                self._away_since = now
            waited = now - self._away_since
            if self._gave_up or waited >= self.wait_seconds:
                self._gave_up = True  # later calls fail at once, until it answers again
                raise ServerUnavailableError(
                    f"the server at {self.url} did not answer for {waited:.0f}s ({cause})"
                )
        self._tell(ServerWait(self.url, waited, self.wait_seconds, cause), first=first)
        step = delays[min(attempt, len(delays) - 1)] if delays else RETRY_DELAYS[0]
        return min(step, self.wait_seconds - waited), True

    def _answered(self) -> None:
        """The server answered: an outage, if there was one, is over."""
        with self._lock:
            self._reached = True
            since, self._away_since, self._gave_up = self._away_since, None, False
        if since is not None:
            self._tell(ServerWait(self.url, time.monotonic() - since, self.wait_seconds, back=True))

    def _tell(self, wait: ServerWait, *, first: bool = False) -> None:
        if self._watcher is not None:
            self._watcher(wait)
        elif wait.back:
            log.warning("the server at %s answers again after %.0fs", wait.url, wait.seconds)
        elif first:
            log.warning("waiting for the server at %s: %s", wait.url, wait.cause)

    def close(self) -> None:
        self._http.close()
