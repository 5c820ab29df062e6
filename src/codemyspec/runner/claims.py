"""Claims: a runner holds every session it runs under a lease it keeps renewing.

A runner that dies stops renewing, so after ``lease_seconds`` another runner may take its
sessions. A holder is ``name:pid:nonce``; a dead process of this machine is known at once,
so a local ``resume`` after a crash need not wait for the lease.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from codemyspec.errors import CodeMySpecError, ServerUnavailableError, SessionClaimedError
from codemyspec.scope import Scope
from codemyspec.sessions import SessionsPort

log = logging.getLogger(__name__)

RUNNER_NAME_ENV = "CODEMYSPEC_RUNNER_NAME"

Wait = Callable[[float], object]
"""Waits the given seconds between renewals (``time.sleep``; a test steps its own)."""


def runner_name() -> str:
    """How this machine's runners are named in claims: the host name unless told otherwise."""
    return os.environ.get(RUNNER_NAME_ENV) or socket.gethostname()


def new_holder() -> str:
    return f"{runner_name()}:{os.getpid()}:{secrets.token_hex(4)}"


def made_here(holder: str | None) -> bool:
    """Whether ``holder`` names a runner of this machine: this process or an earlier one."""
    parts = (holder or "").rsplit(":", 2)
    return len(parts) == 3 and parts[0] == runner_name()


def dead_local_holder(holder: str | None) -> str | None:
    """``holder`` when it names a runner process of this machine that no longer exists."""
    parts = (holder or "").rsplit(":", 2)
    if len(parts) != 3 or parts[0] != runner_name() or not parts[1].isdigit():
        return None
    pid = int(parts[1])
    if pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return holder
    except PermissionError:
        return None
    return None


class Claims:
    """The sessions this runner holds, renewed in the background every third of a lease."""

    def __init__(self, engine: SessionsPort, lease_seconds: float, wait: Wait = time.sleep) -> None:
        self.engine = engine
        self.lease_seconds = lease_seconds
        self._wait = wait
        self.holder = new_holder()
        self._held: dict[int, Scope] = {}
        self._lock = threading.Lock()
        self._renewer: threading.Thread | None = None

    def take(self, scope: Scope, session_id: int) -> bool:
        """Claim or renew the session; False while another live runner holds it."""
        try:
            self.engine.claim_session(scope, session_id, self.holder, self.lease_seconds)
        except SessionClaimedError:
            dead = dead_local_holder(self.engine.get_session(scope, session_id).claimed_by)
            if dead is None:
                return False
            try:
                self.engine.claim_session(
                    scope, session_id, self.holder, self.lease_seconds, take_over_from=dead
                )
            except SessionClaimedError:
                return False
            log.info("session %s: took over from %s, which is no longer running", session_id, dead)
        with self._lock:
            self._held[session_id] = scope
            if self._renewer is None:
                self._renewer = threading.Thread(target=self._renew, name="claims", daemon=True)
                self._renewer.start()
        return True

    def holds(self, session_id: int) -> bool:
        with self._lock:
            return session_id in self._held

    def release(self, scope: Scope, session_id: int) -> None:
        with self._lock:
            self._held.pop(session_id, None)
        try:
            self.engine.release_session(scope, session_id, self.holder)
        except ServerUnavailableError as exc:  # said already; the lease runs out by itself
            log.info("could not release session %s: %s", session_id, exc)
        except CodeMySpecError as exc:  # the lease runs out by itself
            log.warning("could not release session %s: %s", session_id, exc)

    @contextmanager
    def holding(self, scope: Scope, session_id: int) -> Iterator[None]:
        """Hold the session for the block; another runner's live claim is an error.

        A session claimed a moment ago (the scheduler claims a child before running it) is
        not claimed again: the renewer keeps it, or drops it when the claim is lost.
        """
        if not self.holds(session_id) and not self.take(scope, session_id):
            # Ask again: the error names the holder and its lease (or it was just released).
            self.engine.claim_session(scope, session_id, self.holder, self.lease_seconds)
            self.take(scope, session_id)
        try:
            yield
        finally:
            self.release(scope, session_id)

    def _renew(self) -> None:
        interval = self.lease_seconds / 3
        while True:
            self._wait(interval)
            with self._lock:
                if not self._held:
                    self._renewer = None
                    return
                held = dict(self._held)
            for session_id, scope in held.items():
                self._renew_one(scope, session_id)

    def _renew_one(self, scope: Scope, session_id: int) -> None:
        if not self.holds(session_id):
            return  # released meanwhile
        try:
            self.engine.claim_session(scope, session_id, self.holder, self.lease_seconds)
        except SessionClaimedError as exc:
            log.warning("lost session %s: %s", session_id, exc)
            with self._lock:
                self._held.pop(session_id, None)
        except ServerUnavailableError as exc:  # the client said so already; next time
            log.info("could not renew session %s: %s", session_id, exc)
        except CodeMySpecError as exc:  # try again next time
            log.warning("could not renew session %s: %s", session_id, exc)
