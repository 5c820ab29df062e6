"""Reading a server's event stream (server-sent events) in tests, each wait bounded."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class Message:
    """One server-sent event as a client sees it."""

    event: str
    id: int
    data: dict[str, Any]


def parse_messages(lines: Iterable[str]) -> Iterator[Message]:
    """SSE wire lines to messages; comment lines (the pings) carry none."""
    fields: dict[str, str] = {}
    for line in lines:
        if not line:
            if "data" in fields:
                yield Message(
                    fields.get("event", "message"), int(fields["id"]), json.loads(fields["data"])
                )
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            fields[name] = (
                f"{fields[name]}\n{value}" if name == "data" and name in fields else value
            )


class EventStream:
    """Reads one event stream in a thread, so a test waits with a timeout instead of hanging."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        *,
        stop_after: int | None = None,
        wait_seconds: float = WAIT_SECONDS,
    ):
        self._url = url
        self._wait = wait_seconds
        self._headers = headers
        self._stop_after = stop_after
        self._received: queue.Queue[Message | None] = queue.Queue()  # None: the stream ended
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            with httpx.stream(
                "GET", self._url, headers=self._headers, timeout=self._wait
            ) as response:
                response.raise_for_status()
                for count, message in enumerate(parse_messages(response.iter_lines()), 1):
                    self._received.put(message)
                    if count == self._stop_after:
                        return  # leaving the block closes the connection: a client going away
        except BaseException as exc:
            self.error = exc
        finally:
            self._received.put(None)

    def next(self) -> Message | None:
        """The next message, or None once the stream has ended."""
        return self._received.get(timeout=self._wait)

    def rest(self) -> list[Message]:
        """Every message until the server ends the stream."""
        messages: list[Message] = []
        while (message := self.next()) is not None:
            messages.append(message)
        self._thread.join(timeout=self._wait)
        assert not self._thread.is_alive(), "the stream did not end"
        assert self.error is None, repr(self.error)
        return messages
