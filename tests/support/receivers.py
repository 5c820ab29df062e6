"""A local HTTP receiver for webhooks, and stand-in programs that record what they got."""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Receiver:
    """What the receiver got (each body, parsed), and the statuses it answers, in turn
    (the last one for every later request)."""

    url: str
    answers: list[int]
    received: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def webhook_receiver(*answers: int) -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 in a thread, recording every POSTed JSON body."""
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver = holder[0]
            length = int(self.headers.get("Content-Length", "0"))
            receiver.received.append(json.loads(self.rfile.read(length)))
            index = min(len(receiver.received), len(receiver.answers)) - 1
            self.send_response(receiver.answers[index])
            self.end_headers()

        def log_message(self, *args: object) -> None:
            """Quiet: no request lines in the test's output."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(
        Receiver(f"http://127.0.0.1:{server.server_address[1]}/hook", list(answers or [200]))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()


def dead_url() -> str:
    """A URL on a port nothing listens on (bound, then closed): connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def stand_in(
    bin_dir: Path, name: str, *, prints: str = "", fails_with: str = "", reads_stdin: bool = False
) -> Path:
    """A program ``name`` in ``bin_dir`` that appends its argv (and its stdin, when it
    ``reads_stdin``) as JSON to ``<name>.calls`` beside it and prints ``prints``; with
    ``fails_with`` it says so on stderr and exits 1."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    log = bin_dir / f"{name}.calls"
    program = bin_dir / name
    program.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"stdin = sys.stdin.read() if {reads_stdin!r} else ''\n"
        f"with open({str(log)!r}, 'a') as log:\n"
        "    log.write(json.dumps({'argv': sys.argv[1:], 'stdin': stdin}) + '\\n')\n"
        f"print({prints!r})\n"
        f"if {fails_with!r}:\n"
        f"    print({fails_with!r}, file=sys.stderr)\n"
        "    sys.exit(1)\n",
        encoding="utf-8",
    )
    program.chmod(0o755)
    return program


def stand_in_calls(program: Path) -> list[dict[str, Any]]:
    log = program.with_name(f"{program.name}.calls")
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
