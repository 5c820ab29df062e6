"""Ctrl-C and SIGTERM stop a run cleanly: the first asks, the second insists."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals(cancel: threading.Event) -> Iterator[threading.Event]:
    """Set ``cancel`` on the first SIGINT/SIGTERM; a second one interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield cancel
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()

    previous = {sig: signal.signal(sig, handle) for sig in STOP_SIGNALS}
    try:
        yield cancel
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
