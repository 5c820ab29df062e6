"""A scripted, Anthropic-compatible model server, so the real Claude Code CLI runs offline.

It drives the end-to-end tests and ``codemyspec demo``; no key, no network.

Point the CLI at it with ``ANTHROPIC_BASE_URL`` (see :meth:`ScriptedModel.env`) and the
real CLI really reads, writes, edits and runs commands, with the replies a test decides::

    script = [
        read("app.py"),                       # turn 0: a tool call (relative paths are
        edit("app.py", "a - b", "a + b"),     #   resolved against the CLI's working dir)
        "Fixed the sign.",                    # turn 2: text only, ends the turn
    ]
    with ScriptedModel(script) as model:
        ...run the CLI / SDK with env=model.env(home=tmp_path / "home")...
    assert model.conversation_requests[-1].tool_results[0]["is_error"] is False

The reply to a conversation request is chosen from the request alone: its *turn* is the
number of assistant messages already in ``messages``, and the script's entry at that index
answers. Retries therefore get the same reply, several CLI processes may talk to one
server at once, and a resumed conversation carries on where it stopped (its earlier
assistant turns are in ``messages`` again). Each script entry is a ``str`` (text, ends the
turn), a :class:`ToolCall`, a :class:`Reply`, or a callable taking the
:class:`ModelRequest` and returning one of those. The whole script may also be one such
callable (e.g. :func:`by_prompt`, to give parallel conversations their own scripts).

Requests without tools (title/summary generation, quota probes, ...) are *side requests*:
they are answered with a short text (or a minimal instance of a requested JSON schema)
and never consume the script. Claude Code 2.1.x in ``-p``/SDK mode with
``CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1`` was seen to send nothing but
``POST /v1/messages?beta=true`` (streaming), one per turn, with the conversation id in
the ``X-Claude-Code-Session-Id`` header. A subagent (the ``Agent`` tool) would start its
own conversation at turn 0: script those with a callable.

Problems on the server side (script exhausted, a script callable raising, a relative path
with no known working directory) are recorded in :attr:`ScriptedModel.errors`; leaving the
``with`` block raises :class:`ScriptError` for them unless ``strict=False``.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any, Literal, Self, TypeAlias

#: Tools a coding conversation needs; pass as ``allowed_tools`` (acceptEdits covers edits
#: inside the working directory, Bash needs its own allow rule).
ALLOWED_TOOLS = ("Read", "Write", "Edit", "Bash", "Glob", "Grep")
DUMMY_API_KEY = "sk-ant-scripted-model-test-key"
CWD_LINE = re.compile(r"Primary working directory: ([^\n]+)")
FILE_PATH_KEYS = ("file_path", "notebook_path", "path")
LOG_ENV = "SCRIPTED_MODEL_LOG"


class ScriptError(AssertionError):
    """The scripted model was asked something its script could not answer."""


@dataclass(frozen=True)
class ToolCall:
    """One ``tool_use`` block; relative file paths are resolved against the CLI's cwd."""

    name: str
    input: Mapping[str, Any]
    id: str | None = None


@dataclass(frozen=True)
class Reply:
    """What the model answers: text and/or tool calls, after ``delay`` seconds.

    ``stop_reason`` defaults to ``tool_use`` when there are tool calls, else ``end_turn``.
    ``error_status`` makes it an API error reply instead (e.g. 400, 500, 529), with a
    ``retry-after`` header of ``retry_after`` seconds when that is set.
    ``stop_after_events`` ends a streamed answer early, after that many server-sent events
    (0: right after the 200 headers): the connection is closed, or with ``hold`` kept open
    and silent until the server stops, as a model that broke off or stalled mid-answer.
    ``pace`` spaces a streamed answer's events that many seconds apart (a slow model).
    ``usage`` sets the tokens it reports (what budgets count).
    """

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    delay: float = 0.0
    stop_reason: str | None = None
    error_status: int | None = None
    error_message: str = "scripted error"
    retry_after: float | None = None
    stop_after_events: int | None = None
    hold: bool = False
    pace: float = 0.0
    #: (input, output) tokens the reply reports; by default estimated from the text sizes.
    usage: tuple[int, int] | None = None

    @classmethod
    def error(
        cls, status: int = 500, message: str = "scripted error", *, retry_after: float | None = None
    ) -> Reply:
        return cls(error_status=status, error_message=message, retry_after=retry_after)

    def after(self, delay: float) -> Reply:
        """The same reply, sent ``delay`` seconds after the request arrives."""
        return replace(self, delay=delay)

    def broken_off(self, after_events: int = 4) -> Reply:
        """The same reply, its stream closed after ``after_events`` events (no message_stop)."""
        return replace(self, stop_after_events=after_events, hold=False)

    def stalled(self, after_events: int = 4) -> Reply:
        """The same reply, its stream left open and silent after ``after_events`` events."""
        return replace(self, stop_after_events=after_events, hold=True)

    def paced(self, seconds: float) -> Reply:
        """The same reply, streamed one event every ``seconds``."""
        return replace(self, pace=seconds)


ReplyLike: TypeAlias = "str | ToolCall | Reply | Sequence[ToolCall]"
Responder: TypeAlias = "Callable[[ModelRequest], ReplyLike]"
#: A list of turns (each a ReplyLike or a Responder; checked when used, so mixed lists
#: need no annotation) or a single Responder deciding every turn.
Script: TypeAlias = "Sequence[object] | Responder"


# ---------------------------------------------------------------------------------------
# Tool call helpers (the input shapes Claude Code's own tools expect)


def tool_call(name: str, **tool_input: Any) -> ToolCall:
    return ToolCall(name, tool_input)


def write(file_path: str | Path, content: str) -> ToolCall:
    """Create or overwrite a file (read it first: some CLI versions insist on that)."""
    return ToolCall("Write", {"file_path": str(file_path), "content": content})


def read(file_path: str | Path) -> ToolCall:
    return ToolCall("Read", {"file_path": str(file_path)})


def edit(
    file_path: str | Path, old_string: str, new_string: str, *, replace_all: bool = False
) -> ToolCall:
    """Replace ``old_string``, which must occur exactly once unless ``replace_all``."""
    tool_input: dict[str, Any] = {
        "file_path": str(file_path),
        "old_string": old_string,
        "new_string": new_string,
    }
    if replace_all:
        tool_input["replace_all"] = True
    return ToolCall("Edit", tool_input)


def bash(command: str, description: str = "Run a scripted command") -> ToolCall:
    return ToolCall("Bash", {"command": command, "description": description})


def say(text: str, *tool_calls: ToolCall, delay: float = 0.0) -> Reply:
    return Reply(text=text, tool_calls=tool_calls, delay=delay)


def calls(*tool_calls: ToolCall, text: str = "", delay: float = 0.0) -> Reply:
    """Several tool calls in one assistant turn (Claude Code runs them, then asks again)."""
    return Reply(text=text, tool_calls=tool_calls, delay=delay)


def by_prompt(scripts: Mapping[str, Sequence[object]]) -> Responder:
    """Give each conversation the script whose key occurs in its first user prompt."""

    def respond(request: ModelRequest) -> ReplyLike:
        for key, script in scripts.items():
            if key in request.prompt:
                entry = _script_entry(script, request)
                if entry is None:
                    raise ScriptError(f"script {key!r} exhausted at turn {request.turn}")
                return _to_reply(entry, request)
        raise ScriptError(f"no script for prompt {request.prompt[:200]!r}")

    return respond


# ---------------------------------------------------------------------------------------
# What the server received


@dataclass(frozen=True)
class ModelRequest:
    """One HTTP request the server received, with views on an Anthropic Messages body."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any
    received_at: float
    kind: Literal["messages", "count_tokens", "other"]
    side: bool = False

    @property
    def payload(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}

    @property
    def model(self) -> str:
        return str(self.payload.get("model", ""))

    @property
    def stream(self) -> bool:
        return bool(self.payload.get("stream"))

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.payload.get("messages") or [])

    @property
    def tools(self) -> list[str]:
        return [str(tool.get("name")) for tool in self.payload.get("tools") or []]

    @property
    def system(self) -> str:
        return _text_of(self.payload.get("system"))

    @property
    def session_id(self) -> str | None:
        """Claude Code's conversation id (header, else ``metadata.user_id``)."""
        for name, value in self.headers.items():
            if name.lower() == "x-claude-code-session-id":
                return value
        try:
            user = json.loads(self.payload.get("metadata", {}).get("user_id") or "{}")
        except (TypeError, ValueError, AttributeError):
            return None
        session = user.get("session_id") if isinstance(user, dict) else None
        return str(session) if session else None

    @property
    def turn(self) -> int:
        """How many assistant messages the conversation already has (the script index)."""
        return sum(1 for message in self.messages if message.get("role") == "assistant")

    @property
    def cwd(self) -> str | None:
        """The CLI's working directory, as it tells the model in its environment section."""
        texts = [self.system] + [_text_of(message.get("content")) for message in self.messages]
        match = next(filter(None, (CWD_LINE.search(text) for text in texts)), None)
        return match.group(1).strip() if match else None

    @property
    def user_texts(self) -> list[str]:
        """Text the user typed, in order (system reminders left out)."""
        texts: list[str] = []
        for message in self.messages:
            if message.get("role") != "user":
                continue
            for block in _blocks(message.get("content")):
                text = block.get("text", "") if block.get("type") == "text" else ""
                if text and not text.lstrip().startswith("<system-reminder>"):
                    texts.append(text)
        return texts

    @property
    def prompt(self) -> str:
        """The first thing the user said in this conversation."""
        texts = self.user_texts
        return texts[0] if texts else ""

    @property
    def tool_results(self) -> list[dict[str, Any]]:
        """``tool_result`` blocks sent since the last assistant turn (what its tools returned).

        Each block gains ``is_error`` (bool) and ``text`` (its text content).
        """
        last = max(
            (i for i, message in enumerate(self.messages) if message.get("role") == "assistant"),
            default=-1,
        )
        return _tool_results(self.messages[last + 1 :])

    @property
    def all_tool_results(self) -> list[dict[str, Any]]:
        return _tool_results(self.messages)

    @property
    def text(self) -> str:
        """The whole body as JSON text, to search in."""
        return json.dumps(self.body, ensure_ascii=False)

    def summary(self) -> str:
        if self.kind != "messages":
            return f"{self.method} {self.path}"
        side = " side" if self.side else ""
        return (
            f"{self.method} {self.path}{side} model={self.model} turn={self.turn} "
            f"session={self.session_id} tools={len(self.tools)} prompt={self.prompt[:60]!r}"
        )


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        return [block for block in content if isinstance(block, dict)]
    return []


def _tool_results(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**block, "is_error": bool(block.get("is_error")), "text": _text_of(block.get("content"))}
        for message in messages
        if message.get("role") == "user"
        for block in _blocks(message.get("content"))
        if block.get("type") == "tool_result"
    ]


def _text_of(content: Any) -> str:
    return "\n".join(str(b.get("text", "")) for b in _blocks(content) if b.get("type") == "text")


# ---------------------------------------------------------------------------------------
# The server


class ScriptedModel:
    """An Anthropic Messages API on 127.0.0.1 whose replies come from ``script``."""

    def __init__(
        self,
        script: Script,
        *,
        side_reply: Callable[[ModelRequest], ReplyLike] | None = None,
        when_exhausted: ReplyLike = "(scripted model: script exhausted)",
        strict: bool = True,
        log: bool | None = None,
    ) -> None:
        self.script = script
        self.side_reply = side_reply
        self.when_exhausted = when_exhausted
        self.strict = strict
        self.log = bool(os.environ.get(LOG_ENV)) if log is None else log
        self._lock = threading.Lock()
        self._script_lock = threading.Lock()
        self._requests: list[ModelRequest] = []
        self._errors: list[str] = []
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.scripted_model = self  # type: ignore[attr-defined]
        self._server = server
        self._closing.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._closing.set()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None and self.strict:
            self.check()

    def check(self) -> None:
        """Raise :class:`ScriptError` if anything went wrong on the server side."""
        errors = self.errors
        if errors:
            raise ScriptError(
                "scripted model problems:\n  "
                + "\n  ".join(errors)
                + "\nrequests:\n  "
                + "\n  ".join(self.describe())
            )

    # -- what the CLI needs --------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the scripted model is not running (use `with` or .start())")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, home: str | Path | None = None, *, max_retries: int = 0) -> dict[str, str]:
        """Environment for a CLI run: this server, a dummy key, no other traffic.

        ``home`` (created if needed) becomes HOME and holds CLAUDE_CONFIG_DIR, so the
        developer's own configuration and credentials are never read or written. Values
        that would send the CLI elsewhere (other providers, OAuth tokens, proxies) are
        blanked, since the SDK merges ``env`` into the inherited environment.
        """
        values = {
            "ANTHROPIC_BASE_URL": self.base_url,
            "ANTHROPIC_API_KEY": DUMMY_API_KEY,
            "ANTHROPIC_AUTH_TOKEN": "",
            "CLAUDE_CODE_OAUTH_TOKEN": "",
            "CLAUDE_CODE_USE_BEDROCK": "",
            "CLAUDE_CODE_USE_VERTEX": "",
            "CLAUDE_CODE_USE_FOUNDRY": "",
            "ANTHROPIC_MODEL": "",
            "ANTHROPIC_SMALL_FAST_MODEL": "",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "CLAUDE_CODE_MAX_RETRIES": str(max_retries),
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
        if home is not None:
            home_dir = Path(home)
            config_dir = home_dir / ".claude"
            config_dir.mkdir(parents=True, exist_ok=True)
            values["HOME"] = str(home_dir)
            values["CLAUDE_CONFIG_DIR"] = str(config_dir)
            values["XDG_CONFIG_HOME"] = str(home_dir / ".config")
            values["XDG_CACHE_HOME"] = str(home_dir / ".cache")
        return values

    # -- what was received ---------------------------------------------------------------

    @property
    def requests(self) -> list[ModelRequest]:
        """Every request received, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def message_requests(self) -> list[ModelRequest]:
        return [r for r in self.requests if r.kind == "messages"]

    @property
    def conversation_requests(self) -> list[ModelRequest]:
        """Messages requests the script answered (side requests left out)."""
        return [r for r in self.message_requests if not r.side]

    @property
    def side_requests(self) -> list[ModelRequest]:
        return [r for r in self.message_requests if r.side]

    def conversation(self, session_id: str) -> list[ModelRequest]:
        return [r for r in self.conversation_requests if r.session_id == session_id]

    @property
    def session_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for request in self.conversation_requests:
            if request.session_id:
                seen.setdefault(request.session_id)
        return list(seen)

    @property
    def errors(self) -> list[str]:
        with self._lock:
            return list(self._errors)

    def describe(self) -> list[str]:
        return [request.summary() for request in self.requests]

    # -- answering -----------------------------------------------------------------------

    def _record(self, request: ModelRequest) -> None:
        with self._lock:
            self._requests.append(request)
        if self.log:
            print(f"[scripted-model] {request.summary()}", file=sys.stderr, flush=True)

    def _error(self, message: str) -> None:
        with self._lock:
            self._errors.append(message)
        if self.log:
            print(f"[scripted-model] ERROR {message}", file=sys.stderr, flush=True)

    def _answer(self, request: ModelRequest) -> Reply:
        """The reply to a messages request (never raises: problems become errors).

        Script callables run one at a time (under a lock), so they may keep state.
        """
        with self._script_lock:
            return self._answer_locked(request)

    def _answer_locked(self, request: ModelRequest) -> Reply:
        try:
            if request.side:
                if self.side_reply is not None:
                    return _to_reply(self.side_reply(request), request)
                return _side_reply(request)
            if callable(self.script):
                entry: ReplyLike | None = self.script(request)
            else:
                entry = _script_entry(self.script, request)
            if entry is None:
                self._error(
                    f"script exhausted at turn {request.turn} "
                    f"(session {request.session_id}, prompt {request.prompt[:80]!r})"
                )
                entry = self.when_exhausted
            return _to_reply(entry, request)
        except Exception as exc:
            self._error(f"turn {request.turn}: {type(exc).__name__}: {exc}")
            return Reply(text=f"(scripted model error: {exc})")

    def _sleep(self, seconds: float) -> bool:
        """Wait (interruptibly); False when the server is shutting down."""
        return not self._closing.wait(seconds) if seconds > 0 else True


def _script_entry(script: Sequence[object], request: ModelRequest) -> Any:
    """The script's entry for this request's turn (None past its end)."""
    if request.turn >= len(script):
        return None
    entry = script[request.turn]
    return entry(request) if callable(entry) else entry


def _to_reply(entry: Any, request: ModelRequest) -> Reply:
    if callable(entry):
        entry = entry(request)
    if isinstance(entry, str):
        reply = Reply(text=entry)
    elif isinstance(entry, ToolCall):
        reply = Reply(tool_calls=(entry,))
    elif isinstance(entry, Reply):
        reply = entry
    elif isinstance(entry, Sequence) and all(isinstance(c, ToolCall) for c in entry):
        reply = Reply(tool_calls=tuple(entry))
    else:
        raise TypeError(f"a script entry must be str, ToolCall or Reply, not {entry!r}")
    if not reply.tool_calls:
        return reply
    return replace(reply, tool_calls=tuple(_resolve(call, request) for call in reply.tool_calls))


def _resolve(call: ToolCall, request: ModelRequest) -> ToolCall:
    tool_input = dict(call.input)
    for key in FILE_PATH_KEYS:
        value = tool_input.get(key)
        if isinstance(value, str) and value and not PurePosixPath(value).is_absolute():
            cwd = request.cwd
            if cwd is None:
                raise ScriptError(f"relative {key} {value!r} but the request names no cwd")
            tool_input[key] = str(PurePosixPath(cwd) / value)
    return ToolCall(call.name, tool_input, call.id or f"toolu_{uuid.uuid4().hex[:24]}")


def _side_reply(request: ModelRequest) -> Reply:
    """Short, plausible text for requests that are not part of the scripted conversation."""
    schema = _output_schema(request.payload)
    if schema is not None:
        return Reply(text=json.dumps(_example(schema)))
    return Reply(text="Scripted session")


def _output_schema(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    for holder in (payload.get("output_config"), payload.get("output_format"), payload):
        if not isinstance(holder, dict):
            continue
        fmt = holder.get("format", holder) if holder is not payload else None
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            schema = fmt.get("schema") or fmt.get("json_schema", {}).get("schema")
            if isinstance(schema, dict):
                return schema
    return None


def _example(schema: Mapping[str, Any]) -> Any:
    """A minimal instance of a JSON schema (good enough for titles and summaries)."""
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return _example(schema[key][0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        return {name: _example(properties.get(name, {})) for name in schema.get("required", [])}
    return {
        "array": [],
        "string": "Scripted session",
        "integer": 0,
        "number": 0,
        "boolean": False,
        "null": None,
    }.get(str(kind), "Scripted session")


# ---------------------------------------------------------------------------------------
# HTTP


def _message_id() -> str:
    return f"msg_{uuid.uuid4().hex[:24]}"


def _content(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if reply.text:
        blocks.append({"type": "text", "text": reply.text})
    for call in reply.tool_calls:
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": call.input})
    if not blocks:
        blocks.append({"type": "text", "text": ""})
    return blocks


def _usage(request: ModelRequest, reply: Reply) -> tuple[int, int]:
    if reply.usage is not None:
        return reply.usage
    input_tokens = max(1, len(request.text) // 4)
    output_tokens = max(1, len(json.dumps(_content(reply))) // 4)
    return input_tokens, output_tokens


def _stop_reason(reply: Reply) -> str:
    return reply.stop_reason or ("tool_use" if reply.tool_calls else "end_turn")


def _message(request: ModelRequest, reply: Reply) -> dict[str, Any]:
    input_tokens, output_tokens = _usage(request, reply)
    return {
        "id": _message_id(),
        "type": "message",
        "role": "assistant",
        "model": request.model or "claude-scripted",
        "content": _content(reply),
        "stop_reason": _stop_reason(reply),
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def _events(request: ModelRequest, reply: Reply) -> Iterator[tuple[str, dict[str, Any]]]:
    input_tokens, output_tokens = _usage(request, reply)
    start = _message(request, reply)
    start.update(content=[], stop_reason=None)
    start["usage"] = {**start["usage"], "output_tokens": 1}
    yield "message_start", {"type": "message_start", "message": start}
    yield "ping", {"type": "ping"}
    for index, block in enumerate(_content(reply)):
        if block["type"] == "text":
            opening: dict[str, Any] = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        else:
            opening = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        yield (
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": opening},
        )
        yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": _stop_reason(reply), "stop_sequence": None},
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        },
    )
    yield "message_stop", {"type": "message_stop"}


ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ScriptedModel/1.0"

    @property
    def model(self) -> ScriptedModel:
        return self.server.scripted_model  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: requests are recorded, and printed when logging is on."""

    def _read_body(self) -> Any:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def _handle(self) -> None:
        body = self._read_body()
        path = self.path.split("?", 1)[0].rstrip("/")
        kind: Literal["messages", "count_tokens", "other"] = "other"
        if self.command == "POST" and path == "/v1/messages":
            kind = "messages"
        elif self.command == "POST" and path == "/v1/messages/count_tokens":
            kind = "count_tokens"
        request = ModelRequest(
            method=self.command,
            path=self.path,
            headers=dict(self.headers.items()),
            body=body,
            received_at=time.time(),
            kind=kind,
            side=kind == "messages" and not (isinstance(body, dict) and body.get("tools")),
        )
        self.model._record(request)
        if kind == "messages":
            self._messages(request)
        elif kind == "count_tokens":
            self._json(200, {"input_tokens": max(1, len(request.text) // 4)})
        elif self.command == "HEAD":
            self._json(200, None)
        elif path in ("", "/", "/v1", "/health"):
            self._json(200, {"ok": True})
        else:
            self._json(404, _error_body(404, f"scripted model has no {self.command} {path}"))

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _handle  # noqa: N815

    def _messages(self, request: ModelRequest) -> None:
        reply = self.model._answer(request)
        if not self.model._sleep(reply.delay):
            self.close_connection = True
            return
        if reply.error_status is not None:
            headers = {} if reply.retry_after is None else {"retry-after": f"{reply.retry_after:g}"}
            body = _error_body(reply.error_status, reply.error_message)
            self._json(reply.error_status, body, headers=headers)
        elif request.stream:
            self._stream(request, reply)
        else:
            self._json(200, _message(request, reply), reply=reply)

    def _json(
        self,
        status: int,
        payload: Any,
        *,
        reply: Reply | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", f"req_{uuid.uuid4().hex[:24]}")
        self.end_headers()
        if self.command == "HEAD":
            return
        if reply is None or reply.stop_after_events is None:
            self.wfile.write(data)
            return
        # The CLI falls back to a non-streamed request when a stream breaks: that answer
        # breaks off too (half its body), or it would heal what the script broke.
        self.close_connection = True
        self._send([data[: len(data) // 2]] if reply.stop_after_events else [], hold=reply.hold)

    def _stream(self, request: ModelRequest, reply: Reply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.send_header("request-id", f"req_{uuid.uuid4().hex[:24]}")
        self.end_headers()
        self.close_connection = True
        events = list(_events(request, reply))[: reply.stop_after_events]
        chunks = [
            f"event: {event}\ndata: {json.dumps(data)}\n\n".encode() for event, data in events
        ]
        self._send(chunks, hold=reply.hold, pace=reply.pace)

    def _send(self, chunks: list[bytes], *, hold: bool, pace: float = 0.0) -> None:
        """Write ``chunks`` ``pace`` seconds apart, then (``hold``) stay silent till shutdown."""
        try:
            for index, chunk in enumerate(chunks):
                if index and not self.model._sleep(pace):
                    return
                self.wfile.write(chunk)
                self.wfile.flush()
            if hold:
                self.model._closing.wait()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the CLI went away (cancelled, killed): nothing to answer


def _error_body(status: int, message: str) -> dict[str, Any]:
    error_type = ERROR_TYPES.get(status, "api_error")
    return {"type": "error", "error": {"type": error_type, "message": message}}


__all__ = [
    "ALLOWED_TOOLS",
    "DUMMY_API_KEY",
    "ModelRequest",
    "Reply",
    "ScriptError",
    "ScriptedModel",
    "ToolCall",
    "bash",
    "by_prompt",
    "calls",
    "edit",
    "read",
    "say",
    "tool_call",
    "write",
]
